package dev.processpool;

import dev.processpool.internal.EngineListener;
import dev.processpool.internal.Engines;
import dev.processpool.internal.LogContext;
import dev.processpool.internal.PoolEngine;
import dev.processpool.internal.ResultDelivery;
import dev.processpool.internal.ThreadScheduler;
import dev.processpool.internal.Tuning;
import dev.processpool.logging.Logs;
import dev.processpool.transport.LocalJvmTransport;
import dev.processpool.transport.WorkerTransport;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs Java tasks in a pool of worker JVMs (child processes) fed from a bounded queue: the Java counterpart
 * of DIRAC's {@code ProcessPool}. Each task runs in a separate process, so it can be killed at its deadline,
 * can crash the JVM or exhaust its heap without harming the caller, and gets the pool's heap cap and JVM
 * options.
 *
 * <h2>Sizing</h2>
 * A pool keeps between {@code minSize} and {@code maxSize} worker processes (see {@link PoolConfig}). The
 * {@code minSize} workers are started by the constructor and replaced whenever one dies, even with no task
 * queued. When a task is queued and no worker is idle, the pool starts another worker, up to
 * {@code maxSize}; a worker that has been idle for {@code idleTimeout} while more than {@code minSize} are
 * alive stops again. With {@code keepProcessesRunning = false} even the minimum may idle out; workers are
 * then started again on demand. {@code maxSize = 0} means "the same as {@code minSize}".
 *
 * <p>With {@code strictLimits} (the default) there are never more than {@code maxSize} worker processes
 * alive, counting one that is being killed: its replacement is launched once it has exited. Without it a
 * replacement may start while the old process is still going away, briefly over-committing by the number of
 * workers being killed, which replaces faster.
 *
 * <h2>Queuing</h2>
 * Tasks wait in a FIFO queue for an idle worker. {@code maxQueuedRequests} bounds the number of waiting
 * tasks (running ones do not count); {@code <= 0} means unbounded. On a full queue a <em>blocking</em>
 * {@link #queueTask(ProcessTask) queueTask} waits for a slot (optionally up to a time limit), while a
 * non-blocking one returns {@code false} at once and queues nothing. A waiting producer holds no lock that
 * getters, result processing or other producers need. Arguments are serialised in the caller's thread when
 * the task is queued, so a task that cannot be serialised is refused there, with an
 * {@link IllegalArgumentException} naming the class.
 *
 * <p>Short tasks are <em>pipelined</em>: while tasks wait, a worker whose recent tasks took under
 * {@value Tuning#PIPELINE_TASK_MILLIS} ms may
 * be handed up to {@code pipelineDepth} of them at once (topped up when it is down to half), so it starts
 * the next as soon as it has sent a result instead of waiting a round trip for it. Such held tasks still count as waiting (for
 * {@code maxQueuedRequests} and the getters); a worker that dies or is killed before starting them, or
 * whose running task turns out long ({@value Tuning#RECLAIM_AFTER_MILLIS} ms), gives them back, and they run
 * elsewhere, in order.
 *
 * <h2>Timeouts</h2>
 * A task's timeout is measured from the moment its worker starts executing it, with the precision given.
 * It is enforced by the parent: at the deadline the worker's whole process tree is killed, the task ends
 * with a {@link TaskTimeoutException} (through the <em>exception</em> path) and a replacement worker is
 * started if one is needed. Zero means no timeout.
 *
 * <h2>Outcomes and callbacks</h2>
 * Every accepted task ends in exactly one outcome: a result (any serialisable value, {@code null} included)
 * or a {@link TaskException}: the task threw ({@link TaskExecutionException}, with the remote type, message,
 * cause chain and stack trace), timed out, its worker died ({@link WorkerDiedException}, with pid, exit code
 * or signal and the worker's last stderr lines), it was cancelled, its result could not be transferred, or
 * no worker could be started. A worker's death affects only the task it was running.
 *
 * <p>The outcome completes the task's {@link ProcessTask#future() future} at once. Callbacks run later,
 * in the thread that calls {@link #processResults()} or {@link #processAllResults(Duration)}, or in the
 * pool's daemon thread after {@link #daemonize()}; never two at once for one pool. For each task, in order:
 * its own {@link ResultCallback} or {@link ExceptionCallback}, then, for tasks queued with
 * {@code usePoolCallbacks}, the pool's. Anything a callback throws (an {@code Error}, or a checked exception
 * thrown undeclared) is logged and does not stop result processing, nor the daemon thread; a callback may
 * queue tasks and call getters. Dependent stages added to a task's future with the non-async methods run in
 * the pool's thread that completes it: give slow ones an executor.
 *
 * <h2>Life cycle</h2>
 * <ul>
 *   <li><b>running</b>: from construction; tasks are accepted and dispatched.</li>
 *   <li><b>stopped</b>: {@link #stopProcessing(Duration)} stops dispatching, lets running tasks finish (up
 *       to the timeout, then cancels them and kills their workers) and stops every worker. Tasks may still
 *       be queued; {@link #startProcessing()} starts the workers again and runs what is waiting.</li>
 *   <li><b>shutting down</b>: {@link #shutdown(Duration)} (DIRAC's {@code finalize}) stops accepting
 *       tasks (later submissions throw {@link RejectedExecutionException}), runs what is queued, delivers
 *       all callbacks, asks idle workers to exit, and when the timeout has passed cancels what is left and
 *       ends the workers with SIGTERM, then SIGKILL after the termination grace.</li>
 *   <li><b>terminated</b>: when {@code shutdown} returns, no process of the pool is alive.</li>
 * </ul>
 * {@link #close()} is {@code shutdown({@value Tuning#CLOSE_TIMEOUT_SECONDS} s)}, for try-with-resources. Workers also exit by themselves
 * within moments when the parent JVM dies, even by SIGKILL: their channel reaches end-of-file, and they watch
 * their parent pid as well.
 *
 * <h2>Worker processes</h2>
 * Workers are child JVMs started with the configured java executable, class path (by default this JVM's)
 * and JVM options (by default a 256 MiB heap cap with the serial collector). Each has its own private
 * channel, a Unix domain socket, so a dead worker cannot block the others; its stdout and stderr are free
 * for task code and are passed, line by line and tagged with worker and task, to the
 * {@link WorkerOutputListener} (by default the log). {@link #getWorkers()} shows each worker's state.
 *
 * <pre>{@code
 * try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(4).build())) {
 *     ProcessTask task = ProcessTask.builder((args, kwargs) -> (Integer) args.get(0) * 2)
 *             .args(21)
 *             .timeout(Duration.ofSeconds(5))
 *             .callback((t, result) -> System.out.println(t.getTaskId() + " -> " + result))
 *             .exceptionCallback((t, failure) -> System.err.println(failure.getMessage()))
 *             .build();
 *     pool.queueTask(task);
 *     pool.processAllResults(Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>This class is thread-safe.
 */
public class ProcessPool implements TaskPool {

    private static final Logger LOG = Logs.logger(ProcessPool.class.getName(), Level.WARN);

    static {
        // processpool-micrometer reaches a pool's events through the engine (dev.processpool.internal)
        Engines.register(pool -> {
            if (!(pool instanceof ProcessPool p)) {
                throw new IllegalArgumentException("not a ProcessPool: " + pool.getClass().getName());
            }
            return p.engine;
        });
    }
    private static final AtomicInteger POOL_NUMBERS = new AtomicInteger();
    private static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(Tuning.CLOSE_TIMEOUT_SECONDS);

    private final PoolConfig config;
    private final String name;
    private final PoolEngine engine;
    private final ResultDelivery delivery = new ResultDelivery();
    private final ProgressDelivery progress;
    /** Takes tasks in, keeps the unfinished ones and the pool's callbacks. */
    private final TaskIntake intake;
    private final Object lifecycle = new Object();
    private final Thread shutdownHook;
    private volatile boolean terminated;
    /** The registered MBean, if any; guarded by {@link #jmxLock}. */
    private PoolMBean mbean;
    private final Object jmxLock = new Object();

    /**
     * A pool with every default of {@link PoolConfig} ({@value Tuning#DEFAULT_MIN_SIZE} workers, a queue of
     * {@value Tuning#DEFAULT_MAX_QUEUED_REQUESTS}).
     */
    public ProcessPool() {
        this(PoolConfig.builder().build());
    }

    /**
     * DIRAC's {@code ProcessPool(minSize, maxSize, maxQueuedRequests)}.
     *
     * @param minSize           workers kept alive at all times
     * @param maxSize           most workers; 0 means the same as {@code minSize} (at least 1)
     * @param maxQueuedRequests most tasks waiting for a worker; {@code <= 0} means unbounded
     * @throws IllegalArgumentException if a size is out of range
     */
    public ProcessPool(int minSize, int maxSize, int maxQueuedRequests) {
        this(PoolConfig.builder().minSize(minSize).maxSize(maxSize).maxQueuedRequests(maxQueuedRequests).build());
    }

    /**
     * DIRAC's full constructor: {@code ProcessPool(minSize, maxSize, maxQueuedRequests, strictLimits,
     * poolCallback, poolExceptionCallback, keepProcessesRunning)}.
     *
     * @param minSize               workers kept alive at all times
     * @param maxSize               most workers; 0 means the same as {@code minSize} (at least 1)
     * @param maxQueuedRequests     most tasks waiting for a worker; {@code <= 0} means unbounded
     * @param strictLimits          never more than {@code maxSize} processes, counting one being killed
     * @param poolCallback          the pool's result callback, or {@code null}
     * @param poolExceptionCallback the pool's exception callback, or {@code null}
     * @param keepProcessesRunning  keep {@code minSize} workers alive when idle
     * @throws IllegalArgumentException if a size is out of range
     */
    public ProcessPool(int minSize, int maxSize, int maxQueuedRequests, boolean strictLimits,
                       ResultCallback poolCallback, ExceptionCallback poolExceptionCallback,
                       boolean keepProcessesRunning) {
        this(PoolConfig.builder().minSize(minSize).maxSize(maxSize).maxQueuedRequests(maxQueuedRequests)
                .strictLimits(strictLimits).poolCallback(poolCallback).poolExceptionCallback(poolExceptionCallback)
                .keepProcessesRunning(keepProcessesRunning).build());
    }

    /**
     * A pool with the given configuration. Starts {@code minSize} workers in the background and returns
     * without waiting for them.
     *
     * @param config the configuration
     * @throws UncheckedIOException if the pool's private socket directory, or the heap dump directory it was
     *                              given, cannot be created
     */
    public ProcessPool(PoolConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        int number = POOL_NUMBERS.incrementAndGet();
        this.name = config.getName() != null ? config.getName() : "processpool-" + number;
        WorkerTransport transport;
        // What the transport logs as it sets up (the first pool of a JVM says whether it kills by cgroup) is
        // the pool's, not the caller's task's: the caller's MDC keys of ours are put back afterwards
        LogContext setUp = LogContext.enter(name, -1, null);
        try {
            transport = new LocalJvmTransport(new LocalJvmTransport.Settings(config.getJavaExecutable(),
                    config.getClassPath(), config.getJvmOptions(), config.getEnvironment(),
                    config.getWorkingDirectory(), config.getWorkerStartTimeout(), config.getMaxFrameBytes(),
                    config.getHeartbeatInterval(), Tuning.idleHeartbeat(config.getHeartbeatInterval(),
                            config.getUnresponsiveTimeout(), config.getMemoryBudget() > 0
                                    || config.getWorkerMemoryLimit() > 0 || config.getWorkerMemoryHardLimit() > 0),
                    config.getWorkerMainClass(), config.getClassDataCache(),
                    config.isWorkerCgroups(), config.getWorkerMemoryHardLimit(), config.getWorkerPidsLimit(), config.getHeapDumpDirectory(),
                    config.getWorkerNice()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the pool's private channel directory or its heap dump"
                    + " directory: " + e.getMessage(), e);
        } finally {
            setUp.close();
        }
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        this.engine = new PoolEngine(name, config, transport, new ThreadScheduler(name), delivery,
                loader != null ? loader : ProcessPool.class.getClassLoader(), EngineListener.NONE);
        // If the JVM exits without shutdown(), the workers go too (they would notice anyway; this also takes
        // their children).
        this.shutdownHook = new Thread(engine::killAllNow, name + "-exit");
        this.progress = new ProgressDelivery(name);
        this.intake = new TaskIntake(name, config, engine, progress);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        engine.start();
    }

    // ========================================================================================== queueing

    /**
     * DIRAC's {@code queueTask(task, blocking, usePoolCallbacks)}.
     *
     * @param task             the task, not queued before
     * @param blocking         wait for a queue slot when the queue is full; if false, return false at once
     * @param usePoolCallbacks if true, the pool's callbacks also run for this task (false leaves the task's
     *                         own setting as it is)
     * @return true if the task was queued, false if the queue was full and {@code blocking} was false
     * @throws IllegalArgumentException   if the task cannot be serialised or its id is in use
     * @throws IllegalStateException      if the task was queued before
     * @throws RejectedExecutionException if the pool is shutting down or shut down, or the calling thread was
     *                                    interrupted while it waited (the interrupt status is kept)
     */
    public boolean queueTask(ProcessTask task, boolean blocking, boolean usePoolCallbacks) {
        return enqueue(task, blocking, Long.MAX_VALUE, usePoolCallbacks);
    }

    /**
     * Queues a task, waiting at most {@code maxWait} for a queue slot.
     *
     * @param task             the task, not queued before
     * @param maxWait          the longest to wait for a slot
     * @param usePoolCallbacks if true, the pool's callbacks also run for this task
     * @return true if queued, false if the queue stayed full for {@code maxWait}
     * @throws IllegalArgumentException   if the task cannot be serialised or its id is in use
     * @throws IllegalStateException      if the task was queued before
     * @throws RejectedExecutionException if the pool is shutting down or shut down
     */
    public boolean queueTask(ProcessTask task, Duration maxWait, boolean usePoolCallbacks) {
        Objects.requireNonNull(maxWait, "maxWait");
        return enqueue(task, true, Math.max(0, saturatedNanos(maxWait)), usePoolCallbacks);
    }

    private boolean enqueue(ProcessTask task, boolean blocking, long maxWaitNanos, boolean usePoolCallbacks) {
        Objects.requireNonNull(task, "task");
        if (terminated) {
            throw new RejectedExecutionException("pool " + name + " is shut down: " + task + " was not queued");
        }
        return intake.submit(task, blocking, maxWaitNanos, usePoolCallbacks);
    }

    /**
     * Cancels a task: a waiting task is removed from the queue; a running one has its worker killed (the
     * pool replaces it). Either way the task ends with a {@link TaskCancelledException} and its exception
     * callback runs as usual. Same as cancelling its {@link ProcessTask#future() future}.
     *
     * @param task the task
     * @return true if the task was cancelled, false if it had an outcome already or was never queued here
     */
    public boolean cancel(ProcessTask task) {
        Objects.requireNonNull(task, "task");
        return intake.cancel(task);
    }

    // ================================================================================ result processing

    /**
     * Runs the callbacks of every task that has finished since the last call, in this thread, and returns
     * how many tasks that was. Does not wait.
     *
     * @return the number of tasks whose callbacks ran
     */
    public int processResults() {
        return delivery.processResults();
    }

    /**
     * A barrier: waits until every task queued before this call has finished and its callbacks have run
     * (in this thread, unless the pool is daemonized), or until the timeout passes.
     *
     * @param timeout the longest to wait
     * @return true if all those tasks were settled, false if the timeout passed first
     * @throws IllegalStateException if called from a callback (it would wait for that callback's own task)
     */
    public boolean processAllResults(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        requireNotInCallback("processAllResults");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        long upTo = intake.lastSequence();
        try {
            return delivery.awaitSettled(upTo, System.nanoTime() + saturatedNanos(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs callbacks in a background daemon thread, as soon as results arrive, from now on. Idempotent.
     * {@link #processResults()} may still be called; callbacks still never run two at once.
     */
    public void daemonize() {
        delivery.daemonize(name + "-callbacks");
    }

    /** {@return whether {@link #daemonize()} has been called (and the pool is not shut down)} */
    public boolean isDaemonized() {
        return delivery.isDaemonized();
    }

    /**
     * DIRAC's {@code setPoolCallback}: sets the pool's result callback.
     *
     * @param callback the callback, or {@code null} for none
     */
    public void setPoolCallback(ResultCallback callback) {
        intake.setPoolCallback(callback);
    }

    /**
     * DIRAC's {@code setPoolExceptionCallback}: sets the pool's exception callback.
     *
     * @param callback the callback, or {@code null} for none
     */
    public void setPoolExceptionCallback(ExceptionCallback callback) {
        intake.setPoolExceptionCallback(callback);
    }

    // ======================================================================================== life cycle

    /**
     * Waits until {@code minSize} workers have started (completed their handshake), so that the first tasks
     * do not pay for JVM start-up. Queuing does not need this: tasks wait for workers anyway.
     *
     * @param timeout the longest to wait
     * @return true when they are ready, false if the timeout passed first or the pool is shut down
     */
    public boolean awaitReady(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        try {
            return engine.awaitReady(config.getMinSize(), System.nanoTime() + saturatedNanos(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * DIRAC's {@code stopProcessing}: stops dispatching tasks, waits up to {@code timeout} for running tasks to
     * finish, cancels those still running (their workers are killed) and stops every worker. Tasks stay queued
     * and can still be queued; {@link #startProcessing()} resumes.
     *
     * @param timeout how long running tasks may take to finish before they are cancelled
     */
    public void stopProcessing(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        synchronized (lifecycle) {
            if (terminated) {
                return;
            }
            engine.pause();
            try {
                engine.awaitNoneWorking(System.nanoTime() + saturatedNanos(timeout));
                engine.stopWorkers("processing was stopped before the task finished", false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * DIRAC's {@code startProcessing}: after {@link #stopProcessing}, starts workers and dispatches again.
     * Also makes a pool that has given up starting workers (see {@link WorkerStartException} and
     * {@link PoolConfig}, "When workers cannot be started") try again, with the same configuration.
     */
    public void startProcessing() {
        synchronized (lifecycle) {
            if (terminated || !engine.resume()) {
                throw new IllegalStateException("pool " + name + " is shut down and cannot be started again");
            }
        }
    }

    /**
     * DIRAC's {@code finalize(timeout)}: stops accepting tasks, runs those queued, delivers every callback,
     * stops the workers politely; when {@code timeout} passes first, cancels what has not finished and ends
     * the workers with SIGTERM and, after the termination grace, SIGKILL. When it returns no worker process
     * is alive. Idempotent.
     *
     * @param timeout how long queued and running tasks may take to finish before they are cancelled
     * @return true if every task finished within the timeout, false if some were cancelled
     * @throws IllegalStateException if called from a callback (it would wait for that callback's own task)
     */
    public boolean shutdown(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        requireNotInCallback("shutdown");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        synchronized (lifecycle) {
            if (terminated) {
                return true;
            }
            long deadline = System.nanoTime() + saturatedNanos(timeout);
            boolean interrupted = false;
            boolean clean = false;
            engine.beginShutdown();
            try {
                clean = delivery.awaitSettled(Long.MAX_VALUE, deadline);
                int cancelled = engine.stopWorkers("the pool shut down before the task finished", true);
                clean &= cancelled == 0;
                delivery.stopDaemon(TimeUnit.NANOSECONDS.toMillis(saturatedNanos(config.getTerminationGrace())) + 1000);
                delivery.processResults();
            } catch (InterruptedException e) {
                interrupted = true;
                clean = false;
            } finally {
                terminated = true;
                engine.terminate();
                progress.shutdown();
                unregisterMBean();
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdownHook);
                } catch (IllegalStateException jvmExiting) {
                    // the hook is running or about to: fine
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return clean;
        }
    }

    /** {@return whether {@link #shutdown} has been called (the pool accepts no more tasks)} */
    public boolean isShutdown() {
        PoolEngine.RunState s = engine.runState();
        return s == PoolEngine.RunState.SHUTTING_DOWN || s == PoolEngine.RunState.TERMINATED;
    }

    /** {@return whether shutdown has completed: no worker process of this pool is alive} */
    public boolean isTerminated() {
        return terminated;
    }

    // ===================================================================================== other views

    /**
     * This pool as an {@link java.util.concurrent.ExecutorService}, a <em>view</em>: shutting the view down
     * does not shut the pool down (see {@link ProcessPoolExecutor}). Each call makes a new view, with a life
     * cycle of its own. Its tasks have no timeout.
     *
     * @return a new view of this pool
     */
    public ProcessPoolExecutor asExecutorService() {
        return asExecutorService(Duration.ZERO);
    }

    /**
     * As {@link #asExecutorService()}, with a timeout for every task of the view: a task that has run this
     * long in its worker is killed, and its future fails with a {@link TaskTimeoutException} as cause.
     *
     * @param taskTimeout zero for none
     * @return a new view of this pool
     */
    public ProcessPoolExecutor asExecutorService(Duration taskTimeout) {
        return new ProcessPoolExecutor(this, false, taskTimeout);
    }

    /**
     * Registers this pool's {@link ProcessPoolMXBean} on the platform MBean server, under
     * {@code dev.processpool:type=ProcessPool,name=<name>} (the name as it is when it has only letters,
     * digits and {@code . _ - @ # + % /}, else {@linkplain javax.management.ObjectName#quote quoted}); it is
     * unregistered when the pool has shut down. Idempotent.
     *
     * @return the MBean's name
     * @throws IllegalStateException if the pool is shut down, or another MBean has that name (another pool of
     *                               the same name has registered)
     */
    public javax.management.ObjectName registerMBean() {
        synchronized (jmxLock) {
            if (mbean == null) {
                if (terminated) {
                    throw new IllegalStateException("pool " + name + " is shut down: its MBean was not registered");
                }
                mbean = PoolMBean.register(this);
            }
            return mbean.objectName();
        }
    }

    private void unregisterMBean() {
        synchronized (jmxLock) {
            if (mbean != null) {
                try {
                    mbean.unregister();
                } catch (RuntimeException e) {
                    LOG.warn("{}: {}", name, e.getMessage());
                }
                mbean = null;
            }
        }
    }

    // ============================================================================================ getters

    /** {@return the pool's name: {@link PoolConfig#getName()}, or {@code processpool-N}} */
    public String getName() {
        return name;
    }

    /** The run state, for the MBean. */
    PoolEngine.RunState runState() {
        return engine.runState();
    }

    /** {@return the workers kept alive at all times} */
    public int getMinSize() {
        return config.getMinSize();
    }

    /** {@return the effective maximum ({@code maxSize = 0} was turned into {@code max(1, minSize)})} */
    public int getMaxSize() {
        return config.getMaxSize();
    }

    /**
     * How many more tasks could start running right away: {@code maxSize} minus the workers running a task
     * minus the tasks already waiting (never negative).
     *
     * @return the number of free slots
     */
    public int getFreeSlots() {
        return Math.max(0, config.getMaxSize() - engine.numWorking() - engine.numPending());
    }

    /** {@return workers running a task now. A dead, stopping or timed-out worker never counts} */
    public int getNumWorkingProcesses() {
        return engine.numWorking();
    }

    /** {@return workers alive and waiting for a task} */
    public int getNumIdleProcesses() {
        return engine.numIdle();
    }

    /** {@return worker processes alive or being started, stopping ones included} */
    public int getNumProcesses() {
        return engine.numProcesses();
    }

    /**
     * Tasks waiting to run: in the queue, or held by a worker behind the task it runs (see
     * {@link PoolConfig#getPipelineDepth()}). Running ones are not included.
     *
     * @return the number of waiting tasks
     */
    public int getNumPendingTasks() {
        return engine.numPending();
    }

    /**
     * Why tasks wait in the queue while no further worker is started for them, when the pool's
     * {@linkplain PoolConfig.Builder#memoryBudget(long) memory budget} is the reason: the workers' resident
     * memory added up, and the budget.
     *
     * @return the reason, or empty when no task waits for it
     */
    public Optional<String> getStartHold() {
        return Optional.ofNullable(engine.startHold());
    }

    /** {@return whether the waiting queue is at {@code maxQueuedRequests} (never, when unbounded)} */
    public boolean isFull() {
        return engine.isFull();
    }

    /** {@return whether tasks are waiting to run (see {@link #getNumPendingTasks()})} */
    public boolean hasPendingTasks() {
        return engine.numPending() > 0;
    }

    /** {@return whether any task is waiting or running} */
    public boolean isWorking() {
        return engine.numWorking() > 0 || engine.numPending() > 0;
    }

    /** {@return a snapshot of the workers, each a live read-only view} */
    public List<WorkingProcess> getWorkers() {
        return engine.workers();
    }

    /** {@return the pool's configuration} */
    public PoolConfig getConfig() {
        return config;
    }

    @Override
    public String toString() {
        return name + "[" + engine.runState() + ", workers=" + getNumProcesses() + ", working="
                + getNumWorkingProcesses() + ", pending=" + getNumPendingTasks() + "]";
    }

    private void requireNotInCallback(String method) {
        if (delivery.inCallback()) {
            throw new IllegalStateException(method + " cannot be called from a callback of the same pool: it waits "
                    + "for callbacks to run, that one's included");
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
