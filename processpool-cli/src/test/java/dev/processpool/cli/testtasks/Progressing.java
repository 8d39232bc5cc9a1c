package dev.processpool.cli.testtasks;

import dev.processpool.TaskContext;

/** A task that reports its progress with a message (the caller's, hostile or not), then takes its time. */
public final class Progressing {

    private Progressing() {
    }

    /** Reports half done with {@code message} every 50 ms for {@code millis}, then returns the message's length. */
    public static int report(String message, int millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000L;
        while (System.nanoTime() < end) {
            TaskContext.reportProgress(0.5, message);
            Thread.sleep(50);
        }
        return message.length();
    }
}
