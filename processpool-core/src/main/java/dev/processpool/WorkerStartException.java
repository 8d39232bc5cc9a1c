package dev.processpool;

/**
 * The pool has given up starting workers, and none of its workers is alive to run the task (for example a
 * wrong java executable, class path or JVM option): {@value PoolConfig#START_FAILURES_TO_GIVE_UP} launches in
 * a row failed while no worker of the pool had ever started, or failed with the same error. The message
 * carries the start error. Waiting tasks and tasks queued later end with it at once, rather than waiting
 * forever; {@link ProcessPool#startProcessing()} makes the pool try again. See {@link PoolConfig}, "When
 * workers cannot be started".
 */
public final class WorkerStartException extends TaskException {

    private static final long serialVersionUID = 1L;

    /**
     * The outcome of a task for which no worker could be started.
     *
     * @param taskId  the task's id
     * @param message the start error, for the message
     * @param cause   the launch failure
     */
    public WorkerStartException(String taskId, String message, Throwable cause) {
        super("task " + taskId + ": no worker could be started: " + message, taskId, -1, cause);
    }
}
