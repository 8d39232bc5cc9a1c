package dev.processpool;

import java.time.Duration;

/**
 * The task ran longer than its timeout. The parent killed the worker's whole process tree at the deadline
 * (measured from the moment the worker started executing the task) and starts a replacement when needed.
 */
public final class TaskTimeoutException extends TaskException {

    private static final long serialVersionUID = 1L;

    private final Duration timeout;

    public TaskTimeoutException(String taskId, long workerPid, Duration timeout) {
        super("task " + taskId + " timed out after " + timeout.toMillis() + " ms; worker " + workerPid + " was killed",
                taskId, workerPid, null);
        this.timeout = timeout;
    }

    /** The timeout the task overran. */
    public Duration getTimeout() {
        return timeout;
    }
}
