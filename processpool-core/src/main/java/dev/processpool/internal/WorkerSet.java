package dev.processpool.internal;

import dev.processpool.WorkerState;
import dev.processpool.internal.EngineListener.WorkerEnd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The engine's workers, from the decision to start each to its exit, with the idle ones apart (most recently
 * idle first: work goes to warm workers, the others may idle out), and {@link #move}, the one place where a
 * worker's state changes. Guarded by the engine's lock.
 */
final class WorkerSet implements Iterable<WorkerHandle> {

    private final PoolEngine engine;
    private final List<WorkerHandle> all = new ArrayList<>();
    private final ArrayDeque<WorkerHandle> idle = new ArrayDeque<>();
    private int numbers;

    WorkerSet(PoolEngine engine) {
        this.engine = engine;
    }

    /** A new worker, STARTING: the pool has decided to launch it. */
    WorkerHandle add() {
        WorkerHandle w = new WorkerHandle(++numbers, engine);
        all.add(w);
        if (engine.events.on) {
            engine.events.emit(l -> l.workerLaunching(w.number));
        }
        return w;
    }

    /**
     * Changes a worker's state. STARTING, then IDLE and WORKING in turn, then STOPPING, then DEAD: a stopping
     * worker never takes tasks again and a dead one never changes (such moves are ignored). Keeps the idle
     * workers apart, arms an idle worker's retirement check, notes why the pool stops a worker (the first
     * reason counts), drops a dead worker and reports its end, and wakes whoever waits for workers.
     *
     * @param cause why a worker stops or is gone; null otherwise
     */
    void move(WorkerHandle w, WorkerState to, WorkerEnd cause) {
        WorkerState from = w.state;
        if (from == WorkerState.DEAD || from == to
                || from == WorkerState.STOPPING && (to == WorkerState.IDLE || to == WorkerState.WORKING)) {
            return;
        }
        if (from == WorkerState.IDLE) {
            idle.remove(w);
        }
        if (cause != null && w.endCause == null && cause.byPool()) {
            w.endCause = cause;
        }
        w.state = to;
        switch (to) {
            case IDLE -> {
                w.idleSinceNanos = engine.clock.nanoTime();
                idle.addFirst(w);
                engine.watchdog.armIdleCheckLocked(w);
            }
            case STOPPING -> w.stopIntended = true;
            case DEAD -> {
                all.remove(w);
                if (engine.events.on) {
                    EngineListener.WorkerEnd why = w.endCause != null ? w.endCause : cause;
                    engine.events.emit(l -> l.workerEnded(w.number, w.pid, why, w.exitCode));
                }
            }
            default -> { }
        }
        engine.changed.signalAll();
    }

    /** {@return the most recently idle worker, or null} */
    WorkerHandle firstIdle() {
        return idle.peekFirst();
    }

    int idleCount() {
        return idle.size();
    }

    /** {@return workers starting, alive or stopping} */
    int size() {
        return all.size();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    WorkerHandle get(int i) {
        return all.get(i);
    }

    /** {@return workers that count towards the pool's size for starting more: not stopping, not dead} */
    int active() {
        int n = 0;
        for (WorkerHandle w : all) {
            if (w.isActive()) {
                n++;
            }
        }
        return n;
    }

    int count(WorkerState wanted) {
        int n = 0;
        for (WorkerHandle w : all) {
            if (w.state == wanted) {
                n++;
            }
        }
        return n;
    }

    /** {@return tasks that workers hold behind the one they run or are about to run} */
    int held() {
        int n = 0;
        for (WorkerHandle w : all) {
            n += Math.max(0, w.inflight.size() - 1);
        }
        return n;
    }

    /** {@return a copy, to act on outside the lock} */
    List<WorkerHandle> snapshot() {
        return new ArrayList<>(all);
    }

    /**
     * Waits, in real time ({@link System#nanoTime()}, whatever the engine's clock), until {@code done} holds
     * under the engine's lock, which it releases while it waits.
     *
     * @return false if the deadline passed first (or the pool was terminated, if {@code orTerminated})
     */
    boolean await(BooleanSupplier done, long deadlineNanos, boolean orTerminated) throws InterruptedException {
        engine.lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0 || orTerminated && engine.state == PoolEngine.RunState.TERMINATED) {
                    return false;
                }
                engine.changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            engine.lock.unlock();
        }
    }

    @Override
    public Iterator<WorkerHandle> iterator() {
        return all.iterator();
    }
}
