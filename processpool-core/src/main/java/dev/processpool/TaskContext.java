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

    /** {@return whether this code runs inside a processpool worker JVM} */
    public static boolean isInWorker() {
        return TaskProgress.reporter() != null;
    }
}
