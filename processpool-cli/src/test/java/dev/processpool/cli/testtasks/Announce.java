package dev.processpool.cli.testtasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * A test task that leaves a file {@code <dir>/<name>.started} when it starts and then sleeps, so a test can
 * wait until it is running (never by sleeping itself). Reaches the workers through {@code --classpath}.
 */
public final class Announce implements Callable<String> {

    private final Path dir;
    private final String name;
    private final long millis;

    public Announce(String dir, String name, long millis) {
        this.dir = Path.of(dir);
        this.name = name;
        this.millis = millis;
    }

    @Override
    public String call() throws Exception {
        Files.writeString(dir.resolve(name + ".started"), String.valueOf(ProcessHandle.current().pid()));
        Thread.sleep(millis);
        return name;
    }
}
