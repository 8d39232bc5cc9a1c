package dev.processpool;

import java.time.Duration;

/**
 * The task ran longer than one of its timeouts; {@link #isSoftTimeout()} and {@link #isProgressTimeout()} say
 * which. At the (hard) timeout or the progress timeout the parent killed the worker's whole process tree
 * (the deadline measured from the moment the worker started executing the task) and starts a replacement
 * when needed. At the soft timeout ({@link ProcessTask.Builder#softTimeout}) the worker interrupted the task,
 * which then threw: that exception is the {@linkplain #getCause() cause}, and the worker lives on.
 */
public final class TaskTimeoutException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The timeout the task overran. */
    private final Duration timeout;
    /** Whether that was its progress timeout. */
    private final boolean progressTimeout;
    /** Whether that was its soft timeout. */
    private final boolean softTimeout;

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
        this(taskId, workerPid, timeout, progressTimeout, Duration.ZERO);
    }

    /**
     * The outcome of a task that overran its total or its progress timeout, when it also had a soft timeout
     * that did not stop it.
     *
     * @param taskId          the task's id
     * @param workerPid       the pid of the worker that was killed
     * @param timeout         the timeout the task overran
     * @param progressTimeout true for its progress timeout, false for its total (hard) timeout
     * @param softTimeout     its soft timeout, which passed before, or zero when it had none
     */
    public TaskTimeoutException(String taskId, long workerPid, Duration timeout, boolean progressTimeout,
                                Duration softTimeout) {
        super("task " + taskId + (progressTimeout ? " reported no progress for " : " timed out after ")
                + timeout.toMillis() + " ms" + (softTimeout.isZero() || progressTimeout ? ""
                : " (its hard timeout: the soft timeout of " + softTimeout.toMillis() + " ms did not stop it)")
                + "; worker " + workerPid + " was killed", taskId, workerPid, null);
        this.timeout = timeout;
        this.progressTimeout = progressTimeout;
        this.softTimeout = false;
    }

    /**
     * The outcome of a task that its soft timeout ended: the worker interrupted it at the soft deadline, and it
     * threw. The worker was not killed.
     *
     * @param taskId      the task's id
     * @param workerPid   the pid of the worker that ran it
     * @param softTimeout the soft timeout
     * @param thrown      what the task threw (deserialised, or a {@link RemoteException} standing in for it)
     */
    public TaskTimeoutException(String taskId, long workerPid, Duration softTimeout, Throwable thrown) {
        super("task " + taskId + " was stopped at its soft timeout of " + softTimeout.toMillis() + " ms"
                + (thrown == null ? "" : "; it threw " + thrown), taskId, workerPid, thrown);
        this.timeout = softTimeout;
        this.progressTimeout = false;
        this.softTimeout = true;
    }

    /**
     * Whether the soft timeout ended the task: it was interrupted at the soft deadline and threw (its worker
     * lives on). False when the parent killed its worker at its (hard) timeout or progress timeout.
     *
     * @return whether the soft deadline ended it
     */
    public boolean isSoftTimeout() {
        return softTimeout;
    }

    /** {@return whether the task overran its progress timeout rather than its total timeout} */
    public boolean isProgressTimeout() {
        return progressTimeout;
    }

    /** {@return the timeout the task overran (the total, the progress or the soft timeout)} */
    public Duration getTimeout() {
        return timeout;
    }
}
