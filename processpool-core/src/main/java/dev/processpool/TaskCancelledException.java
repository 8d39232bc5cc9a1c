package dev.processpool;

/**
 * The task was cancelled before it produced a result: the pool shut down before the task could run or
 * finish, or the caller cancelled it. A running task that is cancelled has its worker killed.
 */
public final class TaskCancelledException extends TaskException {

    private static final long serialVersionUID = 1L;

    /**
     * The outcome of a cancelled task.
     *
     * @param taskId    the task's id
     * @param workerPid the pid of the worker that was running it (and was killed), or {@code -1} if none was
     * @param reason    why it was cancelled, for the message
     */
    public TaskCancelledException(String taskId, long workerPid, String reason) {
        super("task " + taskId + " was cancelled: " + reason, taskId, workerPid, null);
    }
}
