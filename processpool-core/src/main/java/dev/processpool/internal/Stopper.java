package dev.processpool.internal;

import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerState;
import dev.processpool.internal.EngineListener.Timeout;
import dev.processpool.internal.EngineListener.WorkerEnd;
import dev.processpool.transport.WorkerChannel;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * Ends workers, as the engine has decided (or the {@link Watchdog} has asked): a worker taken out of service
 * with the outcome of the task it runs (its timeout fired, it went silent, it broke the protocol), kills on
 * reaper threads (a kill forks {@code kill}, which the timer and the readers must not wait for), polite stops
 * followed by a kill when the worker is still alive after the grace, and the pool's stop of every worker.
 * Waits of callers here are in real time ({@link System#nanoTime()}), whatever the engine's clock.
 */
final class Stopper {

    private final PoolEngine engine;

    Stopper(PoolEngine engine) {
        this.engine = engine;
    }

    /**
     * Ends a running task with {@code outcome} and kills its worker (deadline, progress timeout, silence,
     * memory). False if the task was no longer running on that worker. Tasks the worker held but had not
     * started are dealt with when it has exited and every frame it sent has been read.
     *
     * @param fired the timer that fired, or null
     */
    boolean killRunning(WorkerHandle w, Submission s, TaskException outcome, WorkerEnd cause, Timeout fired) {
        Actions a;
        engine.lock.lock();
        try {
            if (w.current != s) {
                return false;
            }
            if (engine.events.on() && fired != null) {
                engine.events.emit(l -> l.timeoutFired(fired, s.taskId, w.pid));
            }
            w.inflight.remove(s);
            w.detach(s);
            engine.stopLocked(w, cause);
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        engine.finish(s, null, outcome); // the outcome first: the kill may take a while, on a reaper thread
        kill(w);
        engine.act(a);
        return true;
    }

    /**
     * Takes a worker out of service and kills it, with no outcome of its own for the task it runs: one that
     * raced in ends as killed by the pool.
     *
     * @param fired the timer that fired, or null
     */
    void stopAndKill(WorkerHandle w, WorkerEnd cause, Timeout fired) {
        Submission s;
        Actions a;
        engine.lock.lock();
        try {
            s = w.current;
            if (engine.events.on() && fired != null) {
                String taskId = s == null ? null : s.taskId;
                engine.events.emit(l -> l.timeoutFired(fired, taskId, w.pid));
            }
            a = takeOutOfServiceLocked(w, cause);
        } finally {
            engine.lock.unlock();
        }
        if (s != null) {
            // Raced with a task that had just been given to it: the task never produced anything.
            engine.finish(s, null, new WorkerDiedException(s.taskId, w.pid, -1, List.of("killed by the pool")));
        }
        kill(w);
        engine.act(a);
    }

    /**
     * Takes a worker out of service: it gets no more tasks, the task it runs (if any) is detached for the
     * caller to end, and replacements are planned. The tasks it holds unstarted are dealt with at its exit.
     */
    private Actions takeOutOfServiceLocked(WorkerHandle w, WorkerEnd cause) {
        Submission s = w.current;
        if (s != null) {
            w.inflight.remove(s);
            w.detach(s);
        }
        engine.stopLocked(w, cause);
        return engine.planLocked();
    }

    /**
     * The worker broke the protocol (found by the pool from a frame's place in it): it is killed, its running
     * task fails with a ResultTransferException, the tasks it holds go back to the queue when it has exited.
     */
    void violation(WorkerHandle w, String reason) {
        onChannelBroken(w, reason);
        kill(w);
    }

    void onChannelBroken(WorkerHandle w, String reason) {
        Submission s;
        Actions a;
        engine.lock.lock();
        try {
            s = w.current;
            a = takeOutOfServiceLocked(w, WorkerEnd.PROTOCOL_VIOLATION);
        } finally {
            engine.lock.unlock();
        }
        LOG.warn("{}: {} broke the protocol: {}", engine.name, w, reason);
        if (s != null) {
            engine.finish(s, null, new ResultTransferException(s.taskId, w.pid, "worker " + w.pid
                    + " broke the protocol and was killed: " + reason, null));
        }
        engine.act(a);
    }

    /** Kills a worker's process tree, on a reaper thread: the caller (a timer, a reader) never waits for it. */
    void kill(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        if (ch != null) {
            engine.clock.offload(ch::kill);
        }
    }

    /** Sends a stop request; kills the worker if it is still alive after the termination grace. */
    void politelyStop(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        if (ch == null) {
            return; // still starting: the launcher sends the request when the handshake completes
        }
        ch.requestShutdown();
        engine.schedule(() -> {
            if (ch.isAlive()) {
                try (LogContext c = w.logContext()) {
                    LOG.debug("{}: {} ignored the stop request; killing it", engine.name, w);
                }
                engine.clock.offload(ch::kill);
            }
        }, Math.max(engine.config.getTerminationGrace().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(Tuning.MIN_POLITE_STOP_MILLIS)));
    }

    /**
     * Stops every worker: idle ones politely, booting ones at once (their launch ended), busy ones (their
     * tasks cancelled with {@code reason}) with SIGTERM, and whatever is left after the termination grace
     * with SIGKILL. Cancels waiting tasks too when {@code cancelPending}. Returns when every worker process
     * has exited.
     *
     * @return the number of tasks cancelled
     */
    int stopWorkers(String reason, boolean cancelPending) throws InterruptedException {
        List<Submission> cancelled = new ArrayList<>();
        List<Long> cancelledPids = new ArrayList<>();
        List<WorkerHandle> polite = new ArrayList<>();
        List<WorkerHandle> booting = new ArrayList<>();
        List<WorkerHandle> forced = new ArrayList<>();
        engine.lock.lock();
        try {
            if (cancelPending) {
                engine.retriesOver = true; // what fails from now on is not queued again behind the takeAll
                for (Submission s : engine.pending.takeAll()) {
                    cancelled.add(s);
                    cancelledPids.add(-1L);
                }
            }
            for (WorkerHandle w : engine.workers.snapshot()) {
                Submission s = w.current;
                if (s != null) {
                    w.detach(s);
                }
                if (!w.inflight.isEmpty()) {
                    for (Submission held; (held = w.inflight.pollFirst()) != null; ) {
                        held.worker = null;
                        cancelled.add(held);
                        cancelledPids.add(w.pid);
                    }
                    w.outbox.clear();
                    engine.stopLocked(w, WorkerEnd.SHUTDOWN);
                    forced.add(w);
                } else if (w.state != WorkerState.STOPPING && w.state != WorkerState.DEAD) {
                    boolean starting = w.state == WorkerState.STARTING;
                    engine.moveLocked(w, WorkerState.STOPPING, WorkerEnd.SHUTDOWN);
                    if (starting) {
                        booting.add(w); // it has no task: its boot is cut short, not waited for
                    } else {
                        polite.add(w);
                    }
                } else if (w.state == WorkerState.STOPPING && w.channel != null) {
                    polite.add(w);
                }
            }
            engine.changed.signalAll();
        } finally {
            engine.lock.unlock();
        }
        for (int i = 0; i < cancelled.size(); i++) {
            Submission s = cancelled.get(i);
            engine.finish(s, null, new TaskCancelledException(s.taskId, cancelledPids.get(i), reason));
        }
        if (cancelPending) {
            // answers still being decoded: their tasks ended in their workers, but the pool is going
            engine.answers.decoder.cancelAll(s -> new TaskCancelledException(s.taskId, s.workerPid, reason));
        }
        for (WorkerHandle w : polite) {
            w.channel.requestShutdown();
        }
        for (WorkerHandle w : booting) {
            engine.transport.abortLaunch(w.number);
        }
        for (WorkerHandle w : forced) {
            if (w.channel != null) {
                w.channel.terminate();
            }
        }
        long graceDeadline = System.nanoTime() + Math.max(engine.config.getTerminationGrace().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(Tuning.MIN_STOP_GRACE_MILLIS));
        if (!awaitNoWorkers(graceDeadline)) {
            killAllNow(false);
            awaitNoWorkers(System.nanoTime() + engine.config.getWorkerStartTimeout().toNanos()
                    + TimeUnit.SECONDS.toNanos(5));
        }
        return cancelled.size();
    }

    private boolean awaitNoWorkers(long deadlineNanos) throws InterruptedException {
        return engine.workers.await(engine.workers::isEmpty, deadlineNanos, false);
    }

    /**
     * Kills every worker at once, without waiting, launches under way included (they have no channel yet);
     * then, when {@code close}, releases the transport.
     */
    void killAllNow(boolean close) {
        List<WorkerHandle> all;
        engine.lock.lock();
        try {
            all = engine.workers.snapshot();
        } finally {
            engine.lock.unlock();
        }
        for (WorkerHandle w : all) {
            WorkerChannel ch = w.channel;
            if (ch != null) {
                ch.kill();
            }
        }
        if (close) {
            engine.transport.close();
        } else {
            engine.transport.killAll();
        }
    }
}
