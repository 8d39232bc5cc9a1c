package dev.processpool.protocol;

/**
 * The worker's end of {@code dev.processpool.TaskContext}: the worker installs what sends a
 * {@link Protocol#FRAME_PROGRESS} frame for its running task (at most one per
 * {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms) once its channel is up; {@code TaskContext} calls it. Outside a
 * worker nothing is installed. Here, in the room both sides share, so that the public API need not know the
 * worker's main class, nor the worker the public API's internals.
 */
public final class TaskProgress {

    private static volatile Runnable reporter;

    private TaskProgress() {
    }

    /**
     * Installs this JVM's progress reporter (the worker does, at its handshake).
     *
     * @param progressReporter sends a PROGRESS frame for the running task, or does nothing when it is too soon
     */
    public static void install(Runnable progressReporter) {
        reporter = progressReporter;
    }

    /** {@return this JVM's progress reporter, or null when it is not a connected worker} */
    public static Runnable reporter() {
        return reporter;
    }
}
