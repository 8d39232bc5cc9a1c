package dev.processpool.internal;

import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.protocol.RemoteFailure;
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
    volatile Submission current;
    volatile long tasksProcessed;

    // guarded by the scheduler's lock
    long idleSinceNanos;
    boolean idleCheckScheduled;
    /** Whether the pool meant to stop it (retire, shutdown, timeout, cancel), as opposed to a crash. */
    boolean stopIntended;

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
        engine.onTaskStarted(this, sequence);
    }

    @Override
    public void taskProgress(long sequence) {
        engine.onTaskProgress(this, sequence);
    }

    @Override
    public void heartbeat() {
        engine.onHeartbeat(this);
    }

    @Override
    public void taskSucceeded(long sequence, byte[] resultBytes, int offset) {
        engine.onTaskSucceeded(this, sequence, resultBytes, offset);
    }

    @Override
    public void taskFailed(long sequence, RemoteFailure failure) {
        engine.onTaskFailed(this, sequence, failure);
    }

    @Override
    public void channelBroken(String reason) {
        engine.onChannelBroken(this, reason);
    }

    @Override
    public void output(WorkerOutputListener.Stream stream, String line) {
        engine.onOutput(this, stream, line);
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
