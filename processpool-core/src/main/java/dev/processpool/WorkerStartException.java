package dev.processpool;

/**
 * No worker process could be started to run the task (for example a wrong java executable, class path or
 * JVM option). The pool fails the waiting tasks with this outcome after several launches in a row failed
 * while no worker was alive, rather than letting them wait forever; it keeps retrying launches with a
 * back-off for later tasks.
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
