package dev.processpool;

import java.time.Duration;

/**
 * The worker went silent: no heartbeat or other message for longer than the pool's
 * {@code unresponsiveTimeout} while it had the CPU (hung in native code, stopped with SIGSTOP), or for
 * several times that however starved of CPU it was (see {@code PoolConfig.Builder#unresponsiveTimeout}). The parent killed it;
 * the task it was running ends with this outcome, independently of the task's own timeout.
 */
public final class WorkerUnresponsiveException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** How long the worker had been silent. */
    private final Duration silence;

    /**
     * The outcome of a task whose worker went silent and was killed.
     *
     * @param taskId    the task's id
     * @param workerPid the pid of the worker that was killed
     * @param silence   how long it had sent nothing
     */
    public WorkerUnresponsiveException(String taskId, long workerPid, Duration silence) {
        super("worker " + workerPid + " sent nothing for " + silence.toMillis() + " ms while running task " + taskId
                + " and was killed as unresponsive", taskId, workerPid, null);
        this.silence = silence;
    }

    /** {@return how long the worker had been silent when it was killed} */
    public Duration getSilence() {
        return silence;
    }
}
