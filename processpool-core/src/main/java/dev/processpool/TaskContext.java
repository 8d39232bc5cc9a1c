package dev.processpool;

/**
 * What task code can tell the pool while it runs in a worker.
 *
 * <p>{@link #reportProgress()} resets the task's progress timeout (see
 * {@link ProcessTask.Builder#progressTimeout}): a long task that reports progress regularly may run up to its
 * total timeout, while one that stops reporting for longer than its progress timeout is killed as stuck.
 * Calls are cheap (at most one message per 20 ms reaches the parent) and do nothing outside a worker.
 */
public final class TaskContext {

    /** Installed by the worker's main class when it runs inside a worker JVM. */
    private static volatile Runnable progressReporter = new NoProgressReporter();
    private static volatile boolean inWorker;

    private TaskContext() {
    }

    /** Outside a worker: progress goes nowhere. (A class, not a lambda: it is loaded during worker start-up.) */
    private static final class NoProgressReporter implements Runnable {
        @Override
        public void run() {
        }
    }

    /** Tells the pool that the running task is making progress. */
    public static void reportProgress() {
        progressReporter.run();
    }

    /** Whether this code runs inside a processpool worker JVM. */
    public static boolean isInWorker() {
        return inWorker;
    }
}
