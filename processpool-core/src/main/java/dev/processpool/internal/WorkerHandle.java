package dev.processpool.internal;

import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerEvents;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The parent-side handle of one worker: its state machine (see {@link WorkerState}) and the task it runs.
 * State changes happen under the scheduler's lock; the volatile fields may be read without it. Events from
 * the transport are passed straight to the scheduler.
 */
final class WorkerHandle implements WorkingProcess, WorkerEvents {

    final int number;
    private final PoolEngine engine;
    private final Instant startedAt = Instant.now();
    volatile WorkerState state = WorkerState.STARTING;
    volatile WorkerChannel channel;
    volatile long pid = -1;
    /** The task whose start the worker reported and whose outcome is not known yet. */
    volatile Submission current;
    volatile long tasksProcessed;

    /** Tasks given to this worker, in the order it runs them; the head is running or next. Scheduler lock. */
    final java.util.ArrayDeque<Submission> inflight = new java.util.ArrayDeque<>();
    /** Tasks given to this worker and not yet written to its channel, in order. */
    final java.util.concurrent.ConcurrentLinkedQueue<Submission> outbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Held while writing to the channel, so frames leave in the order tasks were given. */
    final Object sendLock = new Object();

    /** The id of the last task that ended on this worker, for output read after its result. */
    volatile String lastEndedTaskId;
    /** Recently given tasks by sequence number, to name the task in output markers. */
    private final java.util.Map<Long, String> recentTaskIds = java.util.Collections.synchronizedMap(
            new java.util.LinkedHashMap<>(64, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(java.util.Map.Entry<Long, String> eldest) {
                    return size() > 256;
                }
            });

    // guarded by the scheduler's lock
    /** Replace the worker once its in-flight tasks are done (memory limit crossed). */
    boolean draining;
    /** A RECLAIM went to the worker for the task it runs now (reset when it starts another). */
    boolean reclaimSent;
    /** Moving average of its tasks' run times; 0 until one has finished. */
    long averageRunNanos;
    long idleSinceNanos;
    boolean idleCheckScheduled;
    /** Whether the pool meant to stop it (retire, shutdown, timeout, cancel), as opposed to a crash. */
    boolean stopIntended;
    /** The worker's side of the protocol, as its frames show it. */
    final WorkerProtocol protocol = new WorkerProtocol();
    /** The task whose answer's body is being read (admitted, not yet whole), or null. */
    Submission answering;
    /** The reader is skipping the body of an answer (too large, or late) until the worker's next frame. */
    volatile boolean skippingAnswer;

    /** Since when the reader has waited for the result memory budget (System.nanoTime), or 0. */
    volatile long budgetWaitSinceNanos;
    /** When the last such wait ended, or 0: silence is counted from then at the earliest. */
    volatile long budgetWaitEndedNanos;
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

    /** Counts towards the pool's size for the purpose of starting more (not stopping, not dead). */
    boolean isActive() {
        WorkerState s = state;
        return s == WorkerState.STARTING || s == WorkerState.IDLE || s == WorkerState.WORKING;
    }

    // ---- events from the transport -----------------------------------------------------------------

    @Override
    public void taskStarted(long sequence) {
        skippingAnswer = false;
        engine.onTaskStarted(this, sequence);
    }

    @Override
    public void taskProgress(long sequence) {
        skippingAnswer = false;
        engine.onTaskProgress(this, sequence);
    }

    @Override
    public void heartbeat() {
        skippingAnswer = false;
        engine.onHeartbeat(this);
    }

    @Override
    public void tasksGivenBack(long[] sequences) {
        skippingAnswer = false;
        engine.onTasksGivenBack(this, sequences);
    }

    @Override
    public boolean answerArriving(byte type, long sequence, int valueBytes)
            throws ProtocolException, InterruptedException {
        skippingAnswer = false;
        boolean read = engine.answerArriving(this, type, sequence, valueBytes);
        skippingAnswer = !read;
        return read;
    }

    @Override
    public void answer(Frame frame) {
        engine.onAnswer(this, frame);
    }

    @Override
    public void channelBroken(String reason) {
        engine.onChannelBroken(this, reason);
    }

    /** Notes a task given to this worker, so output markers can name it. */
    void given(Submission s) {
        recentTaskIds.put(s.wire, s.taskId);
    }

    /** The task this worker holds or runs with this wire number, or null. Under the scheduler's lock. */
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
    public void output(WorkerOutputListener.Stream stream, String line, long sequence) {
        engine.onOutput(this, stream, line, outputTaskId(sequence));
    }

    @Override
    public void exited(int exitCode, List<String> stderrTail) {
        engine.onExited(this, exitCode, stderrTail);
    }

    @Override
    public String toString() {
        return "worker " + number + (pid > 0 ? " (pid " + pid + ")" : "") + " " + state;
    }
}
