package dev.processpool;

/**
 * Why a task produced no result. Every task queued in a {@link ProcessPool} ends in exactly one outcome:
 * a result, or one of the subclasses of this exception. It is what the task's
 * {@link ExceptionCallback} receives, what {@link ProcessTask#taskException()} returns and what the task's
 * {@link ProcessTask#future() future} completes with.
 */
public abstract class TaskException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The id of the task that failed. */
    private final String taskId;
    /** The pid of the worker the task ran on, or {@code -1}. */
    private final long workerPid;

    /**
     * For the subclasses, one per kind of outcome.
     *
     * @param message   the message
     * @param taskId    the id of the task that failed
     * @param workerPid the pid of the worker the task ran on, or {@code -1} when it never reached one
     * @param cause     the cause, or {@code null}
     */
    protected TaskException(String message, String taskId, long workerPid, Throwable cause) {
        super(message, cause);
        this.taskId = taskId;
        this.workerPid = workerPid;
    }

    /** {@return the id of the task that failed} */
    public String getTaskId() {
        return taskId;
    }

    /** {@return the pid of the worker the task ran on, or {@code -1} when it never reached one} */
    public long getWorkerPid() {
        return workerPid;
    }
}
