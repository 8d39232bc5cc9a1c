package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.RemoteException;
import dev.processpool.ResourceLimitException;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerStartException;
import dev.processpool.WorkerUnresponsiveException;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerTransport;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The scheduler: the bounded queue of waiting tasks, the set of workers and their sizing, task deadlines,
 * and the pool's run state. Everything here is event-driven: a task is dispatched when it is queued or when a
 * worker becomes idle, a deadline fires from a timer, a death is reported by the transport.
 *
 * <p>Locking: one lock guards the queue and the workers' states. It is never held while talking to a worker,
 * running user code or waiting for a process: methods decide under the lock and collect what to do in an
 * {@link Actions} object, which runs after the lock is released. A producer waiting for a queue slot waits on
 * a condition of that lock, which releases it.
 *
 * <p>Threads: the timer thread only decides (deadlines, progress, silence, idle workers, reclaims, launch
 * retries) and completes outcomes; whatever may block (kills, which fork {@code kill}, polite stops and any
 * write to a channel) it hands to the reaper threads. A channel's reader thread reports the worker's frames
 * and decodes plain answers; Java-serialised answers are rebuilt by the {@link ResultDecoder}'s threads.
 *
 * <p>Each worker's frames are judged against its {@link WorkerProtocol} before they are acted on: an answer
 * is accepted only for the task the worker last reported STARTED, and before its body is read; anything
 * else kills the worker (its running task fails, the tasks it holds run elsewhere).
 */
public final class PoolEngine {

    private static final Logger LOG = Logs.logger("dev.processpool.ProcessPool", Level.WARN);
    private static final Logger OUTPUT_LOG = Logs.logger("dev.processpool.worker.output", Level.INFO);
    private static final int START_FAILURES_BEFORE_GIVING_UP = PoolConfig.START_FAILURES_TO_GIVE_UP;
    /** Tasks shorter than this on average are pipelined (see {@link PoolConfig#getPipelineDepth()}). */
    static final long PIPELINE_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /**
     * A worker whose running task has run this long gives back the tasks it holds behind it (RECLAIM), so
     * that they run elsewhere instead of waiting for it; checked every {@link #RECLAIM_SWEEP_NANOS} while any
     * worker holds tasks.
     */
    static final long RECLAIM_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(25);
    static final long RECLAIM_SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    /** A task whose workers died before starting it this many times ends with their death instead. */
    private static final int MAX_HAND_BACKS = 3;

    /** The pool's run state. */
    public enum RunState { RUNNING, STOPPED, SHUTTING_DOWN, TERMINATED }

    private final PoolConfig config;
    private final WorkerTransport transport;
    private final ResultDelivery delivery;
    private final String name;
    private final ResultDecoder decoder;
    private final ResultMemoryBudget budget;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notFull = lock.newCondition();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Submission> pending = new ArrayDeque<>();
    private final List<WorkerHandle> workers = new ArrayList<>();
    /** Idle workers, most recently idle first: work goes to warm workers, the others may idle out. */
    private final ArrayDeque<WorkerHandle> idle = new ArrayDeque<>();
    private RunState state = RunState.RUNNING;
    private int workerNumbers;
    private int consecutiveStartFailures;
    private long launchNotBeforeNanos;
    private boolean launchRetryScheduled;
    private volatile String lastStartError;
    /** Whether any worker of this pool has ever completed its handshake. Guarded by the lock. */
    private boolean everStarted;
    /** The last start error with its numbers blanked, and how many launches in a row failed with it. */
    private String lastStartErrorKey;
    private int sameStartErrors;
    /** The pool has given up launching (see {@link PoolConfig}): set under the lock, cleared by resume(). */
    private boolean launchGivenUp;
    private volatile Exception lastStartCause;

    private final ScheduledThreadPoolExecutor timer;
    private volatile Thread timerThread;
    private final ExecutorService launcher;
    /** Runs what may block, for the timer and the reader threads: kills, polite stops, channel writes. */
    private final ExecutorService reaper;

    /** Random halves of wire numbers, drawn a block at a time (see {@link Submission#wire}). Guarded by the lock. */
    private final SecureRandom random = new SecureRandom();
    private final int[] tags = new int[256];
    private int tagsLeft;

    public PoolEngine(String name, PoolConfig config, WorkerTransport transport, ResultDelivery delivery,
                      ClassLoader resultLoader) {
        this.name = name;
        this.config = config;
        this.transport = transport;
        this.delivery = delivery;
        AtomicInteger threads = new AtomicInteger();
        AtomicInteger reapers = new AtomicInteger();
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = daemon(r, name + "-timer");
            timerThread = t;
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        // At most one JVM start per core at a time: a hundred JVMs starting at once on two cores take no less
        // time in all, but starve the pool's own threads (a timeout storm replaces every worker at once).
        int launchers = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor l = new ThreadPoolExecutor(launchers, launchers, 30, TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                r -> daemon(r, name + "-launcher-" + threads.incrementAndGet()));
        l.allowCoreThreadTimeOut(true);
        this.launcher = l;
        this.reaper = Executors.newCachedThreadPool(r -> daemon(r, name + "-reaper-" + reapers.incrementAndGet()));
        this.budget = new ResultMemoryBudget(config.getResultMemoryBudget());
        this.decoder = new ResultDecoder(name, config, resultLoader, timer, this::finish);
    }

    /** The next wire number for a task: a random upper half, its sequence number in the lower. Under the lock. */
    private long nextWireLocked(Submission s) {
        if (tagsLeft == 0) {
            byte[] b = new byte[tags.length * 4];
            random.nextBytes(b);
            for (int i = 0; i < tags.length; i++) {
                tags[i] = ((b[4 * i] & 0x7F) << 24 | (b[4 * i + 1] & 0xFF) << 16 | (b[4 * i + 2] & 0xFF) << 8
                        | (b[4 * i + 3] & 0xFF)) | 1; // positive, never 0
            }
            tagsLeft = tags.length;
        }
        return ((long) tags[--tagsLeft] << 32) | (s.sequence & 0xFFFF_FFFFL);
    }

    /** Hands blocking work to the reaper threads (inline once the pool is terminated). */
    private void offload(Runnable r) {
        Runnable safe = () -> {
            try {
                r.run();
            } catch (Throwable e) {
                ResultDelivery.logQuietly(() -> LOG.error("{}: a background action failed", name, e));
            }
        };
        try {
            reaper.execute(safe);
        } catch (RejectedExecutionException terminated) {
            safe.run();
        }
    }

    /** Kills a worker's process tree, on a reaper thread: the caller (a timer, a reader) never waits for it. */
    private void kill(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        if (ch != null) {
            offload(ch::kill);
        }
    }

