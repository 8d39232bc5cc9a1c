package dev.processpool.cli.report;

/**
 * One task of the run as the report keeps it. Times are nanoseconds since the run's origin (see
 * {@link RunReport#since(long)}); {@code startedNanos} is {@code -1} for a task that never started in a
 * worker (then {@code workerPid} may be {@code -1} as well).
 *
 * @param id           the task's id as written in its output line (any text: it is escaped when shown)
 * @param line         its line in the input, from 1
 * @param workerPid    the worker that ran it, or {@code -1}
 * @param queuedNanos  when it was queued, or {@code -1} if unknown
 * @param startedNanos when it started in its worker, or {@code -1} if it never did
 * @param endedNanos   when its outcome was known
 * @param status       its outcome
 * @param errorType    the error's type for every status but {@code ok}, else {@code null}
 * @param errorMessage the error's message, or {@code null}
 */
public record TaskRecord(String id, long line, long workerPid, long queuedNanos, long startedNanos, long endedNanos,
                         TaskStatus status, String errorType, String errorMessage) {

    public TaskRecord {
        java.util.Objects.requireNonNull(id, "id");
        java.util.Objects.requireNonNull(status, "status");
        if (endedNanos < 0) {
            throw new IllegalArgumentException("endedNanos must be >= 0, was " + endedNanos);
        }
        if (startedNanos > endedNanos) {
            throw new IllegalArgumentException("task " + id + " started (" + startedNanos + ") after it ended ("
                    + endedNanos + ")");
        }
    }

    /** Whether it ran (or began to run) in a worker. */
    public boolean started() {
        return startedNanos >= 0;
    }

    /** How long it ran in its worker, or {@code -1} if it never started. */
    public long runNanos() {
        return started() ? endedNanos - startedNanos : -1;
    }

    /** How long it waited from queueing to its start, or {@code -1} if unknown. */
    public long waitNanos() {
        return started() && queuedNanos >= 0 && queuedNanos <= startedNanos ? startedNanos - queuedNanos : -1;
    }
}
