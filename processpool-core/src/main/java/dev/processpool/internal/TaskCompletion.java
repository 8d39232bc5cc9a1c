package dev.processpool.internal;

import dev.processpool.TaskException;

/** What the public API layer does when a task ends; the scheduler knows tasks only through this. */
public interface TaskCompletion {

    /**
     * Records the outcome (exactly one of the two is meaningful: {@code failure == null} means success) and
     * completes the task's future.
     *
     * @param workerPid the worker that ran (or was running) the task, or -1
     * @param runNanos  how long it ran in its worker, or 0 if it never started
     * @return whether callbacks have to run for this task
     */
    boolean complete(Object result, TaskException failure, long workerPid, long runNanos);

    /** Runs the task's callbacks (then the pool's, when asked). Never throws. */
    void runCallbacks();

    /**
     * The running task reported how far it is. Called from the worker's reader thread: hand it on, do not
     * run user code here.
     *
     * @param fraction how much is done, from 0 to 1
     * @param message  what it is doing, possibly empty
     */
    default void progress(double fraction, String message) {
    }
}
