package dev.processpool;

/**
 * The worker's resident memory crossed the pool's {@code workerMemoryHardLimit} while it ran the task, and
 * the parent killed it at once.
 */
public final class ResourceLimitException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The worker's resident memory when it was killed, in bytes. */
    private final long residentBytes;
    /** The pool's {@code workerMemoryHardLimit}, in bytes. */
    private final long limitBytes;

    /**
     * The outcome of a task whose worker was killed over its memory limit.
     *
     * @param taskId        the task's id
     * @param workerPid     the pid of the worker that was killed
     * @param residentBytes the worker's resident memory when it was killed, in bytes
     * @param limitBytes    the hard limit it crossed, in bytes
     */
    public ResourceLimitException(String taskId, long workerPid, long residentBytes, long limitBytes) {
        super("worker " + workerPid + " used " + (residentBytes >> 20) + " MiB resident memory, over the hard limit of "
                + (limitBytes >> 20) + " MiB, while running task " + taskId + "; it was killed", taskId, workerPid, null);
        this.residentBytes = residentBytes;
        this.limitBytes = limitBytes;
    }

    /** {@return the worker's resident memory when it was killed, in bytes} */
    public long getResidentBytes() {
        return residentBytes;
    }

    /** {@return the hard limit the worker crossed ({@code workerMemoryHardLimit}), in bytes} */
    public long getLimitBytes() {
        return limitBytes;
    }
}
