package dev.processpool.cli.report;

/**
 * One worker process of the run. Times are nanoseconds since the run's origin.
 *
 * @param pid          its process id
 * @param startedNanos when it was launched
 * @param endedNanos   when it was gone, or {@code -1} while alive
 * @param end          how it ended ({@link WorkerEnd#ALIVE} while alive)
 * @param detail       what caused its end (e.g. the task that timed out), or {@code null}
 */
public record WorkerRecord(long pid, long startedNanos, long endedNanos, WorkerEnd end, String detail) {

    public WorkerRecord {
        java.util.Objects.requireNonNull(end, "end");
    }

    /** When it ended, or {@code runEnd} if it had not. */
    long endOr(long runEnd) {
        return endedNanos >= 0 ? endedNanos : runEnd;
    }
}
