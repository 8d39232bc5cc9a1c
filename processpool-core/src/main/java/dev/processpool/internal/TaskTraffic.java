package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import dev.processpool.WorkerState;
import dev.processpool.internal.EngineListener.WorkerEnd;
import dev.processpool.transport.WorkerChannel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * Tasks between the engine and its workers: writing the tasks given to a worker (in order, one flush for a
 * batch), withdrawing and reclaiming held tasks, and the worker's reports that it started a task, that the
 * task made progress, or that it gave tasks back. Each report is judged against the worker's
 * {@link WorkerProtocol} first; a violation kills the worker.
 */
final class TaskTraffic {

    private final PoolEngine engine;

    TaskTraffic(PoolEngine engine) {
        this.engine = engine;
    }

    // ========================================================================================= writing

    /**
     * Writes the tasks given to a worker, in order, flushing once at the end. Whoever holds the send lock
     * writes everything queued, so frames never overtake each other. A task whose frame could not be written
     * whole never reached the worker: it goes back to the head of the queue, and the worker is killed.
     */
    void sendOutbox(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        List<Submission> unsent = null;
        IOException failure = null;
        synchronized (w.sendLock) {
            Submission s;
            while ((s = w.outbox.poll()) != null) {
                try {
                    ch.sendTask(s.wire, s.payload, w.outbox.isEmpty());
                } catch (IOException e) {
                    failure = e;
                    unsent = new ArrayList<>();
                    unsent.add(s);
                    while ((s = w.outbox.poll()) != null) {
                        unsent.add(s);
                    }
                }
            }
        }
        if (failure == null) {
            return;
        }
        Actions a;
        int requeued = 0;
        engine.lock.lock();
        try {
            for (int i = unsent.size() - 1; i >= 0; i--) {
                Submission s = unsent.get(i);
                if (w.inflight.remove(s)) {
                    s.worker = null;
                    engine.pending.addFirst(s);
                    requeued++;
                }
            }
            engine.stopLocked(w, WorkerEnd.UNREACHABLE);
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        LOG.warn("{}: could not send {} task(s) to {} ({}); queued again", engine.name, requeued, w, failure.toString());
        engine.stopper.kill(w);
        a.run();
    }

    /**
     * Cancels a task that is waiting or running; false if it already has an outcome. A waiting task leaves
     * the queue; one held by a worker but not started is taken back from it; a running one has its worker
     * killed.
     */
    boolean cancel(Submission s, String reason) {
        Actions a;
        WorkerHandle killed = null;
        WorkerHandle holder = null;
        engine.lock.lock();
        try {
            if (s.isFinished()) {
                return false;
            }
            WorkerHandle w = engine.pending.remove(s) ? null : s.worker; // out of the queue, or from its worker
            if (w != null && w.current == s) {
                killed = w;
                w.inflight.remove(s);
                w.detach(s);
                engine.stopLocked(w, WorkerEnd.CANCELLED);
            } else if (w != null && w.inflight.remove(s)) {
                holder = w;
                w.protocol.withdrew(s.wire);
                s.worker = null;
                engine.pending.slotsFreed();
                if (w.inflight.isEmpty() && w.state == WorkerState.WORKING) {
                    engine.moveLocked(w, WorkerState.IDLE, null);
                }
            }
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        long pid = killed != null ? killed.pid : holder != null ? holder.pid : -1;
        boolean done = engine.finish(s, null, new TaskCancelledException(s.taskId, pid, reason));
        if (killed != null) {
            engine.stopper.kill(killed);
        }
        if (holder != null) {
            takeBack(holder, s);
        }
        a.run();
        return done;
    }

    /** Withdraws a task given to a worker that has not started it: from the outbox, or with a CANCEL frame. */
    private void takeBack(WorkerHandle w, Submission s) {
        engine.clock.offload(() -> { // the send lock may be held by a long write
            synchronized (w.sendLock) {
                // Under the send lock the task is either still unsent (drop it) or entirely written (cancel it).
                if (!w.outbox.remove(s) && w.channel != null) {
                    w.channel.cancelTask(s.wire);
                }
            }
        });
    }

    /** Asks a worker to give back the tasks it holds unstarted, after any task still being written to it. */
    void reclaim(WorkerHandle w) {
        engine.clock.offload(() -> {
            synchronized (w.sendLock) {
                w.channel.reclaimUnstarted();
            }
        });
    }

    // ======================================================================================== reports

    /**
     * The worker reports it starts a task. It must be the next one it holds (skipping those withdrawn), and it
     * must have answered the one before. A worker the pool has decided to kill (a timeout, a cancellation)
     * does not get it as its running task: the kill was meant for the task before, and the task goes back to
     * the queue when the worker has exited, whatever the order in which its start and the kill arrive.
     */
    void onTaskStarted(WorkerHandle w, long wire) {
        String violation;
        boolean runsWithdrawn = false;
        engine.lock.lock();
        try {
            violation = w.protocol.started(wire);
            if (violation == null) {
                Submission s = w.find(wire);
                if (s == null) {
                    runsWithdrawn = w.state == WorkerState.WORKING || w.state == WorkerState.IDLE;
                } else if (w.current == null && (w.state == WorkerState.WORKING || w.state == WorkerState.IDLE)) {
                    startLocked(w, s);
                }
            }
        } finally {
            engine.lock.unlock();
        }
        if (violation != null) {
            engine.stopper.violation(w, violation);
        } else if (runsWithdrawn) {
            // It started a task the pool withdrew (a cancellation that crossed its start): it must not run on.
            LOG.debug("{}: {} started #{}, which was cancelled meanwhile; killing it", engine.name, w,
                    WorkerProtocol.show(wire));
            engine.stopper.stopAndKill(w, WorkerEnd.CANCELLED, null);
        }
    }

    private void startLocked(WorkerHandle w, Submission s) {
        w.current = s;
        w.reclaimSent = false;
        s.startedNanos = engine.clock.nanoTime();
        engine.watchdog.armLocked(w, s);
        if (engine.events.on) {
            long waited = s.startedNanos - s.queuedNanos;
            engine.events.emit(l -> l.taskStarted(s.taskId, w.pid, waited));
        }
    }

    void onTaskProgress(WorkerHandle w, long wire) {
        Submission s = w.current;
        if (s != null && s.wire == wire) {
            s.lastProgressNanos = engine.clock.nanoTime();
        }
    }

    /**
     * A worker gave back tasks it had not started: they go back to the head of the queue, in their order,
     * and run on the next free worker.
     */
    void onTasksGivenBack(WorkerHandle w, long[] sequences) {
        Actions a;
        int back = 0;
        String violation;
        engine.lock.lock();
        try {
            violation = w.protocol.gaveBack(sequences);
            if (violation == null) {
                for (int i = sequences.length - 1; i >= 0; i--) {
                    for (Iterator<Submission> it = w.inflight.iterator(); it.hasNext(); ) {
                        Submission s = it.next();
                        if (s.wire == sequences[i] && s != w.current) {
                            it.remove();
                            s.worker = null;
                            if (!s.isFinished()) {
                                engine.pending.addFirst(s);
                                back++;
                            }
                            break;
                        }
                    }
                }
                if (w.inflight.isEmpty() && w.state == WorkerState.WORKING) {
                    engine.moveLocked(w, WorkerState.IDLE, null);
                }
            }
            a = violation == null ? engine.planLocked() : new Actions(engine);
        } finally {
            engine.lock.unlock();
        }
        if (violation != null) {
            engine.stopper.violation(w, violation);
            return;
        }
        if (back > 0) {
            LOG.debug("{}: worker {} gave back {} task(s) held behind a long one", engine.name, w.number, back);
        }
        a.run();
    }
}
