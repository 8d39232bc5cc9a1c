package dev.processpool.internal;

import dev.processpool.internal.EngineListener.Outcome;
import dev.processpool.internal.EngineListener.Timeout;
import dev.processpool.internal.EngineListener.WorkerEnd;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The pool's JDK Flight Recorder events, fed by the engine's event seam ({@link Events}) like any listener:
 * {@code dev.processpool.TaskExecuted}, {@code dev.processpool.WorkerStarted}, {@code dev.processpool.WorkerEnded}
 * and {@code dev.processpool.TimeoutFired}, in the category "processpool". They are committed on the engine's
 * threads, without a stack trace (it would show the engine, not the task).
 *
 * <p>Free when nobody records: the engine asks {@link #recording()} (whether the recorder has started, then the
 * recorder's own per-type flags) before it computes any event or calls this listener. Each event fills itself,
 * in its constructor, from the listener's plain values (field stores: nothing is allocated but the event), and
 * {@link Event#commit()} writes it only if a recording enables its type and its threshold passes. The methods
 * here use each event class only as itself, never as an {@link Event} (no helper taking one, no lambda): the
 * verifier then loads none of them when this class is linked, and a pool with no recording sets nothing of
 * the recorder up. The
 * {@code jdk.jfr} module is optional ({@code requires static}): a runtime without it, or a modular application
 * that does not resolve it, runs the pool without these events: {@link Events#JFR}, decided without touching a
 * {@code jdk.jfr} type, is then false, and this class is never loaded.
 */
final class FlightEvents implements EngineListener {

    private final String pool;

    private FlightEvents(String pool) {
        this.pool = pool;
    }

    /** The events of one pool (call only when {@link Events#JFR}). */
    static EngineListener listener(String pool) {
        return new FlightEvents(pool);
    }

    /**
     * Whether a recording has enabled one of the pool's event types (call only when {@link Events#JFR}). Until
     * the recorder has been started in this JVM the answer is no and no event class is loaded: the first one
     * costs the recorder's set-up, about half a second on this project's CI machine.
     */
    static boolean recording() {
        return FlightRecorder.isInitialized() && Types.anyEnabled();
    }

    /** One event of each type, for their per-type flags; loaded only once the recorder has started. */
    private static final class Types {
        private static final TaskExecuted TASK_EXECUTED = new TaskExecuted();
        private static final WorkerStarted WORKER_STARTED = new WorkerStarted();
        private static final WorkerEnded WORKER_ENDED = new WorkerEnded();
        private static final TimeoutFired TIMEOUT_FIRED = new TimeoutFired();

        static boolean anyEnabled() {
            return TASK_EXECUTED.isEnabled() || WORKER_STARTED.isEnabled() || WORKER_ENDED.isEnabled()
                    || TIMEOUT_FIRED.isEnabled();
        }
    }

    @Override
    public void taskEnded(String taskId, Outcome outcome, long queueWaitNanos, long runNanos, long workerPid) {
        new TaskExecuted(pool, taskId, workerPid, queueWaitNanos, runNanos, outcome).commit();
    }

    @Override
    public void workerStarted(int worker, long pid, long startupNanos) {
        new WorkerStarted(pool, worker, pid, startupNanos).commit();
    }

    @Override
    public void workerEnded(int worker, long pid, WorkerEnd cause, int exitCode) {
        new WorkerEnded(pool, worker, pid, cause, exitCode).commit();
    }

    @Override
    public void timeoutFired(Timeout kind, String taskId, long workerPid) {
        new TimeoutFired(pool, kind, taskId, workerPid).commit();
    }

    @Name("dev.processpool.TaskExecuted")
    @Label("Task Executed")
    @Category("processpool")
    @Description("A task got its one outcome: how long it waited for a worker, how long it ran, and how it ended")
    @StackTrace(false)
    static final class TaskExecuted extends Event {
        @Label("Pool")
        String pool;
        @Label("Task Id")
        String taskId;
        @Label("Worker PID")
        @Description("The worker it last ran on or was given to, or -1")
        long workerPid;
        @Label("Queue Wait")
        @Description("From its queueing to its start (or to its outcome if it never started); N/A if no recording"
                + " was on when it was queued")
        @Timespan(Timespan.NANOSECONDS)
        long queueWait;
        @Label("Run Time")
        @Description("From its start in a worker to its outcome; 0 if it never started")
        @Timespan(Timespan.NANOSECONDS)
        long runTime;
        @Label("Outcome")
        @Description("SUCCEEDED, FAILED, TIMED_OUT, PROGRESS_TIMED_OUT, WORKER_DIED, WORKER_UNRESPONSIVE,"
                + " RESOURCE_LIMIT, CANCELLED, TRANSFER_FAILED or START_FAILED")
        String outcome;

        /** A probe, for {@link Types}. */
        TaskExecuted() {
        }

        TaskExecuted(String pool, String taskId, long workerPid, long queueWaitNanos, long runNanos, Outcome outcome) {
            this.pool = pool;
            this.taskId = taskId;
            this.workerPid = workerPid;
            this.queueWait = queueWaitNanos < 0 ? Long.MIN_VALUE : queueWaitNanos;
            this.runTime = runNanos;
            this.outcome = outcome.name();
        }
    }

    @Name("dev.processpool.WorkerStarted")
    @Label("Worker Started")
    @Category("processpool")
    @Description("A worker JVM completed its handshake")
    @StackTrace(false)
    static final class WorkerStarted extends Event {
        @Label("Pool")
        String pool;
        @Label("Worker")
        @Description("Its number in the pool")
        int worker;
        @Label("PID")
        long pid;
        @Label("Start-up Time")
        @Description("From the start of its launch to its completed handshake")
        @Timespan(Timespan.NANOSECONDS)
        long startupTime;

        /** A probe, for {@link Types}. */
        WorkerStarted() {
        }

        WorkerStarted(String pool, int worker, long pid, long startupNanos) {
            this.pool = pool;
            this.worker = worker;
            this.pid = pid;
            this.startupTime = startupNanos;
        }
    }

    @Name("dev.processpool.WorkerEnded")
    @Label("Worker Ended")
    @Category("processpool")
    @Description("A worker JVM is gone: it exited, died, was killed or stopped by the pool, or never started")
    @StackTrace(false)
    static final class WorkerEnded extends Event {
        @Label("Pool")
        @Description("The name of the worker's pool")
        String pool;
        @Label("Worker")
        @Description("Its number in the pool")
        int worker;
        @Label("PID")
        @Description("Its pid, or -1 if it never started")
        long pid;
        @Label("Cause")
        @Description("EXITED, SIGNALLED, LAUNCH_FAILED (it died or never started), or the pool's reason: TIMEOUT,"
                + " CANCELLED, MEMORY, UNRESPONSIVE, PROTOCOL_VIOLATION, UNREACHABLE, RECYCLED, IDLE_RETIRED,"
                + " SHUTDOWN")
        String cause;
        @Label("By Pool")
        @Description("Whether the pool ended it")
        boolean byPool;
        @Label("Exit Code")
        @Description("As the JDK reports it (128 + n for signal n), or -1 if unknown")
        int exitCode;
        @Label("Signal")
        @Description("The signal that ended it, or 0")
        int signal;

        /** A probe, for {@link Types}. */
        WorkerEnded() {
        }

        WorkerEnded(String pool, int worker, long pid, WorkerEnd cause, int exitCode) {
            this.pool = pool;
            this.worker = worker;
            this.pid = pid;
            this.cause = cause == null ? null : cause.name();
            this.byPool = cause != null && cause.byPool();
            this.exitCode = exitCode;
            this.signal = exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
        }
    }

    @Name("dev.processpool.TimeoutFired")
    @Label("Timeout Fired")
    @Category("processpool")
    @Description("A timer of the pool fired and the pool acts on it (the task's outcome or the worker's end"
            + " follows)")
    @StackTrace(false)
    static final class TimeoutFired extends Event {
        @Label("Pool")
        String pool;
        @Label("Kind")
        @Description("TASK, PROGRESS, SILENCE, START or DECODE")
        String kind;
        @Label("Task Id")
        @Description("The task it fired for, or null")
        String taskId;
        @Label("Worker PID")
        @Description("The worker's pid, or -1")
        long workerPid;

        /** A probe, for {@link Types}. */
        TimeoutFired() {
        }

        TimeoutFired(String pool, Timeout kind, String taskId, long workerPid) {
            this.pool = pool;
            this.kind = kind.name();
            this.taskId = taskId;
            this.workerPid = workerPid;
        }
    }
}
