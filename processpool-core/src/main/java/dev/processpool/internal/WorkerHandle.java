package dev.processpool.internal;

import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.logging.Logs;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.TaskProgress;
import dev.processpool.transport.CrashReport;
import dev.processpool.transport.RunQueueWaits;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerEvents;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The parent-side handle of one worker: its state (see {@link WorkerState}; it changes only through
 * {@link PoolEngine#moveLocked}) and the tasks it holds. Fields are guarded by the engine's lock unless they
 * say otherwise; the volatile ones may be read without it. Events from the transport go straight to the part
 * of the engine whose business they are.
 */
final class WorkerHandle implements WorkingProcess, WorkerEvents {

    private static final Logger OUTPUT_LOG = Logs.logger("dev.processpool.worker.output", Level.INFO);

    final int number;
    private final PoolEngine engine;
    private final Instant startedAt = Instant.now();
    volatile WorkerState state = WorkerState.STARTING;
    volatile WorkerChannel channel;
    volatile long pid = -1;
    /** The task whose start the worker reported and whose outcome is not known yet. */
    volatile Submission current;
    volatile long tasksProcessed;

    /** Tasks given to this worker, in the order it runs them; the head is running or next. */
    final ArrayDeque<Submission> inflight = new ArrayDeque<>();
    /** Tasks given to this worker and not yet written to its channel, in order (thread-safe). */
    final ConcurrentLinkedQueue<Submission> outbox = new ConcurrentLinkedQueue<>();
    /** Held while writing to the channel, so frames leave in the order tasks were given. */
    final Object sendLock = new Object();

    /** The id of the last task that ended on this worker, for output read after its result. */
    volatile String lastEndedTaskId;
    /** Recently given tasks by wire number, to name the task in output markers (thread-safe). */
    private final Map<Long, String> recentTaskIds = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
                    return size() > 256;
                }
            });

    /** Replace the worker once its in-flight tasks are done (memory limit crossed, or enough tasks run). */
    boolean draining;
    /** Why it is draining (the first reason counts), or null. */
    EngineListener.WorkerEnd drainCause;
    /** A RECLAIM went to the worker for the task it runs now (reset when it starts another). */
    boolean reclaimSent;
    /** Moving average of its tasks' run times; 0 until one has finished. */
    long averageRunNanos;
    long idleSinceNanos;
    boolean idleCheckScheduled;
    /** Whether the pool meant to stop it (retire, shutdown, timeout, cancel), as opposed to a crash. */
    boolean stopIntended;
    /** Why the pool stopped it, first reason first; null while it has not (see {@link EngineListener.WorkerEnd}). */
    EngineListener.WorkerEnd endCause;
    /** When its launch began (the transport was asked), or 0. */
    long launchStartedNanos;
    /** Its resident memory as last read (at a heartbeat, when the pool has a memory budget or limit), or 0. */
    volatile long residentBytes;
    /** Whether {@link #residentBytes} was read at a heartbeat (not only right after its launch, when it is small). */
    volatile boolean residentMeasured;
    /** Its exit code once its process has exited, else -1. */
    int exitCode = -1;
    /** The worker's side of the protocol, as its frames show it. */
    final WorkerProtocol protocol = new WorkerProtocol();
    /** The task whose answer's body is being read (admitted, not yet whole), or null; cleared when it is detached. */
    Submission answering;
    /** The reader is skipping the body of an answer (too large, or late) until the worker's next frame. */
    volatile boolean skippingAnswer;

    /** Since when the reader has waited for the result memory budget, or 0. */
    volatile long budgetWaitSinceNanos;
    /** When the last such wait ended, or 0: silence is counted from then at the earliest. */
    volatile long budgetWaitEndedNanos;
    /**
     * Its threads' run-queue waits when the watch last found it silent past {@code unresponsiveTimeout} and gave
     * it a grace, or null; and when that was. The watch's own (it runs on the scheduler's timer thread).
     */
    RunQueueWaits starvedWaits;
    long starvedCheckNanos;
    /** The budget reserved for the answer being read; the reader thread's, until it hands it on. */
    volatile ResultMemoryBudget.Reservation inTransit;

    WorkerHandle(int number, PoolEngine engine) {
        this.number = number;
        this.engine = engine;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public WorkerState state() {
        return state;
    }

    @Override
    public Optional<String> currentTaskId() {
        Submission s = current;
        return s == null ? Optional.empty() : Optional.of(s.taskId);
    }

    @Override
    public long tasksProcessed() {
        return tasksProcessed;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public OptionalLong residentMemoryBytes() {
        WorkerChannel ch = channel;
        return ch == null || state == WorkerState.DEAD ? OptionalLong.empty() : ch.residentBytes();
    }

    /** Counts towards the pool's size for the purpose of starting more (not stopping, not dead). */
    boolean isActive() {
        WorkerState s = state;
        return s == WorkerState.STARTING || s == WorkerState.IDLE || s == WorkerState.WORKING;
    }

    // ---- events from the transport -----------------------------------------------------------------

    @Override
    public void taskStarted(long sequence) {
        skippingAnswer = false;
        try (LogContext c = logContext()) {
            engine.traffic.onTaskStarted(this, sequence);
        }
    }

    @Override
    public void taskProgress(long sequence) {
        skippingAnswer = false;
        engine.traffic.onTaskProgress(this, sequence, null);
    }

    @Override
    public void taskProgress(long sequence, TaskProgress.Report report) {
        skippingAnswer = false;
        engine.traffic.onTaskProgress(this, sequence, report);
    }

    @Override
    public void heartbeat() {
        skippingAnswer = false;
        engine.watchdog.onHeartbeat(this);
    }

    @Override
    public void tasksGivenBack(long[] sequences) {
        skippingAnswer = false;
        try (LogContext c = logContext()) {
            engine.traffic.onTasksGivenBack(this, sequences);
        }
    }

    @Override
    public boolean answerArriving(byte type, long sequence, int valueBytes)
            throws ProtocolException, InterruptedException {
        skippingAnswer = false;
        boolean read;
        try (LogContext c = logContext()) {
            read = engine.answers.arriving(this, type, sequence, valueBytes);
        }
        skippingAnswer = !read;
        return read;
    }

    @Override
    public void answer(Frame frame) {
        try (LogContext c = logContext()) {
            engine.answers.arrived(this, frame);
        }
    }

    @Override
    public void channelBroken(String reason) {
        try (LogContext c = logContext()) {
            engine.stopper.onChannelBroken(this, reason);
        }
    }

    /** A line of the worker's output: to the configured listener, else to the log. */
    @Override
    public void output(WorkerOutputListener.Stream stream, String line, long sequence) {
        String taskId = outputTaskId(sequence);
        WorkerOutputListener listener = engine.config.getOutputListener();
        try (LogContext c = LogContext.enter(engine.name, pid, taskId)) {
            if (listener != null) {
                listener.onLine(pid, taskId, stream, line);
            } else if (stream == WorkerOutputListener.Stream.STDOUT) {
                OUTPUT_LOG.info("[worker {} task {}] {}", pid, taskId == null ? "-" : taskId, line);
            } else {
                OUTPUT_LOG.warn("[worker {} task {} stderr] {}", pid, taskId == null ? "-" : taskId, line);
            }
        }
    }

    @Override
    public void exited(int exitCode, List<String> stderrTail) {
        try (LogContext c = logContext()) {
            engine.onExited(this, exitCode, stderrTail);
        }
    }

    /**
     * The log context of this worker's business: the pool, its pid and the task it runs, if any (see
     * {@link LogContext}).
     */
    LogContext logContext() {
        Submission s = current;
        return LogContext.enter(engine.name, pid, s == null ? null : s.taskId);
    }

    /** The log context of this worker's business for one of its tasks. */
    LogContext logContext(Submission s) {
        return LogContext.enter(engine.name, pid, s == null ? null : s.taskId);
    }

    /**
     * The outcome of a task that this worker held when it died: with the crash report and heap dump its JVM
     * left, which the transport has found by the time it reports the exit.
     */
    WorkerDiedException died(String taskId, int exitCode, List<String> why) {
        WorkerChannel c = channel;
        CrashReport r = c == null ? null : c.crashReport().orElse(null);
        return r == null ? new WorkerDiedException(taskId, pid, exitCode, why)
                : new WorkerDiedException(taskId, pid, exitCode, why, r.errorFile(), r.errorFileHead(), r.heapDump());
    }

    // ---- the tasks it holds ----------------------------------------------------------------------------

    /** The task ends on this worker, or leaves it: it is no longer its running one, and its timers are off. */
    void detach(Submission s) {
        current = null;
        s.worker = null;
        if (answering == s) {
            answering = null; // its answer, still coming in, is late: its outcome was decided meanwhile
        }
        if (s.deadline != null) {
            s.deadline.cancel();
            s.deadline = null;
        }
        if (s.progressCheck != null) {
            s.progressCheck.cancel();
            s.progressCheck = null;
        }
    }

    /** The worker is to be replaced once the tasks it holds are done; the first reason counts. */
    void drain(EngineListener.WorkerEnd why) {
        draining = true;
        if (drainCause == null) {
            drainCause = why;
        }
    }

    /** Notes a task given to this worker, so output markers can name it. */
    void given(Submission s) {
        recentTaskIds.put(s.wire, s.taskId);
    }

    /** The task this worker holds or runs with this wire number, or null. Under the engine's lock. */
    Submission find(long wire) {
        Submission c = current;
        if (c != null && c.wire == wire) {
            return c;
        }
        for (Submission s : inflight) {
            if (s.wire == wire) {
                return s;
            }
        }
        return null;
    }

    /**
     * The task a line belongs to: the one its output markers name, else the running one, else the last one
     * that ended (raw writes to the file descriptors carry no markers).
     */
    String outputTaskId(long sequence) {
        if (sequence >= 0) {
            String id = recentTaskIds.get(sequence);
            if (id != null) {
                return id;
            }
        }
        Submission s = current;
        return s != null ? s.taskId : lastEndedTaskId;
    }

    @Override
    public String toString() {
        return "worker " + number + (pid > 0 ? " (pid " + pid + ")" : "") + " " + state;
    }
}
