package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.TaskException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.internal.EngineListener.Outcome;
import dev.processpool.internal.EngineListener.WorkerEnd;
import dev.processpool.logging.Logs;
import dev.processpool.transport.WorkerTransport;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The scheduler's state and its transitions: the bounded queue of waiting tasks, the set of workers, the
 * plan (which task goes to which worker, which workers to start or stop), task completion, worker exit and
 * the pool's run state. Everything is event-driven: a task is dispatched when it is queued or when a worker
 * becomes free, a timer fires ({@link Watchdog}), a worker reports ({@link TaskTraffic}, {@link Answers}) or
 * exits. Starting workers is the {@link Launcher}'s job, ending them the {@link Stopper}'s, running a failed
 * task again (or splitting it into its items) the {@link Attempts}'.
 *
 * <p>Locking: {@link #lock} guards the queue, the workers' states and every field marked as guarded by the
 * engine's lock, here and in the parts. It is never held while talking to a worker, running user code or
 * waiting for a process: methods decide under the lock and collect what to do in an {@link Actions}, which
 * runs after the lock is released. A producer waiting for a queue slot waits on a condition of that lock
 * ({@link TaskQueue}), which releases it. A worker's state changes only through {@link WorkerSet#move}.
 *
 * <p>Passed in from outside: the transport that reaches workers, the {@link Scheduler} (clock, timer and
 * threads; the engine owns it and shuts it down), and the {@link EngineListener} that hears every transition.
 */
public final class PoolEngine {

    /** The pool's logger, for the engine and its parts. */
    static final Logger LOG = Logs.logger("dev.processpool.ProcessPool", Level.WARN);
    private static final long PIPELINE_TASK_NANOS = TimeUnit.MILLISECONDS.toNanos(Tuning.PIPELINE_TASK_MILLIS);

    /** The pool's run state. */
    public enum RunState { RUNNING, STOPPED, SHUTTING_DOWN, TERMINATED }

    final String name;
    final PoolConfig config;
    final WorkerTransport transport;
    final Scheduler clock;
    /** Where the engine's transitions are reported. */
    final Events events;
    private final ResultDelivery delivery;

    final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a worker's state changes. */
    final Condition changed = lock.newCondition();
    /** Workers starting, alive or stopping, until their exit. Guarded by the lock. */
    final WorkerSet workers = new WorkerSet(this);
    /** Tasks waiting for a worker, in order. Guarded by the lock. */
    final TaskQueue pending;
    /** Guarded by the lock. */
    RunState state = RunState.RUNNING;
    /** The pool is cancelling what is left (shutdown's end): a failed attempt is final. Guarded by the lock. */
    boolean retriesOver;
    private final WireNumbers wires = new WireNumbers();

    final Launcher launcher;
    final Watchdog watchdog;
    final TaskTraffic traffic;
    final Answers answers;
    final Stopper stopper;
    final Attempts attempts;

    /**
     * An engine, idle until {@link #start()}.
     *
     * @param name         the pool's name, for threads and logs
     * @param config       the pool's configuration
     * @param transport    how workers are reached
     * @param clock        the engine's time and threads (the engine shuts it down at {@link #terminate()})
     * @param delivery     where outcomes go
     * @param resultLoader the class loader results are decoded with
     * @param listener     who hears the engine's transitions, or {@link EngineListener#NONE}
     */
    public PoolEngine(String name, PoolConfig config, WorkerTransport transport, Scheduler clock,
                      ResultDelivery delivery, ClassLoader resultLoader, EngineListener listener) {
        this.name = name;
        this.config = config;
        this.transport = transport;
        this.clock = clock;
        this.delivery = delivery;
        delivery.pool = name;
        this.events = new Events(name, listener);
        this.pending = new TaskQueue(lock, config.getMaxQueuedRequests(), workers);
        this.launcher = new Launcher(this);
        this.watchdog = new Watchdog(this);
        this.traffic = new TaskTraffic(this);
        this.stopper = new Stopper(this);
        this.attempts = new Attempts(this);
        this.answers = new Answers(this, new ResultMemoryBudget(config.getResultMemoryBudget()),
                new ResultDecoder(name, config, resultLoader, clock, this::finish, events));
    }

    /** Starts the minimum number of workers. */
    public void start() {
        Actions a = new Actions(this);
        lock.lock();
        try {
            while (workers.active() < config.getMinSize() && launcher.mayLaunchLocked()) {
                a.addLaunch(workers.add());
            }
        } finally {
            lock.unlock();
        }
        a.run();
    }

    // ======================================================================================= submission

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
            if (launcher.givenUpLocked() && workers.active() == 0) {
                // no worker can run it, and none will be started: it ends at once
                acceptLocked(s);
                TaskException failure = launcher.startFailure(s.taskId);
                lock.unlock();
                try {
                    finish(s, null, failure);
                } finally {
                    lock.lock();
                }
                return true;
            }
            if (!pending.awaitSlot(blocking, maxWaitNanos, () -> checkAcceptingLocked(s))) {
                return false;
            }
            acceptLocked(s);
            pending.add(s);
            a = planLocked();
        } finally {
            lock.unlock();
        }
        a.run();
        return true;
    }

    private void acceptLocked(Submission s) {
        delivery.track(s);
        if (events.on()) {
            s.queuedNanos = clock.nanoTime();
            events.emit(l -> l.taskQueued(s.taskId, s.sequence));
        }
    }

    private void checkAcceptingLocked(Submission s) {
        if (state == RunState.SHUTTING_DOWN || state == RunState.TERMINATED) {
            throw new RejectedExecutionException("pool " + name + " is " + (state == RunState.TERMINATED
                    ? "shut down" : "shutting down") + ": task " + s.taskId + " was not queued");
        }
    }

    /**
     * Cancels a task that is waiting or running; false if it already has an outcome (see
     * {@link TaskTraffic#cancel}).
     */
    public boolean cancel(Submission s, String reason) {
        return attempts.cancel(s, reason);
    }

    // ========================================================================================= planning

    /**
     * Gives waiting tasks to idle workers, starts workers as needed, keeps the minimum alive, and pipelines:
     * when tasks still wait, a worker whose recent tasks were short ({@value Tuning#PIPELINE_TASK_MILLIS} ms on
     * average) may hold up to {@code pipelineDepth} tasks, so it never waits for the parent between two of
     * them. It is topped up only once it is down to half its depth, and then to the full depth: its next tasks
     * go out in one write, and it reads them in one, instead of one each.
     */
    Actions planLocked() {
        Actions a = new Actions(this);
        if (state == RunState.RUNNING || state == RunState.SHUTTING_DOWN) {
            boolean dispatched = false;
            while (!pending.isEmpty() && workers.idleCount() > 0) {
                assignLocked(workers.firstIdle(), pending.poll(), a);
                dispatched = true;
            }
            for (int want = pending.size() - workers.count(WorkerState.STARTING); want > 0 && launcher.mayLaunchLocked(); want--) {
                a.addLaunch(workers.add());
            }
            int depth = config.getPipelineDepth();
            boolean[] topUp = new boolean[workers.size()];
            for (int i = 0; i < topUp.length; i++) {
                topUp[i] = workers.get(i).inflight.size() <= depth / 2;
            }
            for (int round = 1; round < depth && !pending.isEmpty(); round++) {
                for (int i = 0; i < workers.size() && !pending.isEmpty(); i++) {
                    WorkerHandle w = workers.get(i);
                    if (topUp[i] && canPipelineLocked(w)) {
                        assignLocked(w, pending.poll(), a);
                        dispatched = true;
                    }
                }
            }
            if (dispatched) {
                pending.slotsFreed();
            }
        }
        if (state == RunState.RUNNING && config.isKeepProcessesRunning()) {
            while (workers.active() < config.getMinSize() && launcher.mayLaunchLocked()) {
                a.addLaunch(workers.add());
            }
        }
        return a;
    }

    private void assignLocked(WorkerHandle w, Submission s, Actions a) {
        moveLocked(w, WorkerState.WORKING, null);
        w.inflight.addLast(s);
        s.wire = wires.next(s.sequence);
        w.protocol.sent(s.wire, clock.nanoTime());
        w.given(s);
        s.worker = w;
        s.workerPid = w.pid;
        a.addSend(w, s);
        if (w.inflight.size() > 1) {
            watchdog.armReclaimSweepLocked();
        }
    }

    private boolean canPipelineLocked(WorkerHandle w) {
        Submission running = w.current;
        return w.state == WorkerState.WORKING && !w.draining
                && w.inflight.size() < config.getPipelineDepth()
                && w.averageRunNanos > 0 && w.averageRunNanos < PIPELINE_TASK_NANOS
                // not behind a task that has already run long: the next one would wait behind it
                && (running == null || clock.nanoTime() - running.startedNanos < PIPELINE_TASK_NANOS)
                && (config.getMaxTasksPerWorker() == 0
                    || w.tasksProcessed + w.inflight.size() < config.getMaxTasksPerWorker());
    }

    // ================================================================================ task completion

    /**
     * The worker has answered its task: frees the worker (idle, or retired when the {@link Watchdog} finds it
     * due for replacement) and plans what to do next.
     */
    Actions endedLocked(WorkerHandle w, Submission s) {
        Actions a = new Actions(this);
        boolean wasRunning = w.current == s;
        w.inflight.remove(s);
        if (wasRunning) {
            w.detach(s);
        } else {
            s.worker = null;
        }
        w.lastEndedTaskId = s.taskId;
        w.tasksProcessed++;
        if (wasRunning) {
            long ran = clock.nanoTime() - s.startedNanos;
            w.averageRunNanos = w.averageRunNanos == 0 ? Math.max(1, ran) : Math.max(1, (7 * w.averageRunNanos + ran) / 8);
        }
        watchdog.afterTaskLocked(w);
        if (w.state == WorkerState.WORKING && w.inflight.isEmpty()) {
            if (w.draining) {
                retireLocked(w, a, w.drainCause);
            } else if (state != RunState.TERMINATED) {
                moveLocked(w, WorkerState.IDLE, null);
            }
        }
        a.addAll(planLocked());
        pending.slotsFreed(); // a held task moved up to run: one fewer waits
        changed.signalAll();
        return a;
    }

    /**
     * Reports a task's outcome, once: false if it had one already. A failure that the task may be retried for
     * (see {@link Submission#retries}) is not an outcome while attempts are left: the task goes back to the
     * head of the queue, to run on another worker, and nobody is told. After the last attempt the outcome
     * carries the attempts before it. Whether a failure runs again is the {@link Attempts}' decision.
     */
    boolean finish(Submission s, Object value, TaskException failure) {
        if (failure != null && attempts.runAgain(s, failure)) {
            return true;
        }
        if (!s.markFinished()) {
            return false;
        }
        if (failure != null) {
            attempts.failed(s, failure);
        }
        if (events.on()) {
            long now = clock.nanoTime();
            long started = s.startedNanos;
            long ran = started == 0 ? 0 : now - started;
            long waited = s.queuedNanos == Submission.UNSTAMPED ? -1 : (started == 0 ? now : started) - s.queuedNanos;
            events.emit(l -> l.taskEnded(s.taskId, Outcome.of(failure), waited, ran, s.workerPid));
        }
        if (s.partOf != null) {
            s.partOf.ended(this, s, value, failure);
        } else {
            delivery.completed(s, value, failure);
        }
        return true;
    }

    // ===================================================================================== worker exit

    /**
     * The worker's process is gone and every frame it sent has been read. The task it had started ends with
     * a {@link WorkerDiedException}; the tasks it held but never started go back to the head of the queue,
     * in order: they did not run, so they run elsewhere. One whose workers died before starting it more than
     * {@value Tuning#MAX_HAND_BACKS} times ends with their death instead: it may be what kills them.
     */
    void onExited(WorkerHandle w, int exitCode, List<String> stderrTail) {
        Submission s;
        Actions a;
        boolean unexpected;
        int requeued;
        List<Submission> given = new ArrayList<>(0);
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
                w.detach(s);
            }
            w.outbox.clear();
            requeued = attempts.handBackLocked(w, given);
            unexpected = !w.stopIntended;
            w.exitCode = exitCode;
            moveLocked(w, WorkerState.DEAD, exitCode > 128 && exitCode < 128 + 65 ? WorkerEnd.SIGNALLED : WorkerEnd.EXITED);
            startFailures = launcher.failWaitingIfGivenUpLocked();
            a = planLocked();
        } finally {
            lock.unlock();
        }
        launcher.finishStartFailures(startFailures);
        if (s != null) {
            WorkerDiedException died = w.died(s.taskId, exitCode, stderrTail);
            LOG.warn("{}: {}", name, died.getMessage());
            finish(s, null, died);
        } else if (unexpected) {
            LOG.warn("{}: idle worker {} (pid {}) died with exit code {}", name, w.number, w.pid, exitCode);
        } else {
            LOG.debug("{}: worker {} (pid {}) exited with code {}", name, w.number, w.pid, exitCode);
        }
        attempts.handedBack(w, requeued, given, exitCode, stderrTail);
        a.run();
    }

    // =================================================================================== state changes

    /** Changes a worker's state: the one place where that happens (see {@link WorkerSet#move}). */
    void moveLocked(WorkerHandle w, WorkerState to, WorkerEnd cause) {
        workers.move(w, to, cause);
    }

    /** Asks a worker to exit when the pool no longer needs it. */
    void retireLocked(WorkerHandle w, Actions a, WorkerEnd why) {
        moveLocked(w, WorkerState.STOPPING, why);
        a.addShutdown(w);
    }

    /** Takes a worker out of service before killing it. */
    void stopLocked(WorkerHandle w, WorkerEnd why) {
        moveLocked(w, WorkerState.STOPPING, why);
    }

    // ========================================================================================== helpers

    /**
     * Adds a listener to the engine's events, besides the one it was made with: it hears the transitions from
     * the next one on (a task queued before it was added may end without having been queued for it), under
     * the rules of {@link EngineListener}.
     */
    public void addListener(EngineListener listener) {
        events.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** Removes a listener added with {@link #addListener}; false if it was not there. */
    public boolean removeListener(EngineListener listener) {
        return events.remove(listener);
    }

    /** Runs the actions: on the timer thread, on a reaper thread instead (they may write to channels). */
    void act(Actions a) {
        if (clock.isTimerThread()) {
            if (!a.isEmpty()) {
                clock.offload(a::run);
            }
        } else {
            a.run();
        }
    }

    Scheduler.Timer schedule(Runnable r, long delayNanos) {
        return clock.schedule(r, delayNanos);
    }

    // ========================================================================================== getters

    public int numWorking() {
        return read(() -> workers.count(WorkerState.WORKING));
    }

    public int numIdle() {
        return read(workers::idleCount);
    }

    /** Worker processes alive or being launched (stopping ones included). */
    public int numProcesses() {
        return read(workers::size);
    }

    /** Tasks waiting to run: queued, or held by a worker behind the task it runs. */
    public int numPending() {
        return read(pending::waiting);
    }

    public boolean isFull() {
        return read(pending::isFull);
    }

    public List<WorkingProcess> workers() {
        return read(() -> List.copyOf(workers.snapshot()));
    }

    /**
     * Why tasks wait without a worker being started for them, when the pool's memory budget is the reason;
     * null otherwise.
     */
    public String startHold() {
        return read(launcher::startHoldLocked);
    }

    public RunState runState() {
        return read(() -> state);
    }

    private <T> T read(Supplier<T> reader) {
        lock.lock();
        try {
            return reader.get();
        } finally {
            lock.unlock();
        }
    }

    // ======================================================================================= life cycle

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
            launcher.resumeLocked();
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
            pending.slotsFreed();
            a = planLocked();
        } finally {
            lock.unlock();
        }
        a.run();
    }

    /**
     * Waits until at least {@code count} workers are ready (idle or working), or the deadline passes, or the
     * pool is terminated.
     */
    public boolean awaitReady(int count, long deadlineNanos) throws InterruptedException {
        return workers.await(() -> workers.count(WorkerState.IDLE) + workers.count(WorkerState.WORKING) >= count,
                deadlineNanos, true);
    }

    /** Waits until no worker is running a task, or the deadline passes. */
    public boolean awaitNoneWorking(long deadlineNanos) throws InterruptedException {
        return workers.await(() -> workers.count(WorkerState.WORKING) == 0, deadlineNanos, false);
    }

    /** See {@link Stopper#stopWorkers}. */
    public int stopWorkers(String reason, boolean cancelPending) throws InterruptedException {
        return stopper.stopWorkers(reason, cancelPending);
    }

    /** Final step of shutdown: no more timers or launches; the transport kills anything left. */
    public void terminate() {
        lock.lock();
        try {
            state = RunState.TERMINATED;
            pending.slotsFreed();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        clock.shutdown();
        answers.decoder.shutdown();
        transport.close();
    }

    /** Kills every worker at once, without waiting (JVM shutdown hook). */
    public void killAllNow() {
        stopper.killAllNow(true);
    }
}
