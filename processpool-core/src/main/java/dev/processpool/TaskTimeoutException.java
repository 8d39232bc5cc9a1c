package dev.processpool;

import java.time.Duration;

/**
 * The task ran longer than its timeout. The parent killed the worker's whole process tree at the deadline
 * (measured from the moment the worker started executing the task) and starts a replacement when needed.
 */
public final class TaskTimeoutException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The timeout the task overran. */
    private final Duration timeout;
    /** Whether that was its progress timeout. */
    private final boolean progressTimeout;

    /**
     * The outcome of a task that overran its total timeout.
     *
     * @param taskId    the task's id
     * @param workerPid the pid of the worker that was killed
     * @param timeout   the timeout the task overran
     */
    public TaskTimeoutException(String taskId, long workerPid, Duration timeout) {
        this(taskId, workerPid, timeout, false);
    }

    /**
     * The outcome of a task that overran its total or its progress timeout.
     *
     * @param taskId          the task's id
     * @param workerPid       the pid of the worker that was killed
     * @param timeout         the timeout the task overran
     * @param progressTimeout true when the task overran its progress timeout (no progress reported for that
     *                        long) rather than its total timeout
     */
    public TaskTimeoutException(String taskId, long workerPid, Duration timeout, boolean progressTimeout) {
        super("task " + taskId + (progressTimeout ? " reported no progress for " : " timed out after ")
                + timeout.toMillis() + " ms; worker " + workerPid + " was killed", taskId, workerPid, null);
        this.timeout = timeout;
        this.progressTimeout = progressTimeout;
    }

    /** {@return whether the task overran its progress timeout rather than its total timeout} */
    public boolean isProgressTimeout() {
        return progressTimeout;
    }

    /** {@return the timeout the task overran (the total or the progress timeout)} */
    public Duration getTimeout() {
        return timeout;
    }
}
