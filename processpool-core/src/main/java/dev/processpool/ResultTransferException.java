package dev.processpool;

/**
 * The task ran, but its result could not be brought back: it was not serialisable in the worker, or the
 * parent could not read it (its class is missing in the parent, or the deserialisation filter rejected it).
 * The cause says which.
 */
public final class ResultTransferException extends TaskException {

    private static final long serialVersionUID = 1L;

    /**
     * The outcome of a task whose result could not be brought back.
     *
     * @param taskId    the task's id
     * @param workerPid the pid of the worker that ran it
     * @param message   what went wrong
     * @param cause     the exception that says why
     */
    public ResultTransferException(String taskId, long workerPid, String message, Throwable cause) {
        super("task " + taskId + ": " + message, taskId, workerPid, cause);
    }
}
