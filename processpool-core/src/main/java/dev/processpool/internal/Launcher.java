package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.WorkerStartException;
import dev.processpool.WorkerState;
import dev.processpool.internal.EngineListener.WorkerEnd;
import dev.processpool.transport.WorkerChannel;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * Starts workers: at most {@link Scheduler#maxConcurrentLaunches()} launches at once (the others wait, in
 * order), each through the transport on a launcher thread. After failed launches, launches are spaced out
 * ({@value Tuning#FIRST_LAUNCH_BACKOFF_MILLIS} ms, doubling up to {@value Tuning#MAX_LAUNCH_BACKOFF_MILLIS} ms) and retried from the
 * timer; the pool gives up (see {@link PoolConfig}) after {@value PoolConfig#START_FAILURES_TO_GIVE_UP}
 * failures in a row when no worker of it has ever started, or as many in a row with the same error apart from
 * numbers. Then, while no worker of it is alive, what waits fails at once with a {@link WorkerStartException};
 * {@link PoolEngine#resume()} tries again.
 *
 * <p>Fields are guarded by the engine's lock, except the launch queue, guarded by itself.
 */
final class Launcher {

    private final PoolEngine engine;
    private final int maxConcurrent;

    /** Launches waiting for one of the {@link #maxConcurrent} slots, in order. Guarded by itself. */
    private final ArrayDeque<WorkerHandle> queue = new ArrayDeque<>();
    /** Launches handed to the scheduler and not finished. Guarded by {@link #queue}. */
    private int running;

    private int consecutiveFailures;
    private long notBeforeNanos;
    private boolean retryScheduled;
    /** Whether any worker of this pool has ever completed its handshake. */
    private boolean everStarted;
    /** The last start error with its numbers blanked, and how many launches in a row failed with it. */
    private String lastErrorKey;
    private int sameErrors;
    /** The pool has given up launching: set under the lock, cleared by {@link #resumeLocked()}. */
    private boolean givenUp;
    private volatile String lastError;
    private volatile Throwable lastCause;

    Launcher(PoolEngine engine) {
        this.engine = engine;
        this.maxConcurrent = Math.max(1, engine.clock.maxConcurrentLaunches());
    }

    // ==================================================================================== decisions

    /**
     * Why no worker may start for the memory budget, as the last plan found it, or null. Guarded by the
     * engine's lock.
     */
    private String memoryHold;

    /**
     * The largest resident memory of the workers when the budget was last looked at: what a worker not
     * measured yet counts as while no measured worker is alive. Guarded by the engine's lock.
     */
    private long lastLargestResident;

    /**
     * Why the memory budget holds worker starts back now, from the workers' last measures, or null. A worker
     * not measured at a heartbeat yet (just planned, starting, or measured only at its launch, when a JVM is
     * still small) counts as the largest worker measured now (with none alive: the largest the last time
     * there was one), or as its own measure when that is larger; while nothing has been measured at all, the
     * first worker starts alone. So a burst of tasks starts only as many workers as the budget has room for,
     * not one per task up to {@code maxSize}.
     */
    String memoryHoldNowLocked() {
        long budget = engine.config.getMemoryBudget();
        if (budget <= 0) {
            return null;
        }
        long largest = 0;
        for (WorkerHandle w : engine.workers) {
            largest = Math.max(largest, w.residentBytes);
        }
        long estimate = largest > 0 ? largest : lastLargestResident;
        lastLargestResident = estimate;
        long used = 0;
        int estimated = 0;
        for (WorkerHandle w : engine.workers) {
            if (estimate == 0 && w.channel == null) {
                return "no worker's resident memory is known yet: under the pool's memory budget of " + (budget >> 20)
                        + " MiB the first worker starts alone";
            }
            if (w.residentMeasured || w.residentBytes >= estimate) {
                used += w.residentBytes;
            } else {
                used += estimate;
                estimated++;
            }
        }
        return used <= budget ? null : "the workers use " + (used >> 20) + " MiB of resident memory" + (estimated == 0
                ? "" : " (counting " + estimated + " not measured yet as " + (estimate >> 20) + " MiB each)")
                + ", over the pool's memory budget of " + (budget >> 20) + " MiB: no further worker starts until"
                + " they use less";
    }

    /**
     * Whether one more worker may be launched now. With strict limits every process still alive counts,
     * also one that is being killed; without, only the workers that can take tasks. After a failed launch
     * none is launched before its back-off has passed, nor while another is starting; a retry is scheduled.
     */
    boolean mayLaunchLocked() {
        int counted = engine.config.isStrictLimits() ? engine.workers.size() : engine.workers.active();
        if (givenUp || counted >= engine.config.getMaxSize()) {
            memoryHold = null; // the budget is not what holds a start back
            return false;
        }
        memoryHold = memoryHoldNowLocked();
        if (memoryHold != null) {
            return false;
        }
        if (consecutiveFailures > 0) {
            long wait = notBeforeNanos - engine.clock.nanoTime();
            boolean startingAlready = engine.workers.count(WorkerState.STARTING) > 0;
            if (wait > 0 || startingAlready) {
                if (!retryScheduled && !startingAlready) {
                    retryScheduled = true;
                    engine.schedule(this::retry, Math.max(wait, 1));
                }
                return false;
            }
        }
        return true;
    }

    private void retry() {
        Actions a;
        engine.lock.lock();
        try {
            retryScheduled = false;
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        engine.act(a);
    }

    /**
     * Why tasks wait without a worker being started for them, when the memory budget is the reason; null
     * otherwise ({@link PoolEngine#startHold()}).
     */
    String startHoldLocked() {
        // a task held by a busy worker waits too; the reason is read afresh, as measures may have fallen since
        return memoryHold != null && engine.pending.waiting() > 0 ? memoryHoldNowLocked() : null;
    }

    /**
     * A worker's resident memory was read (a heartbeat, see {@link Watchdog#onHeartbeat}): when the memory
     * budget held launches back, the engine plans again, as the hold may have lifted.
     */
    void memoryMeasured() {
        Actions a;
        engine.lock.lock();
        try {
            if (memoryHold == null) {
                return;
            }
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        engine.act(a);
    }

    /** Whether the pool has given up launching. */
    boolean givenUpLocked() {
        return givenUp;
    }

    /** The outcome of a task that no worker can run because the pool gave up. */
    WorkerStartException startFailure(String taskId) {
        return new WorkerStartException(taskId, lastError, lastCause);
    }

    /** When the pool has given up launching and no worker is left, takes every waiting task out to fail it. */
    List<Submission> failWaitingIfGivenUpLocked() {
        if (!givenUp || engine.workers.active() > 0 || engine.pending.isEmpty()) {
            return List.of();
        }
        return engine.pending.takeAll();
    }

    void finishStartFailures(List<Submission> failed) {
        for (Submission s : failed) {
            engine.finish(s, null, startFailure(s.taskId));
        }
    }

    /** {@link PoolEngine#resume()}: a pool that gave up tries again. */
    void resumeLocked() {
        if (givenUp) {
            givenUp = false;
            consecutiveFailures = 0;
            sameErrors = 0;
            lastErrorKey = null;
            notBeforeNanos = 0;
            LOG.info("{}: tries again to start workers", engine.name);
        }
    }

    // ===================================================================================== launching

    /** Launches a worker the engine has decided to start, now or when a launch slot is free. */
    void launch(WorkerHandle w) {
        synchronized (queue) {
            if (running >= maxConcurrent) {
                queue.addLast(w);
                return;
            }
            running++;
        }
        hand(w);
    }

    /** Hands a launch (holding a slot) to a launcher thread; once the scheduler is shut down, the next. */
    private void hand(WorkerHandle first) {
        for (WorkerHandle w = first; w != null; w = nextLaunch()) {
            WorkerHandle launching = w;
            try {
                engine.clock.launch(() -> {
                    try {
                        launchNow(launching);
                    } finally {
                        WorkerHandle next = nextLaunch();
                        if (next != null) {
                            hand(next);
                        }
                    }
                });
                return;
            } catch (RejectedExecutionException terminated) {
                engine.lock.lock();
                try {
                    engine.moveLocked(launching, WorkerState.DEAD, WorkerEnd.SHUTDOWN);
                } finally {
                    engine.lock.unlock();
                }
            }
        }
    }

    /** A launch slot is free: the next waiting launch, which takes it, or null. */
    private WorkerHandle nextLaunch() {
        synchronized (queue) {
            WorkerHandle next = queue.pollFirst();
            if (next == null) {
                running--;
            }
            return next;
        }
    }

    /** How many launches wait for a slot (for tests). */
    int waitingLaunches() {
        synchronized (queue) {
            return queue.size();
        }
    }

    private void launchNow(WorkerHandle w) {
        engine.lock.lock();
        try {
            if (w.state != WorkerState.STARTING || engine.state == PoolEngine.RunState.TERMINATED) {
                // stopped while its launch waited for a slot
                engine.moveLocked(w, WorkerState.DEAD, WorkerEnd.SHUTDOWN);
                return;
            }
            w.launchStartedNanos = engine.clock.nanoTime();
        } finally {
            engine.lock.unlock();
        }
        WorkerChannel channel;
        try {
            channel = engine.transport.launch(w.number, w);
        } catch (Exception | Error e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failed(w, e);
            return;
        }
        // counted in the memory budget from the start, not from its first heartbeat: a burst of tasks at start
        // must not launch workers the budget has no room for
        long rss = engine.config.getMemoryBudget() > 0 ? channel.residentBytes().orElse(0) : 0;
        Actions a;
        engine.lock.lock();
        try {
            w.channel = channel;
            w.pid = channel.pid();
            w.residentBytes = rss;
            consecutiveFailures = 0;
            sameErrors = 0;
            lastErrorKey = null;
            everStarted = true;
            if (w.state == WorkerState.DEAD) {
                return; // it exited already; onExited has dealt with it
            }
            if (engine.events.on()) {
                long startup = engine.clock.nanoTime() - w.launchStartedNanos;
                engine.events.emit(l -> l.workerStarted(w.number, w.pid, startup));
            }
            a = new Actions(engine);
            if (w.state == WorkerState.STOPPING || engine.state == PoolEngine.RunState.TERMINATED) {
                engine.moveLocked(w, WorkerState.STOPPING, WorkerEnd.SHUTDOWN);
                a.addShutdown(w);
            } else {
                try (LogContext c = w.logContext()) {
                    LOG.debug("{}: worker {} started, pid {}", engine.name, w.number, w.pid);
                }
                engine.watchdog.startWatching(w);
                engine.moveLocked(w, WorkerState.IDLE, null);
                a = engine.planLocked();
            }
        } finally {
            engine.lock.unlock();
        }
        a.run();
    }

    /** A launch failed: the worker is gone; back off, or give up. */
    private void failed(WorkerHandle w, Throwable e) {
        List<Submission> failed;
        Actions a;
        String error = String.valueOf(e.getMessage());
        engine.lock.lock();
        try {
            if (w.state == WorkerState.STOPPING) {
                // the pool stopped it while it started (Stopper): not a failure, nothing to retry
                engine.moveLocked(w, WorkerState.DEAD, WorkerEnd.SHUTDOWN);
                return;
            }
            engine.moveLocked(w, WorkerState.DEAD, WorkerEnd.LAUNCH_FAILED);
            if (engine.state == PoolEngine.RunState.TERMINATED) {
                return;
            }
            consecutiveFailures++;
            lastError = error;
            lastCause = e;
            String key = error.replaceAll("[0-9]+", "#");
            sameErrors = key.equals(lastErrorKey) ? sameErrors + 1 : 1;
            lastErrorKey = key;
            long backoffMillis = Math.min(Tuning.MAX_LAUNCH_BACKOFF_MILLIS,
                    (long) Tuning.FIRST_LAUNCH_BACKOFF_MILLIS << Math.min(6, consecutiveFailures - 1));
            notBeforeNanos = engine.clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            int giveUpAfter = PoolConfig.START_FAILURES_TO_GIVE_UP;
            try (LogContext c = LogContext.enter(engine.name, -1, null)) { // no worker: the pool's name only
                if (!givenUp && (!everStarted && consecutiveFailures >= giveUpAfter || sameErrors >= giveUpAfter)) {
                    givenUp = true;
                    LOG.error("{}: gives up starting workers after {} failed launches in a row{}: {}. Tasks fail with"
                            + " WorkerStartException while no worker is alive; startProcessing() tries again", engine.name,
                            consecutiveFailures, everStarted ? " with the same error" : " (none has ever started)", error);
                } else if (!givenUp) {
                    LOG.warn("{}: {} (failure {} in a row; next launch in {} ms)", engine.name, error, consecutiveFailures,
                            backoffMillis);
                }
            }
            failed = failWaitingIfGivenUpLocked();
            a = engine.planLocked();
        } finally {
            engine.lock.unlock();
        }
        finishStartFailures(failed);
        a.run();
    }
}
