package dev.processpool.cli.report;

/** A task's outcome in the report: the statuses of the CLI's output lines, with their colours. */
public enum TaskStatus {
    OK("ok", "#3b9a57", 0),
    ERROR("error", "#d1453b", 2),
    TIMEOUT("timeout", "#ee9a20", 3),
    WORKER_DIED("worker-died", "#8b45a8", 4),
    CANCELLED("cancelled", "#9aa0a6", 1);

    private final String label;
    private final String colour;
    private final int severity;

    TaskStatus(String label, String colour, int severity) {
        this.label = label;
        this.colour = colour;
        this.severity = severity;
    }

    /** As in the output lines' {@code status}: {@code ok}, {@code error}, {@code timeout}, ... */
    public String label() {
        return label;
    }

    /** The colour of its bars (CSS). */
    String colour() {
        return colour;
    }

    /**
     * How much it must be seen where tasks are drawn together: a column of a binned task stream takes the
     * colour of its most severe task, so that one failure among thousands of successes stays visible.
     */
    int severity() {
        return severity;
    }

    /**
     * "37 tasks (ok 36, error 1)": a total and its non-zero parts, from counts indexed by
     * {@link #ordinal()}.
     */
    static String describe(int[] counts) {
        int total = 0;
        StringBuilder parts = new StringBuilder();
        for (TaskStatus s : values()) {
            int n = counts[s.ordinal()];
            total += n;
            if (n > 0) {
                parts.append(parts.length() == 0 ? "" : ", ").append(s.label).append(' ').append(Html.count(n));
            }
        }
        return Html.count(total) + (total == 1 ? " task" : " tasks") + (total == 0 ? "" : " (" + parts + ")");
    }

    /** The status of an output line's {@code status} value. */
    public static TaskStatus ofLabel(String label) {
        for (TaskStatus s : values()) {
            if (s.label.equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown task status '" + label + "'");
    }
}
