package dev.processpool;

/**
 * The worker's resident memory crossed the pool's {@code workerMemoryHardLimit} while it ran the task, and
 * the parent killed it at once.
 */
public final class ResourceLimitException extends TaskException {

    private static final long serialVersionUID = 1L;

    private final long residentBytes;
    private final long limitBytes;

    public ResourceLimitException(String taskId, long workerPid, long residentBytes, long limitBytes) {
        super("worker " + workerPid + " used " + (residentBytes >> 20) + " MiB resident memory, over the hard limit of "
                + (limitBytes >> 20) + " MiB, while running task " + taskId + "; it was killed", taskId, workerPid, null);
        this.residentBytes = residentBytes;
        this.limitBytes = limitBytes;
    }

    public long getResidentBytes() {
        return residentBytes;
    }

    public long getLimitBytes() {
        return limitBytes;
    }
}
