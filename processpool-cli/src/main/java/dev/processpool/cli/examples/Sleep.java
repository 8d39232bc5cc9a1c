package dev.processpool.cli.examples;

import java.util.concurrent.Callable;

/**
 * Sleeps, then says for how long: for trying timeouts ({@code --timeout}, a line's {@code "timeout"}) and
 * ordering. Input line: {@code [1500]} (milliseconds).
 */
public final class Sleep implements Callable<String> {

    private final long millis;

    public Sleep(long millis) {
        this.millis = millis;
    }

    @Override
    public String call() throws InterruptedException {
        Thread.sleep(millis);
        return "slept " + millis + " ms";
    }
}
