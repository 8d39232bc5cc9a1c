package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.internal.EngineListener.Outcome;
import dev.processpool.protocol.TaskPayload;

import java.util.ArrayList;
import java.util.List;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * Whether a task whose attempt failed runs again: cut into one task per item when its worker ended under it
 * and it has a {@link Splitter}, or queued again while retries are left (see {@link Submission#retries}), or
 * neither, and its failure is its outcome (marked quarantined after its last retry). It decides under the
 * engine's lock and asks the engine to act outside it ({@link PoolEngine#planLocked}, {@link PoolEngine#act}).
 * Also the end of a split task (cancelling it cancels its items), and the tasks a dead worker held but had
 * not started: queued again, or ended with its death when their workers keep dying before starting them.
 */
final class Attempts {

    private final PoolEngine engine;

    Attempts(PoolEngine engine) {
        this.engine = engine;
    }

    /**
     * Whether a task's failure is not its outcome: it was split into its items, or queued again for another
     * attempt (see {@link PoolEngine#finish}).
     */
    boolean runAgain(Submission s, TaskException failure) {
        return s.splitter != null && Submission.isWorkerFailure(failure) && split(s, failure)
                || s.retriedFor(failure) && retry(s, failure);
    }

    /** A task ends with {@code failure}: it is quarantined when retries were allowed for it and all are spent. */
    void failed(Submission s, TaskException failure) {
        if (s.attempt > 1) {
            s.quarantined = s.retriedFor(failure) && !s.attemptsLeft();
        }
    }

    /**
     * Cancels a task that is waiting or running; false if it already has an outcome (see
     * {@link TaskTraffic#cancel}).
     */
    boolean cancel(Submission s, String reason) {
        Split split;
        engine.lock.lock();
        try {
            split = s.split;
        } finally {
            engine.lock.unlock();
        }
        if (split == null) {
            return engine.traffic.cancel(s, reason);
        }
        // split into items: it ends now, and its items that have not ended are cancelled
        boolean done = engine.finish(s, null, new TaskCancelledException(s.taskId, -1, reason));
        for (Submission item : split.items) {
            engine.traffic.cancel(item, reason);
        }
        return done;
    }

    /**
     * Under the engine's lock: the tasks a dead worker held but never started go back to the head of the
     * queue, in order (they did not run, so they run elsewhere), except one whose workers died before starting
     * it more than {@value Tuning#MAX_HAND_BACKS} times: it is added to {@code given}, to end with their death
     * ({@link #handedBack}), as it may be what kills them.
     *
     * @return how many tasks were queued again
     */
    int handBackLocked(WorkerHandle w, List<Submission> given) {
        int requeued = 0;
        for (Submission held; (held = w.inflight.pollLast()) != null; ) {
            held.worker = null;
            if (held.isFinished()) {
                continue;
            }
            // Only deaths the pool did not cause count: a worker killed for another task's timeout, a
            // cancellation or silence says nothing about the tasks it held.
            if (!w.stopIntended && ++held.handBacks > Tuning.MAX_HAND_BACKS) {
                given.add(held);
            } else {
                engine.pending.addFirst(held);
                requeued++;
            }
        }
        return requeued;
    }

    /** Outside the lock, after {@link #handBackLocked}: says what was queued again and ends what was given up. */
    void handedBack(WorkerHandle w, int requeued, List<Submission> given, int exitCode, List<String> stderrTail) {
        if (requeued > 0) {
            LOG.info("{}: {} task(s) that worker {} held but had not started were queued again", engine.name,
                    requeued, w.number);
        }
        for (Submission held : given) {
            List<String> why = new ArrayList<>(stderrTail);
            why.add("(given to " + held.handBacks + " workers in turn, each of which died before starting it)");
            engine.finish(held, null, w.died(held.taskId, exitCode, why));
        }
    }

    /**
     * Cuts a task whose worker ended under it into one task per item (see {@link Splitter}), queued at the
     * head of the queue in its place, in order; false when it is not split (one item, or the pool is past
     * running it), and its failure goes on as it would have.
     */
    private boolean split(Submission s, TaskException failure) {
        List<TaskPayload> items;
        try {
            items = s.splitter.items();
        } catch (Throwable e) {
            LOG.warn("{}: {} could not be split into its items: {}", engine.name, s, e.toString());
            return false;
        }
        if (items.size() < 2) {
            return false;
        }
        Actions a;
        engine.lock.lock();
        try {
            if (!mayRunAgainLocked(s)) {
                return false;
            }
            Split split = new Split(s, items.size());
            for (int i = 0; i < items.size(); i++) {
                split.items[i] = new Submission(split, i, items.get(i));
            }
            for (int i = items.size() - 1; i >= 0; i--) {
                engine.pending.addFirst(split.items[i]);
            }
            s.split = split;
            if (engine.events.on()) {
                engine.events.emit(l -> l.taskSplit(s.taskId, items.size(), Outcome.of(failure)));
            }
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        LOG.info("{}: {} failed ({}); its {} items run one by one", engine.name, s, failure.getMessage(),
                items.size());
        engine.act(a);
        return true;
    }

    /** Whether a task whose attempt failed can still run again: nobody ended it, and the pool can run it. */
    private boolean mayRunAgainLocked(Submission s) {
        return !s.isFinished() && !engine.retriesOver && engine.state != PoolEngine.RunState.TERMINATED
                && !(engine.launcher.givenUpLocked() && engine.workers.active() == 0);
    }

    /**
     * Queues a task whose attempt failed again, at the head of the queue, when another attempt is left and the
     * pool can still run it; false when its failure is its outcome. The caller has taken it off its worker.
     */
    private boolean retry(Submission s, TaskException failure) {
        Actions a;
        int attempt;
        engine.lock.lock();
        try {
            if (!s.attemptsLeft() || !mayRunAgainLocked(s)) {
                return false;
            }
            s.earlierFailures.add(failure);
            attempt = ++s.attempt;
            s.payload = s.payload.with(attempt, s.payload.softTimeoutNanos());
            s.startedNanos = 0;
            s.lastProgressNanos = 0;
            s.pausedNanos = 0;
            s.deadlineDue = false;
            engine.pending.addFirst(s);
            if (engine.events.on()) {
                engine.events.emit(l -> l.taskRetried(s.taskId, attempt, Outcome.of(failure)));
            }
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        LOG.info("{}: {} failed ({}); attempt {} queued", engine.name, s, failure.getMessage(), attempt);
        engine.act(a);
        return true;
    }
}
