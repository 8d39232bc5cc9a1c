package dev.processpool;

/**
 * Why a task produced no result. Every task queued in a {@link ProcessPool} ends in exactly one outcome:
 * a result, or one of the subclasses of this exception. It is what the task's
 * {@link ExceptionCallback} receives, what {@link ProcessTask#taskException()} returns and what the task's
 * {@link ProcessTask#future() future} completes with.
 */
public abstract class TaskException extends Exception {

    private static final long serialVersionUID = 1L;

    /** The id of the task that failed. */
    private final String taskId;
    /** The pid of the worker the task ran on, or {@code -1}. */
    private final long workerPid;
    /** How many attempts the task had, this one the last; set by the pool before anyone sees it. */
    private volatile int attempts = 1;
    /** Whether its retries were used up (see {@link #isQuarantined()}). */
    private volatile boolean quarantined;

    /**
     * For the subclasses, one per kind of outcome.
     *
     * @param message   the message
     * @param taskId    the id of the task that failed
     * @param workerPid the pid of the worker the task ran on, or {@code -1} when it never reached one
     * @param cause     the cause, or {@code null}
     */
    protected TaskException(String message, String taskId, long workerPid, Throwable cause) {
        super(message, cause);
        this.taskId = taskId;
        this.workerPid = workerPid;
    }

    /** {@return the id of the task that failed} */
    public String getTaskId() {
        return taskId;
    }

    /** {@return the pid of the worker the task ran on, or {@code -1} when it never reached one} */
    public long getWorkerPid() {
        return workerPid;
    }

    /**
     * How many times the task ran before this outcome: 1, or more when it was retried (see
     * {@link ProcessTask.Builder#retries(int)}). The failures of the earlier attempts are this exception's
     * {@linkplain #getSuppressed() suppressed} exceptions, oldest first.
     *
     * @return the number of attempts, at least 1
     */
    public int getAttempts() {
        return attempts;
    }

    /**
     * Whether the task is <em>quarantined</em>: it was allowed retries, and every attempt, this last one
     * included, failed in a way it was retried for (its worker died, timed out, went unresponsive, or it threw
     * a type the caller named). It is not run again; the message says how each attempt ended.
     *
     * @return whether the task's retries were used up
     */
    public boolean isQuarantined() {
        return quarantined;
    }

    /**
     * Records the attempts before this outcome, when the task was retried: they become suppressed exceptions
     * and the message tells them. Called by the pool once, before the outcome is published.
     */
    void recordAttempts(java.util.List<TaskException> earlier, boolean usedUp) {
        if (earlier.isEmpty()) {
            return;
        }
        attempts = earlier.size() + 1;
        quarantined = usedUp;
        for (TaskException e : earlier) {
            addSuppressed(e);
        }
    }

    @Override
    public String getMessage() {
        String message = super.getMessage();
        int n = attempts;
        if (n == 1) {
            return message;
        }
        StringBuilder b = new StringBuilder(message).append(quarantined ? " (quarantined: failed " + n + " times: "
                : " (after " + n + " attempts: ");
        Throwable[] earlier = getSuppressed();
        for (int i = 0; i < earlier.length && i < n - 1; i++) {
            String how = earlier[i] instanceof TaskException t ? t.summary() : String.valueOf(earlier[i]);
            b.append("attempt ").append(i + 1).append(' ').append(how).append("; ");
        }
        return b.append("attempt ").append(n).append(' ').append(summary()).append(')').toString();
    }

    /** How this attempt ended, in a few words: its message without the task's name. */
    private String summary() {
        String m = super.getMessage();
        String prefix = "task " + taskId + " ";
        return m == null ? getClass().getSimpleName() : m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