    /** Runs the actions: on the timer thread, on a reaper thread instead (they may write to channels). */
    private void act(Actions a) {
        if (Thread.currentThread() == timerThread) {
            if (!a.isEmpty()) {
                offload(a::run);
            }
        } else {
            a.run();
        }
    }

    private static Thread daemon(Runnable r, String threadName) {
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    /** Starts the minimum number of workers. */
    public void start() {
        Actions a = new Actions();
        lock.lock();
        try {
            while (activeCount() < config.getMinSize() && canLaunchLocked()) {
                a.addLaunch(newWorkerLocked());
            }
        } finally {
            lock.unlock();
        }
        a.run();
    }

    // ======================================================================================== submission

    /**
     * Queues a task.
     *
     * @param maxWaitNanos for a blocking call, how long to wait for a slot ({@code Long.MAX_VALUE}: forever)
     * @return false if the queue stayed full (non-blocking call, or the wait timed out)
     * @throws RejectedExecutionException if the pool is shutting down or terminated
     */
    public boolean submit(Submission s, boolean blocking, long maxWaitNanos) throws InterruptedException {
        Actions a;
        lock.lockInterruptibly();
        try {
            checkAcceptingLocked(s);
            if (launchGivenUp && activeCount() == 0) {
                // no worker can run it, and none will be started: it ends at once
                delivery.track(s);
                String error = lastStartError;
                Exception cause = lastStartCause;
                lock.unlock();
                try {
                    finish(s, null, new WorkerStartException(s.taskId, error, cause));
                } finally {
                    lock.lock();
                }
                return true;
            }
            long remaining = maxWaitNanos;
            while (isFullLocked()) {
                if (!blocking || remaining <= 0) {
                    return false;
                }
                if (maxWaitNanos == Long.MAX_VALUE) {
                    notFull.await();
                } else {
                    remaining = notFull.awaitNanos(remaining);
                }
                checkAcceptingLocked(s);
            }
            delivery.track(s);
            pending.addLast(s);
            a = planLocked();
        } finally {
            lock.unlock();
        }
        a.run();
        return true;
    }

    private void checkAcceptingLocked(Submission s) {
        if (state == RunState.SHUTTING_DOWN || state == RunState.TERMINATED) {
            throw new RejectedExecutionException("pool " + name + " is " + (state == RunState.TERMINATED
                    ? "shut down" : "shutting down") + ": task " + s.taskId + " was not queued");
        }
    }

    private boolean isFullLocked() {
        int max = config.getMaxQueuedRequests();
        return max > 0 && waitingLocked() >= max;
    }

    /**
     * Tasks waiting to run: those in the queue, and those a worker holds behind the one it runs or is about
     * to run (pipelining moves waiting tasks into workers, it does not make them any less waiting).
     */
    private int waitingLocked() {
        int n = pending.size();
        for (WorkerHandle w : workers) {
            n += Math.max(0, w.inflight.size() - 1);
        }
        return n;
    }

    /**
     * Cancels a task that is waiting or running; false if it already has an outcome. A waiting task leaves
     * the queue; one held by a worker but not started is taken back from it; a running one has its worker
     * killed.
     */
    public boolean cancel(Submission s, String reason) {
        Actions a;
        WorkerHandle killed = null;
        WorkerHandle holder = null;
        lock.lock();
        try {
            if (s.isFinished()) {
                return false;
            }
            WorkerHandle w = s.worker;
            if (pending.remove(s)) {
                notFull.signalAll();
            } else if (w != null && w.current == s) {
                killed = w;
                w.inflight.remove(s);
                detachLocked(w, s);
                stopLocked(w);
            } else if (w != null && w.inflight.remove(s)) {
                holder = w;
                w.protocol.withdrew(s.wire);
                s.worker = null;
                notFull.signalAll();
                if (w.inflight.isEmpty() && w.state == WorkerState.WORKING) {
                    becomeIdleLocked(w);
                }
            }
            a = planLocked();
        } finally {
            lock.unlock();
        }
        long pid = killed != null ? killed.pid : holder != null ? holder.pid : -1;
        boolean done = finish(s, null, new TaskCancelledException(s.taskId, pid, reason));
        if (killed != null) {
            kill(killed);
        }
        if (holder != null) {
            WorkerHandle h = holder;
            offload(() -> takeBack(h, s)); // the send lock may be held by a long write
        }
        a.run();
        return done;
    }

    /** Withdraws a task given to a worker that has not started it: from the outbox, or with a CANCEL frame. */
    private void takeBack(WorkerHandle w, Submission s) {
        synchronized (w.sendLock) {
            // Under the send lock the task is either still unsent (drop it) or entirely written (cancel it).
            if (!w.outbox.remove(s) && w.channel != null) {
                w.channel.cancelTask(s.wire);
            }
        }
    }

    // ========================================================================================= planning

    /** Things to do once the lock is released. */
    private final class Actions {
        private final List<WorkerHandle> launches = new ArrayList<>(0);
        private final List<WorkerHandle> flushes = new ArrayList<>(0);
        private final List<WorkerHandle> shutdowns = new ArrayList<>(0);

        void addLaunch(WorkerHandle w) {
            launches.add(w);
        }

        void addSend(WorkerHandle w, Submission s) {
            w.outbox.add(s);
            if (!flushes.contains(w)) {
                flushes.add(w);
            }
        }

        void addShutdown(WorkerHandle w) {
            shutdowns.add(w);
        }

        boolean isEmpty() {
            return launches.isEmpty() && flushes.isEmpty() && shutdowns.isEmpty();
        }

        void addAll(Actions other) {
            launches.addAll(other.launches);
            other.flushes.forEach(w -> {
                if (!flushes.contains(w)) {
                    flushes.add(w);
                }
            });
            shutdowns.addAll(other.shutdowns);
        }

        void run() {
            for (WorkerHandle w : flushes) {
                sendOutbox(w);
            }
            for (WorkerHandle w : shutdowns) {
                politelyStop(w);
            }
            for (WorkerHandle w : launches) {
                try {
                    launcher.execute(() -> launch(w));
                } catch (RejectedExecutionException terminated) {
                    lock.lock();
                    try {
                        markDeadLocked(w);
                    } finally {
                        lock.unlock();
                    }
                }
            }
        }
    }

    /**
     * Gives waiting tasks to idle workers, starts workers as needed, keeps the minimum alive, and pipelines:
     * when tasks still wait, a worker whose recent tasks were short ({@link #PIPELINE_TASK_NANOS}) may hold
     * up to {@code pipelineDepth} tasks, so it never waits for the parent between two of them. It is topped up
     * when it is down to half of that.
     */
    private Actions planLocked() {
        Actions a = new Actions();
        if (state == RunState.RUNNING || state == RunState.SHUTTING_DOWN) {
            boolean dispatched = false;
            while (!pending.isEmpty() && !idle.isEmpty()) {
                assignLocked(idle.pollFirst(), pending.pollFirst(), a);
                dispatched = true;
            }
            for (int want = pending.size() - countLocked(WorkerState.STARTING); want > 0 && canLaunchLocked(); want--) {
                a.addLaunch(newWorkerLocked());
            }
            // A pipelining worker is topped up only once it is down to half its depth, and then to the full
            // depth: its next tasks go out in one write, and it reads them in one, instead of one each.
            int depth = config.getPipelineDepth();
            boolean[] topUp = new boolean[workers.size()];
            for (int i = 0; i < topUp.length; i++) {
                topUp[i] = workers.get(i).inflight.size() <= depth / 2;
            }
            for (int round = 1; round < depth && !pending.isEmpty(); round++) {
                for (int i = 0; i < workers.size() && !pending.isEmpty(); i++) {
                    WorkerHandle w = workers.get(i);
                    if (topUp[i] && canPipelineLocked(w)) {
                        assignLocked(w, pending.pollFirst(), a);
                        dispatched = true;
                    }
                }
            }
            if (dispatched) {
                notFull.signalAll();
            }
        }
        if (state == RunState.RUNNING && config.isKeepProcessesRunning()) {
            while (activeCount() < config.getMinSize() && canLaunchLocked()) {
                a.addLaunch(newWorkerLocked());
            }
        }
        return a;
    }

    private void assignLocked(WorkerHandle w, Submission s, Actions a) {
        idle.remove(w);
        w.state = WorkerState.WORKING;
        w.inflight.addLast(s);
        s.wire = nextWireLocked(s);
        w.protocol.sent(s.wire, System.nanoTime());
        w.given(s);
        s.worker = w;
        s.workerPid = w.pid;
        a.addSend(w, s);
        if (w.inflight.size() > 1 && !reclaimSweepArmed) {
            reclaimSweepArmed = true;
            schedule(this::reclaimSweep, RECLAIM_SWEEP_NANOS);
        }
    }

    /** Whether {@link #reclaimSweep} is scheduled (guarded by the lock). */
    private boolean reclaimSweepArmed;

    /**
     * Asks every worker whose running task has run for {@link #RECLAIM_AFTER_NANOS} to give back the tasks it
     * holds behind it; re-arms itself while any worker holds tasks. A single timer for the pool, not one per
     * task: pipelined tasks come by the hundred thousand a second.
     */
    private void reclaimSweep() {
        List<WorkerHandle> reclaim = null;
        lock.lock();
        try {
            reclaimSweepArmed = false;
            long now = System.nanoTime();
            boolean holding = false;
            for (WorkerHandle w : workers) {
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
            if (holding && state != RunState.TERMINATED) {
                reclaimSweepArmed = true;
                schedule(this::reclaimSweep, RECLAIM_SWEEP_NANOS);
            }
        } finally {
            lock.unlock();
        }
        if (reclaim != null) {
            for (WorkerHandle w : reclaim) {
                offload(() -> {
                    synchronized (w.sendLock) { // after any task still being written to it
                        w.channel.reclaimUnstarted();
                    }
                });
            }
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
        lock.lock();
        try {
            violation = w.protocol.gaveBack(sequences);
            if (violation == null) {
                for (int i = sequences.length - 1; i >= 0; i--) {
                    for (java.util.Iterator<Submission> it = w.inflight.iterator(); it.hasNext(); ) {
                        Submission s = it.next();
                        if (s.wire == sequences[i] && s != w.current) {
                            it.remove();
                            s.worker = null;
                            if (!s.isFinished()) {
                                pending.addFirst(s);
                                back++;
                            }
                            break;
                        }
                    }
                }
                if (w.inflight.isEmpty() && w.state == WorkerState.WORKING) {
                    becomeIdleLocked(w);
                }
            }
            a = violation == null ? planLocked() : new Actions();
        } finally {
            lock.unlock();
        }
        if (violation != null) {
            violation(w, violation);
            return;
        }
        if (back > 0) {
            LOG.debug("{}: worker {} gave back {} task(s) held behind a long one", name, w.number, back);
        }
        a.run();
    }

    private boolean canPipelineLocked(WorkerHandle w) {
        Submission running = w.current;
        return w.state == WorkerState.WORKING && !w.draining
                && w.inflight.size() < config.getPipelineDepth()
                && w.averageRunNanos > 0 && w.averageRunNanos < PIPELINE_TASK_NANOS
                // not behind a task that has already run long: the next one would wait behind it
                && (running == null || System.nanoTime() - running.startedNanos < PIPELINE_TASK_NANOS)
                && (config.getMaxTasksPerWorker() == 0
                    || w.tasksProcessed + w.inflight.size() < config.getMaxTasksPerWorker());
    }

    private int activeCount() {
        int n = 0;
        for (WorkerHandle w : workers) {
            if (w.isActive()) {
                n++;
            }
        }
        return n;
    }

    /**
     * Whether one more worker may be launched now. With strict limits every process still alive counts,
     * also one that is being killed; without, only the workers that can take tasks. After failed launches,
     * launches are spaced out (100 ms doubling up to 5 s) and a retry is scheduled.
     */
    private boolean canLaunchLocked() {
        if (launchGivenUp) {
            return false;
        }
        int counted = config.isStrictLimits() ? workers.size() : activeCount();
        if (counted >= config.getMaxSize()) {
            return false;
        }
        if (consecutiveStartFailures > 0) {
            long wait = launchNotBeforeNanos - System.nanoTime();
            boolean startingAlready = countLocked(WorkerState.STARTING) > 0;
            if (wait > 0 || startingAlready) {
                if (!launchRetryScheduled && !startingAlready) {
                    launchRetryScheduled = true;
                    schedule(this::retryLaunches, Math.max(wait, 1));
                }
                return false;
            }
        }
        return true;
    }

    private void retryLaunches() {
        Actions a;
        lock.lock();
        try {
            launchRetryScheduled = false;
            a = planLocked();
        } finally {
            lock.unlock();
        }
        act(a);
    }

    private WorkerHandle newWorkerLocked() {
        WorkerHandle w = new WorkerHandle(++workerNumbers, this);
        workers.add(w);
        return w;
    }

    // ======================================================================================= launching

    private void launch(WorkerHandle w) {
        lock.lock();
        try {
            if (w.state != WorkerState.STARTING || state == RunState.TERMINATED) {
                markDeadLocked(w); // stopped while its launch waited for a launcher thread
                return;
            }
        } finally {
            lock.unlock();
        }
        WorkerChannel channel;
        try {
            channel = transport.launch(w.number, w);
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            launchFailed(w, e);
            return;
        }
        Actions a;
        lock.lock();
        try {
            w.channel = channel;
            w.pid = channel.pid();
            consecutiveStartFailures = 0;
            sameStartErrors = 0;
            lastStartErrorKey = null;
            everStarted = true;
            if (w.state == WorkerState.DEAD) {
                return; // it exited already; onExited has dealt with it
            }
            if (w.state == WorkerState.STOPPING || state == RunState.TERMINATED) {
                a = new Actions();
                w.stopIntended = true;
                w.state = WorkerState.STOPPING;
                a.addShutdown(w);
            } else {
                LOG.debug("{}: worker {} started, pid {}", name, w.number, w.pid);
                schedule(() -> watch(w), watchPeriodNanos());
                becomeIdleLocked(w);
                a = planLocked();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        a.run();
    }

    /**
     * A launch failed. Launches are retried with a back-off; the pool gives up (see {@link PoolConfig}) after
     * {@value #START_FAILURES_BEFORE_GIVING_UP} failures in a row when no worker of it has ever started, or
     * as many in a row with the same error; then, with no worker alive, what waits fails at once.
     */
    private void launchFailed(WorkerHandle w, Exception e) {
        List<Submission> failed;
        Actions a;
        String error = String.valueOf(e.getMessage());
        lock.lock();
        try {
            markDeadLocked(w);
            if (state == RunState.TERMINATED) {
                return;
            }
            consecutiveStartFailures++;
            lastStartError = error;
            lastStartCause = e;
            String key = error.replaceAll("[0-9]+", "#");
            sameStartErrors = key.equals(lastStartErrorKey) ? sameStartErrors + 1 : 1;
            lastStartErrorKey = key;
            long backoffMillis = Math.min(5000, 100L << Math.min(6, consecutiveStartFailures - 1));
            launchNotBeforeNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            if (!launchGivenUp && (!everStarted && consecutiveStartFailures >= START_FAILURES_BEFORE_GIVING_UP
                    || sameStartErrors >= START_FAILURES_BEFORE_GIVING_UP)) {
                launchGivenUp = true;
                LOG.error("{}: gives up starting workers after {} failed launches in a row{}: {}. Tasks fail with"
                        + " WorkerStartException while no worker is alive; startProcessing() tries again", name,
                        consecutiveStartFailures, everStarted ? " with the same error" : " (none has ever started)",
                        error);
            } else if (!launchGivenUp) {
                LOG.warn("{}: {} (failure {} in a row; next launch in {} ms)", name, error, consecutiveStartFailures,
                        backoffMillis);
            }
            failed = failWaitingIfGivenUpLocked();
            a = planLocked();
        } finally {
            lock.unlock();
        }
        finishStartFailures(failed);
        a.run();
    }

    /** When the pool has given up launching and no worker is left, takes every waiting task out to fail it. */
    private List<Submission> failWaitingIfGivenUpLocked() {
        if (!launchGivenUp || activeCount() > 0 || pending.isEmpty()) {
            return List.of();
        }
        List<Submission> failed = new ArrayList<>(pending);
        pending.clear();
        notFull.signalAll();
        return failed;
    }

    private void finishStartFailures(List<Submission> failed) {
        for (Submission s : failed) {
            finish(s, null, new WorkerStartException(s.taskId, lastStartError, lastStartCause));
        }
    }

    // ==================================================================================== task traffic

    /**
     * Writes the tasks given to a worker, in order, flushing once at the end. Whoever holds the send lock
     * writes everything queued, so frames never overtake each other. A task whose frame could not be written
     * whole never reached the worker: it goes back to the head of the queue, and the worker is killed.
     */
    private void sendOutbox(WorkerHandle w) {
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
        lock.lock();
        try {
            for (int i = unsent.size() - 1; i >= 0; i--) {
                Submission s = unsent.get(i);
                if (w.inflight.remove(s)) {
                    s.worker = null;
                    pending.addFirst(s);
                    requeued++;
                }
            }
            stopLocked(w);
            a = planLocked();
        } finally {
            lock.unlock();
        }
        LOG.warn("{}: could not send {} task(s) to {} ({}); queued again", name, requeued, w, failure.toString());
        kill(w);
        a.run();
    }

    /**
     * The worker reports it starts a task. It must be the next one it holds (skipping those withdrawn), and it
     * must have answered the one before. A worker the pool has decided to kill (a timeout, a cancellation)
     * does not get it as its running task: the kill was meant for the task before, and the task goes back to
     * the queue when the worker has exited, whatever the order in which its start and the kill arrive.
     */
    void onTaskStarted(WorkerHandle w, long wire) {
        String violation;
        boolean runsWithdrawn = false;
        lock.lock();
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
            lock.unlock();
        }
        if (violation != null) {
            violation(w, violation);
        } else if (runsWithdrawn) {
            // It started a task the pool withdrew (a cancellation that crossed its start): it must not run on.
            LOG.debug("{}: {} started #{}, which was cancelled meanwhile; killing it", name, w, WorkerProtocol.show(wire));
            stopAndKill(w);
        }
    }

    private void startLocked(WorkerHandle w, Submission s) {
        w.current = s;
        w.reclaimSent = false;
        s.startedNanos = System.nanoTime();
        Duration timeout = s.timeout.get();
        if (!timeout.isZero()) {
            s.deadline = schedule(() -> checkDeadline(w, s, timeout), timeout.toNanos());
        }
        Duration progress = s.progressTimeout.get();
        if (!progress.isZero()) {
            s.progressCheck = schedule(() -> checkProgress(w, s, progress), progress.toNanos());
        }
    }

    void onTaskProgress(WorkerHandle w, long wire) {
        Submission s = w.current;
        if (s != null && s.wire == wire) {
            s.lastProgressNanos = System.nanoTime();
        }
    }

    /**
     * Fires at a task's deadline. The time its answer waited for the result memory budget is not counted: the
     * deadline is put off by that much (and does not fire while it waits).
     */
    private void checkDeadline(WorkerHandle w, Submission s, Duration timeout) {
        lock.lock();
        try {
            if (w.current != s) {
                return;
            }
            if (s.pausedSinceNanos != 0) {
                s.deadlineDue = true; // looked at again when the wait ends
                return;
            }
            long left = timeout.toNanos() - (System.nanoTime() - s.startedNanos - s.pausedNanos);
            if (left > 0) {
                s.deadline = schedule(() -> checkDeadline(w, s, timeout), left);
                return;
            }
        } finally {
            lock.unlock();
        }
        killRunning(w, s, new TaskTimeoutException(s.taskId, w.pid, timeout));
    }

    /** Fires when a task may have gone without progress for its progress timeout; re-arms if it has not. */
    private void checkProgress(WorkerHandle w, Submission s, Duration progressTimeout) {
        lock.lock();
        try {
            if (w.current != s) {
                return;
            }
            if (s.pausedSinceNanos != 0) {
                s.deadlineDue = true;
                return;
            }
            long since = System.nanoTime() - Math.max(s.startedNanos, s.lastProgressNanos);
            long left = progressTimeout.toNanos() - since;
            if (left > 0) {
                s.progressCheck = schedule(() -> checkProgress(w, s, progressTimeout), left);
                return;
            }
        } finally {
            lock.unlock();
        }
        killRunning(w, s, new TaskTimeoutException(s.taskId, w.pid, progressTimeout, true));
    }

    /**
     * How long a worker may hold tasks without starting the next one after it answered the last (or was given
     * it while free): {@code unresponsiveTimeout}, or its default when that is turned off. A worker that
     * answers a task and then does not start the next one is unresponsive however many heartbeats it sends
     * (task code may have answered early, with a forged frame, and run on): the tasks it holds would never
     * start, and no timeout of theirs would ever fire.
     */
    private long startBoundNanos() {
        Duration d = config.getUnresponsiveTimeout();
        return (d.isZero() ? Duration.ofSeconds(15) : d).toNanos();
    }

    private long watchPeriodNanos() {
        return startBoundNanos();
    }

    /**
     * The per-worker watch, re-armed for when it may next be due. Kills a worker that has been silent for
     * {@code unresponsiveTimeout} (when heartbeats are on), or that holds tasks it should have started
     * (see {@link #startBoundNanos}). Time the worker's answer waits for the result memory budget is the
     * pool's doing, not the worker's silence.
     */
    private void watch(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        if (ch == null || w.state == WorkerState.DEAD || w.state == WorkerState.STOPPING) {
            return;
        }
        long now = System.nanoTime();
        long next = watchPeriodNanos();
        boolean heartbeats = !config.getUnresponsiveTimeout().isZero() && !config.getHeartbeatInterval().isZero();
        if (heartbeats && w.budgetWaitSinceNanos == 0) {
            long silent = now - Math.max(ch.lastActivityNanos(), w.budgetWaitEndedNanos);
            long left = config.getUnresponsiveTimeout().toNanos() - silent;
            if (left <= 0) {
                Submission s = w.current;
                LOG.warn("{}: {} sent nothing for {} ms; killing it", name, w, TimeUnit.NANOSECONDS.toMillis(silent));
                if (s == null || !killRunning(w, s, new WorkerUnresponsiveException(s.taskId, w.pid,
                        Duration.ofNanos(silent)))) {
                    stopAndKill(w);
                }
                return;
            }
            next = Math.min(next, left);
        }
        long overdue;
        int holding;
        lock.lock();
        try {
            overdue = w.budgetWaitSinceNanos != 0 || w.answering != null || w.skippingAnswer ? -1
                    : w.protocol.overdueNanos(now);
            holding = w.inflight.size();
        } finally {
            lock.unlock();
        }
        if (overdue >= 0) {
            long left = startBoundNanos() - overdue;
            if (left <= 0) {
                LOG.warn("{}: {} holds {} task(s) and started none of them for {} ms after it answered the one"
                        + " before; killing it as unresponsive (they run elsewhere)", name, w, holding,
                        TimeUnit.NANOSECONDS.toMillis(overdue));
                stopAndKill(w);
                return;
            }
            next = Math.min(next, left);
        }
        schedule(() -> watch(w), Math.max(next, TimeUnit.MILLISECONDS.toNanos(10)));
    }

    void onHeartbeat(WorkerHandle w) {
        long hard = config.getWorkerMemoryHardLimit();
        WorkerChannel ch = w.channel;
        if (hard <= 0 || ch == null) {
            return;
        }
        long rss = ch.residentBytes().orElse(0);
        if (rss <= hard) {
            return;
        }
        Submission s = w.current;
        LOG.warn("{}: {} uses {} MiB resident memory, over the hard limit of {} MiB; killing it", name, w,
                rss >> 20, hard >> 20);
        if (s == null || !killRunning(w, s, new ResourceLimitException(s.taskId, w.pid, rss, hard))) {
            stopAndKill(w);
        }
    }

    /** What {@link #takeOutOfService} found running, and what to do next. */
    private record OutOfService(Submission running, Actions actions) {
    }

    /**
     * Takes a worker out of service: it gets no more tasks, the task it runs (if any) is detached for the
     * caller to end, and replacements are planned. The tasks it holds unstarted are dealt with at its exit.
     */
    private OutOfService takeOutOfService(WorkerHandle w) {
        lock.lock();
        try {
            Submission s = w.current;
            if (s != null) {
                w.inflight.remove(s);
                detachLocked(w, s);
            }
            stopLocked(w);
            return new OutOfService(s, planLocked());
        } finally {
            lock.unlock();
        }
    }

    /** Takes a worker out of service and kills it (no task outcome involved). */
    private void stopAndKill(WorkerHandle w) {
        OutOfService stopped = takeOutOfService(w);
        Submission s = stopped.running();
        Actions a = stopped.actions();
        if (s != null) {
            // Raced with a task that had just been given to it: the task never produced anything.
            finish(s, null, new WorkerDiedException(s.taskId, w.pid, -1, List.of("killed by the pool")));
        }
        kill(w);
        act(a);
    }

    // ========================================================================================= answers

    /**
     * The header of a task's answer has arrived (see {@link WorkerEvents#answerArriving}). It must answer the
     * task the worker last reported STARTED, else the worker is killed (its running task fails, the tasks it
     * holds run elsewhere) and the body is not read. An answer whose task already has its outcome (a timeout,
     * a cancellation) is skipped unread; one larger than the whole result memory budget fails its task at once
     * and is skipped. Otherwise its size is reserved, waiting for it if need be, before the body is read.
     */
    boolean answerArriving(WorkerHandle w, byte type, long wire, int valueBytes)
            throws ProtocolException, InterruptedException {
        String frame = Protocol.frameName(type);
        String violation;
        Submission s = null;
        Submission tooLarge = null;
        Actions a = null;
        long bytes = 8L + valueBytes;
        lock.lock();
        try {
            violation = w.protocol.answering(frame, wire);
            if (violation == null) {
                s = w.find(wire);
                if (s == null || s.isFinished()) {
                    w.protocol.answered(System.nanoTime());
                    return false; // its outcome was decided: a late answer
                }
                if (bytes > budget.capacity()) {
                    w.protocol.answered(System.nanoTime());
                    tooLarge = s;
                    a = endedLocked(w, s);
                } else {
                    w.answering = s;
                }
            }
        } finally {
            lock.unlock();
        }
        if (violation != null) {
            violation(w, violation);
            throw new ProtocolException(violation);
        }
        if (tooLarge != null) {
            String what = type == Protocol.FRAME_RESULT ? "the result" : "the task's exception";
            finish(tooLarge, null, new ResultTransferException(tooLarge.taskId, w.pid, what + " of " + bytes
                    + " bytes (" + (bytes >> 20) + " MiB) is larger than the parent's result memory budget of "
                    + budget.capacity() + " bytes (" + (budget.capacity() >> 20) + " MiB; PoolConfig"
                    + " resultMemoryBudget, by default a quarter of the parent's maximum heap); its bytes were"
                    + " skipped", null));
            act(a);
            return false;
        }
        ResultMemoryBudget.Reservation r = budget.tryReserve(bytes);
        if (r == null) {
            r = awaitBudget(w, s, bytes);
        }
        w.inTransit = r;
        return true;
    }

    /** Waits for budget; the wait is not the worker's silence, nor its task's running time. */
    private ResultMemoryBudget.Reservation awaitBudget(WorkerHandle w, Submission s, long bytes)
            throws InterruptedException {
        long since = System.nanoTime();
        lock.lock();
        try {
            w.budgetWaitSinceNanos = since;
            s.pausedSinceNanos = since;
        } finally {
            lock.unlock();
        }
        LOG.debug("{}: the answer of {} ({} bytes) waits for the result memory budget ({} of {} bytes in use)", name,
                s, bytes, budget.used(), budget.capacity());
        try {
            return budget.reserve(bytes);
        } finally {
            Actions a = new Actions();
            boolean recheck;
            lock.lock();
            try {
                long now = System.nanoTime();
                w.budgetWaitSinceNanos = 0;
                w.budgetWaitEndedNanos = now;
                s.pausedNanos += now - s.pausedSinceNanos;
                s.pausedSinceNanos = 0;
                s.lastProgressNanos = Math.max(s.lastProgressNanos, now);
                recheck = s.deadlineDue;
                s.deadlineDue = false;
            } finally {
                lock.unlock();
            }
            if (recheck) {
                Duration timeout = s.timeout.get();
                Duration progress = s.progressTimeout.get();
                if (!timeout.isZero()) {
                    schedule(() -> checkDeadline(w, s, timeout), 0);
                }
                if (!progress.isZero()) {
                    schedule(() -> checkProgress(w, s, progress), progress.toNanos());
                }
            }
            act(a);
        }
    }

    /**
     * A task's answer, read whole after {@link #answerArriving} admitted it: the worker is free for its next
     * task at once, and the answer is decoded (here when plain, else by the decoder's threads).
     */
    void onAnswer(WorkerHandle w, Frame frame) {
        ResultMemoryBudget.Reservation r = w.inTransit;
        w.inTransit = null;
        RemoteFailure failure = null;
        if (frame.type() == Protocol.FRAME_ERROR) {
            try {
                failure = ResultDecoder.parseFailure(frame);
            } catch (ProtocolException e) {
                r.release();
                lock.lock();
                try {
                    w.protocol.answered(System.nanoTime());
                    w.answering = null;
                } finally {
                    lock.unlock();
                }
                violation(w, e.getMessage());
                return;
            }
        }
        Submission s;
        Actions a = null;
        lock.lock();
        try {
            w.protocol.answered(System.nanoTime());
            s = w.answering;
            w.answering = null;
            if (s != null && !s.isFinished() && (s.worker == w || s.worker == null)) {
                a = endedLocked(w, s);
            }
        } finally {
            lock.unlock();
        }
        if (a == null) {
            r.release(); // its outcome was decided while its bytes came in
            return;
        }
        a.run();
        if (failure == null) {
            decoder.result(s, w.pid, frame, r);
        } else {
            decoder.failure(s, w.pid, failure, r);
        }
    }

    /**
     * The worker has answered its task: frees the worker (idle, or retired when it is due for replacement)
     * and plans what to do next.
     */
    private Actions endedLocked(WorkerHandle w, Submission s) {
        Actions a = new Actions();
        boolean wasRunning = w.current == s;
        w.inflight.remove(s);
        if (wasRunning) {
            detachLocked(w, s);
        } else {
            s.worker = null;
        }
        w.lastEndedTaskId = s.taskId;
        w.tasksProcessed++;
        if (wasRunning) {
            long ran = System.nanoTime() - s.startedNanos;
            w.averageRunNanos = w.averageRunNanos == 0 ? Math.max(1, ran) : Math.max(1, (7 * w.averageRunNanos + ran) / 8);
        }
        if (config.getMaxTasksPerWorker() > 0 && w.tasksProcessed >= config.getMaxTasksPerWorker()
                || !w.draining && overMemoryLimit(w)) {
            w.draining = true;
        }
        if (w.state == WorkerState.WORKING && w.inflight.isEmpty()) {
            if (w.draining) {
                retireLocked(w, a);
            } else if (state != RunState.TERMINATED) {
                becomeIdleLocked(w);
            }
        }
        a.addAll(planLocked());
        notFull.signalAll(); // a held task moved up to run: one fewer waits
        changed.signalAll();
        return a;
    }

    /**
     * Ends a running task with {@code outcome} and kills its worker (deadline, progress timeout, silence,
     * memory). False if the task was no longer running on that worker. Tasks the worker held but had not
     * started are dealt with when it has exited and every frame it sent has been read.
     */
    private boolean killRunning(WorkerHandle w, Submission s, TaskException outcome) {
        Actions a;
        lock.lock();
        try {
            if (w.current != s) {
                return false;
            }
            w.inflight.remove(s);
            detachLocked(w, s);
            stopLocked(w);
            a = planLocked();
        } finally {
            lock.unlock();
        }
        finish(s, null, outcome); // the outcome first: the kill may take a while, on a reaper thread
        kill(w);
        act(a);
        return true;
    }

    /**
     * The worker broke the protocol (found by the pool from a frame's place in it): it is killed, its running
     * task fails with a ResultTransferException, the tasks it holds go back to the queue when it has exited.
     */
    private void violation(WorkerHandle w, String reason) {
        onChannelBroken(w, reason);
        kill(w);
    }

    void onChannelBroken(WorkerHandle w, String reason) {
        OutOfService stopped = takeOutOfService(w);
        Submission s = stopped.running();
        Actions a = stopped.actions();
        LOG.warn("{}: {} broke the protocol: {}", name, w, reason);
        if (s != null) {
            finish(s, null, new ResultTransferException(s.taskId, w.pid, "worker " + w.pid
                    + " broke the protocol and was killed: " + reason, null));
        }
        act(a);
    }

    /**
     * The worker's process is gone and every frame it sent has been read. The task it had started ends with
     * a {@link WorkerDiedException}; the tasks it held but never started go back to the head of the queue,
     * in order: they did not run, so they run elsewhere.
     */
    void onExited(WorkerHandle w, int exitCode, List<String> stderrTail) {
        Submission s;
        Actions a;
        boolean unexpected;
        int requeued = 0;
        List<Submission> given = null;
        List<Submission> startFailures;
        ResultMemoryBudget.Reservation lost = w.inTransit;
        w.inTransit = null;
        if (lost != null) {
            lost.release(); // its body never came whole
        }
        lock.lock();
        try {
            s = w.current;
            if (s != null) {
                w.inflight.remove(s);
                detachLocked(w, s);
            }
            w.outbox.clear();
            for (Submission held; (held = w.inflight.pollLast()) != null; ) {
                held.worker = null;
                if (held.isFinished()) {
                    continue;
                }
                // Only deaths the pool did not cause count: a worker killed for another task's timeout, a
                // cancellation or silence says nothing about the tasks it held.
                if (!w.stopIntended && ++held.handBacks > MAX_HAND_BACKS) {
                    // Every worker it was given to died before starting it: it may be what kills them.
                    if (given == null) {
                        given = new ArrayList<>();
                    }
                    given.add(held);
                } else {
                    pending.addFirst(held);
                    requeued++;
                }
            }
            unexpected = !w.stopIntended;
            markDeadLocked(w);
            startFailures = failWaitingIfGivenUpLocked();
            a = planLocked();
        } finally {
            lock.unlock();
        }
        finishStartFailures(startFailures);
        if (s != null) {
            WorkerDiedException died = new WorkerDiedException(s.taskId, w.pid, exitCode, stderrTail);
            LOG.warn("{}: {}", name, died.getMessage());
            finish(s, null, died);
        } else if (unexpected) {
            LOG.warn("{}: idle worker {} (pid {}) died with exit code {}", name, w.number, w.pid, exitCode);
        } else {
            LOG.debug("{}: worker {} (pid {}) exited with code {}", name, w.number, w.pid, exitCode);
        }
        if (requeued > 0) {
            LOG.info("{}: {} task(s) that worker {} held but had not started were queued again", name, requeued,
                    w.number);
        }
        if (given != null) {
            for (Submission held : given) {
                List<String> why = new ArrayList<>(stderrTail);
                why.add("(given to " + held.handBacks + " workers in turn, each of which died before starting it)");
                finish(held, null, new WorkerDiedException(held.taskId, w.pid, exitCode, why));
            }
        }
        a.run();
    }

    void onOutput(WorkerHandle w, WorkerOutputListener.Stream stream, String line, String taskId) {
        WorkerOutputListener listener = config.getOutputListener();
        if (listener != null) {
            listener.onLine(w.pid, taskId, stream, line);
        } else if (stream == WorkerOutputListener.Stream.STDOUT) {
            OUTPUT_LOG.info("[worker {} task {}] {}", w.pid, taskId == null ? "-" : taskId, line);
        } else {
            OUTPUT_LOG.warn("[worker {} task {} stderr] {}", w.pid, taskId == null ? "-" : taskId, line);
        }
    }

    // =================================================================================== state helpers

    private void detachLocked(WorkerHandle w, Submission s) {
        w.current = null;
        s.worker = null;
        if (s.deadline != null) {
            s.deadline.cancel(false);
            s.deadline = null;
        }
        if (s.progressCheck != null) {
            s.progressCheck.cancel(false);
            s.progressCheck = null;
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
            LOG.info("{}: {} uses {} MiB resident memory, over the limit of {} MiB; replacing it", name, w,
                    rss >> 20, soft >> 20);
            return true;
        }
        return false;
    }

    private void becomeIdleLocked(WorkerHandle w) {
        w.state = WorkerState.IDLE;
        w.idleSinceNanos = System.nanoTime();
        idle.addFirst(w);
        if (!w.idleCheckScheduled) {
            w.idleCheckScheduled = true;
            schedule(() -> idleCheck(w), config.getIdleTimeout().toNanos());
        }
    }

    private void idleCheck(WorkerHandle w) {
        Actions a = new Actions();
        lock.lock();
        try {
            w.idleCheckScheduled = false;
            if (w.state != WorkerState.IDLE) {
                return;
            }
            long idleFor = System.nanoTime() - w.idleSinceNanos;
            long timeout = config.getIdleTimeout().toNanos();
            if (idleFor < timeout) {
                w.idleCheckScheduled = true;
                schedule(() -> idleCheck(w), timeout - idleFor);
                return;
            }
            if (!config.isKeepProcessesRunning() || activeCount() > config.getMinSize()) {
                LOG.debug("{}: retiring {} after {} ms idle", name, w, TimeUnit.NANOSECONDS.toMillis(idleFor));
                retireLocked(w, a);
            }
        } finally {
            lock.unlock();
        }
        act(a);
    }

    /** Asks a worker to exit when the pool no longer needs it. */
    private void retireLocked(WorkerHandle w, Actions a) {
        idle.remove(w);
        w.stopIntended = true;
        w.state = WorkerState.STOPPING;
        a.addShutdown(w);
        changed.signalAll();
    }

    /** Takes a worker out of service before killing it. */
    private void stopLocked(WorkerHandle w) {
        idle.remove(w);
        w.stopIntended = true;
        if (w.state != WorkerState.DEAD) {
            w.state = WorkerState.STOPPING;
        }
        changed.signalAll();
    }

    private void markDeadLocked(WorkerHandle w) {
        idle.remove(w);
        workers.remove(w);
        w.state = WorkerState.DEAD;
        changed.signalAll();
    }

    /** Sends a stop request; kills the worker if it is still alive after the termination grace. */
    private void politelyStop(WorkerHandle w) {
        WorkerChannel ch = w.channel;
        if (ch == null) {
            return; // still starting: launch() sends the request when the handshake completes
        }
        ch.requestShutdown();
        schedule(() -> {
            if (ch.isAlive()) {
                LOG.debug("{}: {} ignored the stop request; killing it", name, w);
                offload(ch::kill);
            }
        }, Math.max(config.getTerminationGrace().toNanos(), TimeUnit.MILLISECONDS.toNanos(500)));
    }

    private java.util.concurrent.ScheduledFuture<?> schedule(Runnable r, long delayNanos) {
        try {
            return timer.schedule(() -> {
                try {
                    r.run();
                } catch (Throwable e) {
                    ResultDelivery.logQuietly(() -> LOG.error("{}: internal timer task failed", name, e));
                }
            }, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException terminated) {
            return null;
        }
    }

    /** Reports a task's outcome once. */
    private boolean finish(Submission s, Object value, TaskException failure) {
        if (!s.markFinished()) {
            return false;
        }
        delivery.completed(s, value, failure);
        return true;
    }

    // ========================================================================================= getters

    public int numWorking() {
        return read(() -> countLocked(WorkerState.WORKING));
    }

    public int numIdle() {
        return read(idle::size);
    }

    /** Worker processes alive or being launched (stopping ones included). */
    public int numProcesses() {
        return read(workers::size);
    }

    /** Tasks waiting to run: queued, or held by a worker behind the task it runs. */
    public int numPending() {
        return read(this::waitingLocked);
    }

    public boolean isFull() {
        return read(this::isFullLocked);
    }

    public List<WorkingProcess> workers() {
        return read(() -> List.copyOf(workers));
    }

    public RunState runState() {
        return read(() -> state);
    }

    private <T> T read(java.util.function.Supplier<T> reader) {
        lock.lock();
        try {
            return reader.get();
        } finally {
            lock.unlock();
        }
    }

    private int countLocked(WorkerState wanted) {
        int n = 0;
        for (WorkerHandle w : workers) {
            if (w.state == wanted) {
                n++;
            }
        }
        return n;
    }

    // ==================================================================================== life cycle

    /** Stops dispatching; running tasks go on. Queued tasks stay queued. */
    public void pause() {
        lock.lock();
        try {
            if (state == RunState.RUNNING) {
                state = RunState.STOPPED;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Resumes after {@link #pause()}: starts the minimum and dispatches what waits. Also makes a pool that
     * gave up starting workers try again.
     */
    public boolean resume() {
        Actions a;
        lock.lock();
        try {
            if (launchGivenUp) {
                launchGivenUp = false;
                consecutiveStartFailures = 0;
                sameStartErrors = 0;
                lastStartErrorKey = null;
                launchNotBeforeNanos = 0;
                LOG.info("{}: tries again to start workers", name);
            }
            if (state != RunState.STOPPED && state != RunState.RUNNING) {
                return false;
            }
            state = RunState.RUNNING;
            a = planLocked();
        } finally {
            lock.unlock();
        }
        a.run();
        return true;
    }

    /** Stops accepting tasks; queued ones still run. */
    public void beginShutdown() {
        Actions a;
        lock.lock();
        try {
            if (state == RunState.RUNNING || state == RunState.STOPPED) {
                state = RunState.SHUTTING_DOWN;
            }
            notFull.signalAll();
            a = planLocked();
        } finally {
            lock.unlock();
        }
        a.run();
    }

    /** Waits until at least {@code count} workers are ready (idle or working), or the deadline passes. */
    public boolean awaitReady(int count, long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (countLocked(WorkerState.IDLE) + countLocked(WorkerState.WORKING) < count) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0 || state == RunState.TERMINATED) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no worker is running a task, or the deadline passes. */
    public boolean awaitNoneWorking(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (countLocked(WorkerState.WORKING) > 0) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops every worker: idle ones politely, busy ones (their tasks cancelled with {@code reason}) with
     * SIGTERM, and whatever is left after the termination grace with SIGKILL. Cancels waiting tasks too when
     * {@code cancelPending}. Returns when every worker process has exited.
     *
     * @return the number of tasks cancelled
     */
    public int stopWorkers(String reason, boolean cancelPending) throws InterruptedException {
        List<Submission> cancelled = new ArrayList<>();
        List<Long> cancelledPids = new ArrayList<>();
        List<WorkerHandle> polite = new ArrayList<>();
        List<WorkerHandle> forced = new ArrayList<>();
        lock.lock();
        try {
            if (cancelPending) {
                for (Submission s : pending) {
                    cancelled.add(s);
                    cancelledPids.add(-1L);
                }
                pending.clear();
                notFull.signalAll();
            }
            for (WorkerHandle w : new ArrayList<>(workers)) {
                Submission s = w.current;
                if (s != null) {
                    detachLocked(w, s);
                }
                if (!w.inflight.isEmpty()) {
                    for (Submission held; (held = w.inflight.pollFirst()) != null; ) {
                        held.worker = null;
                        cancelled.add(held);
                        cancelledPids.add(w.pid);
                    }
                    w.outbox.clear();
                    stopLocked(w);
                    forced.add(w);
                } else if (w.state != WorkerState.STOPPING && w.state != WorkerState.DEAD) {
                    boolean starting = w.state == WorkerState.STARTING;
                    idle.remove(w);
                    w.stopIntended = true;
                    w.state = WorkerState.STOPPING;
                    if (!starting) {
                        polite.add(w);
                    }
                } else if (w.state == WorkerState.STOPPING && w.channel != null) {
                    polite.add(w);
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < cancelled.size(); i++) {
            Submission s = cancelled.get(i);
            finish(s, null, new TaskCancelledException(s.taskId, cancelledPids.get(i), reason));
        }
        if (cancelPending) {
            // answers still being decoded: their tasks ended in their workers, but the pool is going
            decoder.cancelAll(s -> new TaskCancelledException(s.taskId, s.workerPid, reason));
        }
        for (WorkerHandle w : polite) {
            w.channel.requestShutdown();
        }
        for (WorkerHandle w : forced) {
            if (w.channel != null) {
                w.channel.terminate();
            }
        }
        long graceDeadline = System.nanoTime() + Math.max(config.getTerminationGrace().toNanos(),
                TimeUnit.MILLISECONDS.toNanos(100));
        if (!awaitNoWorkers(graceDeadline)) {
            for (WorkingProcess w : workers()) {
                WorkerChannel ch = ((WorkerHandle) w).channel;
                if (ch != null) {
                    ch.kill();
                }
            }
            transport.killAll(); // workers still starting have no channel yet
            awaitNoWorkers(System.nanoTime() + config.getWorkerStartTimeout().toNanos()
                    + TimeUnit.SECONDS.toNanos(5));
        }
        return cancelled.size();
    }

    private boolean awaitNoWorkers(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (!workers.isEmpty()) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                changed.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Final step of shutdown: no more timers or launches; the transport kills anything left. */
    public void terminate() {
        lock.lock();
        try {
            state = RunState.TERMINATED;
            notFull.signalAll();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        timer.shutdownNow();
        launcher.shutdownNow();
        decoder.shutdown();
        reaper.shutdown(); // kills under way finish; the transport's close kills whatever is left
        transport.close();
    }

    /** Kills every worker at once, without waiting (JVM shutdown hook). */
    public void killAllNow() {
        for (WorkingProcess w : workers()) {
            WorkerChannel ch = ((WorkerHandle) w).channel;
            if (ch != null) {
                ch.kill();
            }
        }
        transport.close();
    }
}
