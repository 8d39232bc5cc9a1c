package dev.processpool;

/**
 * The task ran, but its result could not be brought back: it was not serialisable in the worker, or the
 * parent could not read it (its class is missing in the parent, or the deserialisation filter rejected it).
 * The cause says which.
 */
public final class ResultTransferException extends TaskException {

    private static final long serialVersionUID = 1L;

    public ResultTransferException(String taskId, long workerPid, String message, Throwable cause) {
        super("task " + taskId + ": " + message, taskId, workerPid, cause);
    }
}
