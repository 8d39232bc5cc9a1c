package dev.processpool;

/**
 * The keys the pool puts in SLF4J's {@link org.slf4j.MDC} while it logs about a worker or a task, and while it
 * runs a task's callbacks: a log pattern can show them (logback: {@code %X{processpool.task.id}}), and a
 * callback can read them. They are set on the pool's own threads only, and only with an SLF4J provider that
 * keeps an MDC (slf4j-simple keeps none); each is absent where it is not known (a worker being launched has no
 * pid yet, an idle worker runs no task). The values are restored when the pool's code is done, so a caller's own
 * MDC is never lost.
 *
 * <p>They are on: the pool's log lines about a worker or a task ({@code dev.processpool.ProcessPool}), the
 * lines a worker prints, forwarded to the log ({@code dev.processpool.worker.output}) or to a
 * {@link WorkerOutputListener}, and a task's result and exception callbacks.
 */
public final class MdcKeys {

    /** The pool's name ({@link ProcessPool#getName()}). */
    public static final String POOL = "processpool.pool";
    /** The worker's process id. */
    public static final String WORKER_PID = "processpool.worker.pid";
    /** The task's id ({@link ProcessTask#getTaskID()}). */
    public static final String TASK_ID = "processpool.task.id";

    private MdcKeys() {
    }
}
