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
    /** Which attempt at the running task this is (1 for the first). */
    private static volatile int attempt = 1;
    /** Whether the running task's soft timeout has passed. */
    private static volatile boolean softTimeoutReached;

    /**
     * The running task's soft deadline has passed (true), or a task starts or ends (false).
     *
     * @param reached whether it has passed
     */
    public static void softTimeoutReached(boolean reached) {
        softTimeoutReached = reached;
    }

    /** {@return whether the running task's soft timeout has passed; false outside a worker} */
    public static boolean softTimeoutReached() {
        return softTimeoutReached;
    }

    /**
     * The worker is about to run a task: what {@code TaskContext} tells about it.
     *
     * @param attemptNumber which attempt at the task this is, 1 for the first
     */
    public static void taskStarts(int attemptNumber) {
        attempt = attemptNumber;
    }

    /** {@return which attempt at the running task this is: 1 for the first, and outside a worker} */
    public static int attempt() {
        return attempt;
    }

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
