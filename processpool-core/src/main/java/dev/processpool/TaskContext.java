package dev.processpool;

import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.TaskProgress;

/**
 * What task code can tell the pool while it runs in a worker.
 *
 * <p>{@link #reportProgress()} resets the task's progress timeout (see
 * {@link ProcessTask.Builder#progressTimeout}): a long task that reports progress regularly may run up to its
 * total timeout, while one that stops reporting for longer than its progress timeout is killed as stuck.
 * Calls are cheap (at most one message per {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms reaches the
 * parent) and do nothing outside a worker.
 */
public final class TaskContext {

    private TaskContext() {
    }

    /** Tells the pool that the running task is making progress. */
    public static void reportProgress() {
        Runnable reporter = TaskProgress.reporter();
        if (reporter != null) {
            reporter.run();
        }
    }

    /**
     * Which attempt at the running task this is: 1 for the first, 2 for the first retry, and so on (see
     * {@link ProcessTask.Builder#retries(int)}). A task may use it to do less on a retry, or to note that an
     * earlier attempt killed its worker.
     *
     * @return the attempt number, at least 1 (1 outside a worker)
     */
    public static int attempt() {
        return TaskProgress.attempt();
    }

    /**
     * Whether the running task's soft timeout has passed (see {@link ProcessTask.Builder#softTimeout}). At
     * the soft deadline the worker also interrupts the task's thread, so blocking calls throw
     * {@link InterruptedException}; code that computes without blocking should look here now and then, stop,
     * and return what it has (a result) or throw (the outcome is then a {@link TaskTimeoutException} whose
     * {@link TaskTimeoutException#isSoftTimeout()} is true). Otherwise the hard timeout kills it.
     *
     * @return whether the soft deadline has passed; false outside a worker
     */
    public static boolean softTimeoutReached() {
        return TaskProgress.softTimeoutReached();
    }

    /**
     * Tells the pool how far the running task is: the task's progress listener in the parent
     * ({@link ProcessTask.Builder#progressListener}) hears it, and it resets the progress timeout like
     * {@link #reportProgress()}. At most one report per {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms goes to
     * the parent: a report that comes sooner waits (a later one replaces it) and is sent within a heartbeat
     * interval, and at the latest before the task's outcome, so the last report always arrives. Does nothing
     * outside a worker.
     *
     * @param fraction how much is done, from 0 to 1
     * @param message  what the task is doing (null for none); cut at
     *                 {@value TaskProgress#MAX_MESSAGE_BYTES} UTF-8 bytes
     * @throws IllegalArgumentException if the fraction is not between 0 and 1
     */
    public static void reportProgress(double fraction, String message) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("progress fraction must be between 0 and 1, was " + fraction);
        }
        java.util.function.BiConsumer<Double, String> reporter = TaskProgress.detailedReporter();
        if (reporter != null) {
            reporter.accept(fraction, message == null ? "" : message);
        }
    }

    /** {@return whether this code runs inside a processpool worker JVM} */
    public static boolean isInWorker() {
        return TaskProgress.reporter() != null;
    }
}
