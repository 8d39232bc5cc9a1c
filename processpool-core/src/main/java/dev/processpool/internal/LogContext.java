package dev.processpool.internal;

import dev.processpool.MdcKeys;
import org.slf4j.MDC;
import org.slf4j.helpers.NOPMDCAdapter;

/**
 * The pool's SLF4J MDC ({@link MdcKeys}) while the engine works for one worker or task: entered where a
 * thread of the engine takes up a worker's or a task's business (a worker's frames and output, its timers, the
 * decoding of an answer, a task's callbacks), closed when it is done, restoring what the thread had before.
 * The pool's constructor enters it too, with the pool's name only, while it sets up on the caller's thread.
 * Free when the SLF4J provider keeps no MDC (none bound, or slf4j-simple): then nothing is put at all.
 */
public final class LogContext implements AutoCloseable {

    /** Whether the provider keeps an MDC; decided once. */
    private static final boolean KEPT = keptByProvider();
    /** Returned when there is nothing to restore. */
    private static final LogContext NONE = new LogContext(null, null, null);

    private final String pool;
    private final String pid;
    private final String task;

    private LogContext(String pool, String pid, String task) {
        this.pool = pool;
        this.pid = pid;
        this.task = task;
    }

    private static boolean keptByProvider() {
        try {
            return !(MDC.getMDCAdapter() instanceof NOPMDCAdapter) && MDC.getMDCAdapter() != null;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Puts the pool's keys for this thread until {@link #close()}.
     *
     * @param pool   the pool's name
     * @param pid    the worker's pid, or -1 (the key is then removed)
     * @param taskId the task's id, or null (the key is then removed)
     */
    public static LogContext enter(String pool, long pid, String taskId) {
        if (!KEPT) {
            return NONE;
        }
        try {
            LogContext previous = new LogContext(MDC.get(MdcKeys.POOL), MDC.get(MdcKeys.WORKER_PID),
                    MDC.get(MdcKeys.TASK_ID));
            put(MdcKeys.POOL, pool);
            put(MdcKeys.WORKER_PID, pid < 0 ? null : Long.toString(pid));
            put(MdcKeys.TASK_ID, taskId);
            return previous;
        } catch (Throwable e) {
            return NONE; // a provider's MDC that fails costs the context, never the engine's thread
        }
    }

    private static void put(String key, String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }

    /** Restores what the thread had before {@link #enter}. */
    @Override
    public void close() {
        if (this == NONE) {
            return;
        }
        try {
            put(MdcKeys.POOL, pool);
            put(MdcKeys.WORKER_PID, pid);
            put(MdcKeys.TASK_ID, task);
        } catch (Throwable ignored) {
            // as in enter
        }
    }
}
