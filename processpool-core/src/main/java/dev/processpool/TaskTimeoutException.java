package dev.processpool;

import java.time.Duration;

/**
 * The task ran longer than its timeout. The parent killed the worker's whole process tree at the deadline
 * (measured from the moment the worker started executing the task) and starts a replacement when needed.
 */
public final class TaskTimeoutException extends TaskException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;
    private final boolean progressTimeout;

    public TaskTimeoutException(String taskId, long workerPid, Duration timeout) {
        this(taskId, workerPid, timeout, false);
    }

    /**
     * @param progressTimeout true when the task overran its progress timeout (no progress reported for that
     *                        long) rather than its total timeout
     */
    public TaskTimeoutException(String taskId, long workerPid, Duration timeout, boolean progressTimeout) {
        super("task " + taskId + (progressTimeout ? " reported no progress for " : " timed out after ")
                + timeout.toMillis() + " ms; worker " + workerPid + " was killed", taskId, workerPid, null);
        this.timeout = timeout;
        this.progressTimeout = progressTimeout;
    }

    /** Whether the task overran its progress timeout rather than its total timeout. */
    public boolean isProgressTimeout() {
        return progressTimeout;
    }

    /** The timeout the task overran (the total or the progress timeout). */
    public Duration getTimeout() {
        return timeout;
    }
}
