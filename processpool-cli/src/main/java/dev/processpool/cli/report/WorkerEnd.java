package dev.processpool.cli.report;

/** How a worker process ended, as the report shows it. */
public enum WorkerEnd {
    /** Stopped by the pool with nothing wrong: idle above the minimum, or the pool shut down. */
    EXITED("exited"),
    /** Replaced by the pool after {@code --max-tasks-per-worker} tasks or over its memory limit. */
    RECYCLED("recycled"),
    /** Killed by the pool: its task timed out, or was cancelled while running. */
    KILLED("killed"),
    /** Died by itself: it exited, crashed or was killed from outside while running a task, or went silent. */
    DIED("died"),
    /** Still alive when the report was written. */
    ALIVE("alive"),
    /** Its end was not reported (the worker is known only from the tasks it ran). */
    UNKNOWN("not reported");

    private final String label;

    WorkerEnd(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
