package dev.processpool;

/**
 * Hears how far a running task is, as its code reports it with
 * {@link TaskContext#reportProgress(double, String)} in the worker.
 *
 * <p>Listeners run in one thread of the pool, never two at once for one pool and in the order of each task's
 * reports. A listener that is slower than the reports skips some: it always hears the latest, and a task's
 * last report before its outcome is never skipped (it may be heard just after the task's future has
 * completed). An exception thrown by a listener is logged and changes nothing.
 */
@FunctionalInterface
public interface ProgressListener {

    /**
     * @param task     the running task
     * @param fraction how much is done, from 0 to 1
     * @param message  what the task is doing, possibly empty
     */
    void onProgress(ProcessTask task, double fraction, String message);
}
