package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.ResourceLimitException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerState;
import dev.processpool.WorkerUnresponsiveException;
import dev.processpool.internal.EngineListener.Timeout;
import dev.processpool.internal.EngineListener.WorkerEnd;
import dev.processpool.transport.RunQueueWaits;
import dev.processpool.transport.WorkerChannel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * The engine's timers, each on the scheduler's timer thread: tasks' deadlines and progress timeouts, each
 * worker's watch (silence, and tasks held but not started), the hard and soft memory limits, idle retirement
 * and the reclaim sweep; and, after each task, whether its worker is due for replacement (recycling, the soft
 * memory limit). It only decides; the engine acts ({@link Stopper#killRunning},
 * {@link Stopper#stopAndKill}, {@link PoolEngine#retireLocked}).
 *
 * <p>Time a worker's answer waits for the result memory budget is the pool's doing: it is neither the
 * worker's silence nor its task's running time. Fields are guarded by the engine's lock.
 */
final class Watchdog {

    private static final long RECLAIM_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(Tuning.RECLAIM_AFTER_MILLIS);
    private static final long RECLAIM_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(Tuning.RECLAIM_SWEEP_MILLIS);

    private final PoolEngine engine;
    private final PoolConfig config;
    /** Whether {@link #reclaimSweep} is scheduled. */
    private boolean reclaimSweepArmed;

    Watchdog(PoolEngine engine) {
        this.engine = engine;
        this.config = engine.config;
    }

    private long now() {
        return engine.clock.nanoTime();
    }

    // ====================================================================================== task timers

    /** A task has started on its worker: arms its timeout and progress timeout. */
    void armLocked(WorkerHandle w, Submission s) {
        Duration timeout = s.timeout.get();
        if (!timeout.isZero()) {
            s.deadline = engine.schedule(() -> check(w, s, timeout, Timeout.TASK), timeout.toNanos());
        }
        Duration progress = s.progressTimeout.get();
        if (!progress.isZero()) {
            s.progressCheck = engine.schedule(() -> check(w, s, progress, Timeout.PROGRESS), progress.toNanos());
        }
    }

    /**
     * Fires when a task's deadline ({@link Timeout#TASK}: its run time, less the time its answer waited for the
     * result memory budget) or its progress timeout ({@link Timeout#PROGRESS}: the time since its last progress
     * report) may have passed; re-arms if it has not. Neither fires while the answer waits for the budget.
     */
    private void check(WorkerHandle w, Submission s, Duration limit, Timeout kind) {
        boolean deadline = kind == Timeout.TASK;
        try (LogContext c = w.logContext(s)) {
            engine.lock.lock();
            try {
                if (w.current != s) {
                    return;
                }
                if (s.pausedSinceNanos != 0) {
                    s.deadlineDue = true; // looked at again when the wait ends
                    return;
                }
                long counted = deadline ? now() - s.startedNanos - s.pausedNanos
                        : now() - Math.max(s.startedNanos, s.lastProgressNanos);
                long left = limit.toNanos() - counted;
                if (left > 0) {
                    Scheduler.Timer again = engine.schedule(() -> check(w, s, limit, kind), left);
                    if (deadline) {
                        s.deadline = again;
                    } else {
                        s.progressCheck = again;
                    }
                    return;
                }
            } finally {
                engine.lock.unlock();
            }
            TaskTimeoutException timedOut = deadline
                    ? new TaskTimeoutException(s.taskId, w.pid, limit, false, Duration.ofNanos(s.payload.softTimeoutNanos()))
                    : new TaskTimeoutException(s.taskId, w.pid, limit, true);
            engine.stopper.killRunning(w, s, timedOut, WorkerEnd.TIMEOUT, kind);
        }
    }

    /** A task's answer has waited for the budget: a deadline that fell due meanwhile is looked at again now. */
    void afterBudgetWait(WorkerHandle w, Submission s) {
        Duration timeout = s.timeout.get();
        Duration progress = s.progressTimeout.get();
        if (!timeout.isZero()) {
            engine.schedule(() -> check(w, s, timeout, Timeout.TASK), 0);
        }
        if (!progress.isZero()) {
            engine.schedule(() -> check(w, s, progress, Timeout.PROGRESS), progress.toNanos());
        }
    }

    // ==================================================================================== worker watch

    /**
     * How long a worker may hold tasks without starting the next one after it answered the last (or was given
     * it while free): {@code unresponsiveTimeout}, or its default when that is turned off. A worker that
     * answers a task and then does not start the next one is unresponsive however many heartbeats it sends
     * (task code may have answered early, with a forged frame, and run on): the tasks it holds would never
     * start, and no timeout of theirs would ever fire.
     */
    private long startBoundNanos() {
        Duration d = config.getUnresponsiveTimeout();
        return (d.isZero() ? Duration.ofSeconds(Tuning.DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS) : d).toNanos();
    }

    /** A worker has started: its watch begins. */
    void startWatching(WorkerHandle w) {
        engine.schedule(() -> watch(w), startBoundNanos());
    }

    /**
     * The per-worker watch, re-armed for when it may next be due. Kills a worker that has been silent for
     * {@code unresponsiveTimeout} (when heartbeats are on), or that holds tasks it should have started
     * (see {@link #startBoundNanos}).
     */
    private void watch(WorkerHandle w) {
        try (LogContext c = w.logContext()) {
            WorkerChannel ch = w.channel;
            if (ch == null || w.state == WorkerState.DEAD || w.state == WorkerState.STOPPING) {
                return;
            }
            long now = now();
            long next = startBoundNanos();
            boolean heartbeats = !config.getUnresponsiveTimeout().isZero() && !config.getHeartbeatInterval().isZero();
            if (heartbeats && w.budgetWaitSinceNanos == 0) {
                long left = silenceLeft(w, ch, now);
                if (left <= 0) {
                    long silent = now - Math.max(ch.lastActivityNanos(), w.budgetWaitEndedNanos);
                    Submission s = w.current;
                    LOG.warn("{}: {} sent nothing for {} ms; killing it", engine.name, w,
                            TimeUnit.NANOSECONDS.toMillis(silent));
                    if (s == null || !engine.stopper.killRunning(w, s, new WorkerUnresponsiveException(s.taskId, w.pid,
                            Duration.ofNanos(silent)), WorkerEnd.UNRESPONSIVE, Timeout.SILENCE)) {
                        engine.stopper.stopAndKill(w, WorkerEnd.UNRESPONSIVE, Timeout.SILENCE);
                    }
                    return;
                }
                next = Math.min(next, left);
            } else {
                w.starvedWaits = null;
            }
            long overdue;
            int holding;
            engine.lock.lock();
            try {
                overdue = w.budgetWaitSinceNanos != 0 || w.answering != null || w.skippingAnswer ? -1
                        : w.protocol.overdueNanos(now);
                holding = w.inflight.size();
            } finally {
                engine.lock.unlock();
            }
            if (overdue >= 0) {
                long left = startBoundNanos() - overdue;
                if (left <= 0) {
                    LOG.warn("{}: {} holds {} task(s) and started none of them for {} ms after it answered the one"
                            + " before; killing it as unresponsive (they run elsewhere)", engine.name, w, holding,
                            TimeUnit.NANOSECONDS.toMillis(overdue));
                    engine.stopper.stopAndKill(w, WorkerEnd.UNRESPONSIVE, Timeout.START);
                    return;
                }
                next = Math.min(next, left);
            }
            engine.schedule(() -> watch(w), Math.max(next, TimeUnit.MILLISECONDS.toNanos(Tuning.MIN_WATCH_MILLIS)));
        }
    }

    /**
     * How long until the worker's silence is looked at again; zero or less: it is unresponsive. Silent for
     * {@code unresponsiveTimeout}, it is not killed at once where its threads' run-queue waits can be read: it
     * is looked at again after a grace, and it is starved, not unresponsive, if its most-waiting thread waited
     * for a CPU at least half the grace (a stopped worker is not runnable: it does not wait). A starved worker
     * is looked at again after each grace, and killed all the same once silent
     * {@link Tuning#MAX_STARVED_SILENCE_FACTOR} times the timeout. Anything from it starts the silence anew.
     */
    private long silenceLeft(WorkerHandle w, WorkerChannel ch, long now) {
        long silent = now - Math.max(ch.lastActivityNanos(), w.budgetWaitEndedNanos);
        long timeout = config.getUnresponsiveTimeout().toNanos();
        if (silent < timeout) {
            w.starvedWaits = null;
            return timeout - silent;
        }
        long grace = Math.max(2 * config.getHeartbeatInterval().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(Tuning.MIN_STARVED_GRACE_MILLIS));
        RunQueueWaits before = w.starvedWaits;
        long since = now - w.starvedCheckNanos;
        long bound = timeout * Tuning.MAX_STARVED_SILENCE_FACTOR - silent;
        if (before != null && since < grace && bound > 0) {
            return Math.min(grace - since, bound); // looked at early, for the start bound
        }
        RunQueueWaits waits = bound <= 0 ? null : ch.runQueueWaits().orElse(null);
        if (waits == null) {
            return 0;
        }
        if (before != null) {
            long waited = waits.maxWaitSince(before, since);
            if (2 * waited < since) {
                return 0; // it had the CPU and said nothing
            }
            LOG.debug("{}: {} sent nothing for {} ms, but waited {} ms of the last {} ms for a CPU: starved, not"
                    + " unresponsive", engine.name, w, TimeUnit.NANOSECONDS.toMillis(silent),
                    TimeUnit.NANOSECONDS.toMillis(waited), TimeUnit.NANOSECONDS.toMillis(since));
        }
        w.starvedWaits = waits;
        w.starvedCheckNanos = now;
        return Math.min(grace, bound);
    }

    // ========================================================================================= memory

    /**
     * A heartbeat: the worker's resident memory is read (for the hard limit and the pool's memory budget); a
     * worker above the hard memory limit is killed at once (its task ends with it).
     */
    void onHeartbeat(WorkerHandle w) {
        long hard = config.getWorkerMemoryHardLimit();
        long budget = config.getMemoryBudget();
        WorkerChannel ch = w.channel;
        if (hard <= 0 && budget <= 0 || ch == null) {
            return;
        }
        long rss = ch.residentBytes().orElse(0);
        w.residentBytes = rss;
        w.residentMeasured = rss > 0;
        if (budget > 0) {
            engine.launcher.memoryMeasured();
        }
        if (hard <= 0 || rss <= hard) {
            return;
        }
        Submission s = w.current;
        LOG.warn("{}: {} uses {} MiB resident memory, over the hard limit of {} MiB; killing it", engine.name, w,
                rss >> 20, hard >> 20);
        if (s == null || !engine.stopper.killRunning(w, s, new ResourceLimitException(s.taskId, w.pid, rss, hard),
                WorkerEnd.MEMORY, null)) {
            engine.stopper.stopAndKill(w, WorkerEnd.MEMORY, null);
        }
    }

    /**
     * A worker has answered a task (under the engine's lock): it is drained, to be replaced once it holds no
     * task, when it has run {@code maxTasksPerWorker} tasks (recycled) or its resident memory is above the soft
     * limit.
     */
    void afterTaskLocked(WorkerHandle w) {
        if (config.getMaxTasksPerWorker() > 0 && w.tasksProcessed >= config.getMaxTasksPerWorker()) {
            w.drain(WorkerEnd.RECYCLED);
        } else if (!w.draining && overMemoryLimit(w)) {
            w.drain(WorkerEnd.MEMORY);
        }
    }

    /** Whether the worker's resident memory is above the soft limit (then it is replaced after its task). */
    private boolean overMemoryLimit(WorkerHandle w) {
        long soft = config.getWorkerMemoryLimit();
        if (soft <= 0) {
            return false;
        }
        long rss = w.channel.residentBytes().orElse(0);
        if (rss > soft) {
            LOG.info("{}: {} uses {} MiB resident memory, over the limit of {} MiB; replacing it", engine.name, w,
                    rss >> 20, soft >> 20);
            return true;
        }
        return false;
    }

    // =========================================================================================== idle

    /** A worker has become idle: it is looked at after the idle timeout. */
    void armIdleCheckLocked(WorkerHandle w) {
        if (!w.idleCheckScheduled) {
            w.idleCheckScheduled = true;
            engine.schedule(() -> idleCheck(w), config.getIdleTimeout().toNanos());
        }
    }

    private void idleCheck(WorkerHandle w) {
        try (LogContext c = w.logContext()) {
            Actions a = new Actions(engine);
            engine.lock.lock();
            try {
                w.idleCheckScheduled = false;
                if (w.state != WorkerState.IDLE) {
                    return;
                }
                long idleFor = now() - w.idleSinceNanos;
                long timeout = config.getIdleTimeout().toNanos();
                if (idleFor < timeout) {
                    w.idleCheckScheduled = true;
                    engine.schedule(() -> idleCheck(w), timeout - idleFor);
                    return;
                }
                if (!config.isKeepProcessesRunning() || engine.workers.active() > config.getMinSize()) {
                    LOG.debug("{}: retiring {} after {} ms idle", engine.name, w, TimeUnit.NANOSECONDS.toMillis(idleFor));
                    engine.retireLocked(w, a, WorkerEnd.IDLE_RETIRED);
                }
            } finally {
                engine.lock.unlock();
            }
            engine.act(a);
        }
    }

    // ======================================================================================== reclaim

    /** A worker holds more than one task: the sweep runs while any does. */
    void armReclaimSweepLocked() {
        if (!reclaimSweepArmed) {
            reclaimSweepArmed = true;
            engine.schedule(this::reclaimSweep, RECLAIM_SWEEP_NANOS);
        }
    }

    /**
     * Asks every worker whose running task has run for {@link Tuning#RECLAIM_AFTER_MILLIS} ms to give back the
     * tasks it holds behind it; re-arms itself while any worker holds tasks. A single timer for the pool, not
     * one per task: pipelined tasks come by the hundred thousand a second.
     */
    private void reclaimSweep() {
        List<WorkerHandle> reclaim = null;
        engine.lock.lock();
        try {
            reclaimSweepArmed = false;
            long now = now();
            boolean holding = false;
            for (WorkerHandle w : engine.workers) {
                if (w.inflight.size() <= 1) {
                    continue;
                }
                holding = true;
                Submission running = w.current;
                if (running != null && !w.reclaimSent && now - running.startedNanos >= RECLAIM_AFTER_NANOS
                        && w.channel != null && w.state == WorkerState.WORKING) {
                    w.reclaimSent = true;
                    w.protocol.reclaimRequested();
                    if (reclaim == null) {
                        reclaim = new ArrayList<>();
                    }
                    reclaim.add(w);
                }
            }
            if (holding && engine.state != PoolEngine.RunState.TERMINATED) {
                armReclaimSweepLocked();
            }
        } finally {
            engine.lock.unlock();
        }
        if (reclaim != null) {
            reclaim.forEach(engine.traffic::reclaim);
        }
    }
}
