package dev.processpool;

import dev.processpool.logging.Logs;
import org.slf4j.Logger;

import java.io.NotSerializableException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A {@link ProcessPool} seen as an {@link ExecutorService}: each task runs in a worker JVM, so code written
 * against {@code ExecutorService} gets process isolation (a task can be killed, can crash its JVM or exhaust
 * its heap without harming the caller) by changing the line that creates the executor:
 *
 * <pre>{@code
 * ExecutorService executor = Executors.newFixedThreadPool(4);              // before
 * ExecutorService executor = ProcessPoolExecutor.newFixedProcessPool(4);   // after: 4 worker JVMs
 * }</pre>
 *
 * <h2>Tasks must be serialisable</h2>
 * A task travels to its worker by Java serialisation, with everything it captures, and its result comes back
 * the same way. A task that is not {@link Serializable} is rejected by {@code submit}, {@code execute},
 * {@code invokeAll} and {@code invokeAny} with a {@link RejectedExecutionException} whose message names its
 * class (for a lambda, the class that defines it) and says how to write it; so is one that captures
 * something not serialisable (the message names that class). The class of the task must be on the workers'
 * class path (by default this JVM's). A plain lambda is not serialisable; write it in one of these ways:
 *
 * <pre>{@code
 * ProcessPoolExecutor executor = ProcessPoolExecutor.newFixedProcessPool(4);
 * Future<Long> a = executor.submit(() -> countPrimes(0, 1_000_000));        // the static type is
 *                                                                          // ProcessPoolExecutor: its overload
 *                                                                          // takes a SerializableCallable
 * ExecutorService service = executor;
 * Future<Long> b = service.submit((Callable<Long> & Serializable) () -> countPrimes(0, 1_000_000));
 * Future<Long> c = service.submit((SerializableCallable<Long>) () -> countPrimes(0, 1_000_000));
 * }</pre>
 *
 * A lambda captures only what it uses; in an instance method that includes {@code this} whenever it uses a
 * field or method of the enclosing object, so prefer lambdas in static methods, or classes of their own.
 * Each task's state is a snapshot taken when it is submitted: changes the task makes to captured objects
 * happen in the worker's copy and are not seen by the caller.
 *
 * <h2>Outcomes</h2>
 * A task's {@link Future} completes with the value the task returned, or fails:
 * <ul>
 *   <li>the task threw: {@link ExecutionException} whose cause is the exception thrown in the worker, of its
 *       own class when the parent can load it (else a {@link RemoteException} carrying its class name), with
 *       the worker's stack trace; the message names the task and the worker's pid;</li>
 *   <li>the task ran past the executor's task timeout: {@code ExecutionException} caused by a
 *       {@link TaskTimeoutException} (the worker was killed);</li>
 *   <li>its worker died ({@code System.exit}, a crash, a kill from outside, a memory limit), went silent,
 *       or the result could not be sent back (not serialisable, too large): {@code ExecutionException}
 *       caused by the pool's {@link TaskException} ({@link WorkerDiedException},
 *       {@link WorkerUnresponsiveException}, {@link ResourceLimitException}, {@link ResultTransferException},
 *       {@link WorkerStartException});</li>
 *   <li>it was cancelled, through its future, by {@link #shutdownNow()}, or by the pool shutting down:
 *       {@link CancellationException} ({@link Future#isCancelled()} is true).</li>
 * </ul>
 * A task given to {@link #execute} has no future: its failure is logged (WARN, logger
 * {@code dev.processpool.ProcessPoolExecutor}), as a thread pool hands it to the uncaught-exception handler.
 *
 * <h2>Cancelling</h2>
 * {@code future.cancel(true)} withdraws a task that has not started and kills the worker of one that has
 * (the pool starts a replacement); either way the task never completes. {@code cancel(false)} also withdraws
 * a task that has not started, but leaves a running one to finish, and its result is dropped. A task the
 * pool has handed to a worker but not yet seen start counts as not started: it is taken back, and should its
 * worker have taken it up in the meantime, that worker is killed, so a withdrawn task never finishes.
 *
 * <h2>Shutting down, and who owns the pool</h2>
 * An executor made by {@link #newFixedProcessPool} or {@link #create} <b>owns</b> its pool:
 * {@link #shutdown()} lets the submitted tasks run, then shuts the pool down (a thread of its own does it,
 * non-daemon, so the JVM waits for the tasks like it waits for a thread pool's); the executor is
 * {@linkplain #isTerminated() terminated} when no worker process is left. An executor from
 * {@link ProcessPool#asExecutorService()} is a <b>view</b> of a pool owned by the caller, who may share it
 * with other views and with {@link ProcessPool#queueTask}: shutting the view down stops the view accepting
 * tasks and waits for its own tasks, and the pool goes on; the view is terminated when its tasks have all
 * ended. Either kind is shut down too when its pool is. An owned pool that is never shut down does not keep
 * the JVM alive (its threads are daemons): when the JVM exits, a shutdown hook kills its workers.
 *
 * <p>{@link #shutdownNow()} stops accepting tasks, withdraws every task of this executor that has not
 * started, and kills the workers running the others. It returns the withdrawn tasks, in the order they were
 * submitted, as the caller gave them: a {@link Runnable} as itself, a {@link Callable} wrapped in a
 * {@link NotStartedCallable} whose {@link NotStartedCallable#callable()} is the caller's object. Their
 * futures are cancelled. Unlike a thread pool's {@code shutdownNow}, which can only interrupt, the running
 * tasks do stop: their workers are killed (SIGKILL) at once.
 *
 * <h2>Queue</h2>
 * Tasks wait in the pool's queue. An executor from {@link #newFixedProcessPool} has an unbounded one, like
 * {@code Executors.newFixedThreadPool}. With a bounded queue ({@link PoolConfig#getMaxQueuedRequests()}),
 * {@code submit} waits for a slot; interrupted while it waits, it throws {@link RejectedExecutionException}
 * and keeps the thread's interrupt status, and {@code invokeAll}/{@code invokeAny} throw
 * {@link InterruptedException}.
 *
 * <p>This class is thread-safe.
 */
public final class ProcessPoolExecutor implements ExecutorService, AutoCloseable {

    /** A {@link Callable} that is {@link Serializable}: the target type for a task lambda. */
    @FunctionalInterface
    public interface SerializableCallable<V> extends Callable<V>, Serializable {
    }

    /** A {@link Runnable} that is {@link Serializable}: the target type for a task lambda. */
    @FunctionalInterface
    public interface SerializableRunnable extends Runnable, Serializable {
    }

    /**
     * A {@link Callable} that {@link #shutdownNow()} withdrew before it started, as the {@link Runnable} that
     * {@code shutdownNow}'s signature asks for. {@link #run()} calls it (checked exceptions wrapped in a
     * {@link CompletionException}), so it may be handed to another executor as it is.
     */
    public static final class NotStartedCallable implements Runnable, Serializable {
        /** Serial form version. */
        private static final long serialVersionUID = 1L;
        /** The withdrawn task, as it was given to the executor. */
        private final Callable<?> callable;

        NotStartedCallable(Callable<?> callable) {
            this.callable = callable;
        }

        /** {@return the task as it was given to this executor} */
        public Callable<?> callable() {
            return callable;
        }

        @Override
        public void run() {
            try {
                callable.call();
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }

        @Override
        public String toString() {
            return "NotStartedCallable[" + callable + "]";
        }
    }

    private static final Logger LOG = Logs.logger(ProcessPoolExecutor.class.getName(), org.slf4j.event.Level.WARN);
    /** An orderly shutdown of an owned pool waits for the tasks however long they take. */
    private static final Duration UNBOUNDED = Duration.ofDays(36_500);
    /** A waiter re-checks this often for a pool shut down behind the executor's back. */
    private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Only moves forward. */
    private enum RunState { RUNNING, SHUTDOWN, STOP }

    private final ProcessPool pool;
    private final boolean ownsPool;
    private final Duration taskTimeout;
    /**
     * Guards {@link #runState}, {@link #poolShutdown} and the attaching of tasks to futures; signals
     * {@link #changed}. Never held while calling into the pool.
     */
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Counts changes that may end a wait in {@link #awaitTermination}; guarded by {@link #lock}. */
    private long generation;
    /** Guarded by {@link #lock}. */
    private RunState runState = RunState.RUNNING;
    /** The owned pool's shutdown, once begun; guarded by {@link #lock}. */
    private Thread poolShutdown;
    /** Tasks accepted (or being accepted) whose process task has not ended, by submission number. */
    private final ConcurrentSkipListMap<Long, ExecutorFuture<?>> unfinished = new ConcurrentSkipListMap<>();
    private final AtomicLong submissions = new AtomicLong();

    ProcessPoolExecutor(ProcessPool pool, boolean ownsPool, Duration taskTimeout) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.ownsPool = ownsPool;
        this.taskTimeout = ProcessTask.checkTimeout(taskTimeout);
    }

    /**
     * The process counterpart of {@code Executors.newFixedThreadPool(workers)}: an executor that owns a pool
     * of exactly {@code workers} worker JVMs (started now, in the background, and replaced when they die)
     * with an unbounded queue and every other setting at its {@link PoolConfig} default.
     *
     * @param workers the number of worker JVMs, {@code >= 1}
     * @return the executor, which owns its pool
     * @throws IllegalArgumentException if {@code workers < 1}
     */
    public static ProcessPoolExecutor newFixedProcessPool(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, was " + workers);
        }
        return create(PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0).build());
    }

    /**
     * An executor that owns a new pool with this configuration; tasks have no timeout.
     *
     * @param config the pool's configuration
     * @return the executor, which owns its pool
     */
    public static ProcessPoolExecutor create(PoolConfig config) {
        return create(config, Duration.ZERO);
    }

    /**
     * An executor that owns a new pool with this configuration, whose tasks are killed when they have run
     * for {@code taskTimeout} in their worker (zero: never); such a task's future fails with a
     * {@link TaskTimeoutException} as cause.
     *
     * @param config      the pool's configuration
     * @param taskTimeout zero for none
     * @return the executor, which owns its pool
     */
    public static ProcessPoolExecutor create(PoolConfig config, Duration taskTimeout) {
        ProcessTask.checkTimeout(taskTimeout);
        return new ProcessPoolExecutor(new ProcessPool(config), true, taskTimeout);
    }

    /** {@return the pool the tasks run in: for its getters, {@link ProcessPool#getWorkers()} and JMX} */
    public ProcessPool getPool() {
        return pool;
    }

    /** {@return whether shutting this executor down shuts its pool down (see the class comment)} */
    public boolean ownsPool() {
        return ownsPool;
    }

    // ========================================================================================== submitting

    @Override
    public void execute(Runnable command) {
        start(command, false, null, true, null);
    }

    /**
     * {@link #execute(Runnable)} for a lambda, which this overload makes serialisable.
     *
     * @param command the task
     */
    public void execute(SerializableRunnable command) {
        execute((Runnable) command);
    }

    @Override
    public <T> Future<T> submit(Callable<T> task) {
        return start(task, true, null, false, null);
    }

    /**
     * {@link #submit(Callable)} for a lambda, which this overload makes serialisable.
     *
     * @param <T>  the result's type
     * @param task the task
     * @return the task's future
     */
    public <T> Future<T> submit(SerializableCallable<T> task) {
        return submit((Callable<T>) task);
    }

    @Override
    public Future<?> submit(Runnable task) {
        return start(task, false, null, false, null);
    }

    /**
     * {@link #submit(Runnable)} for a lambda, which this overload makes serialisable.
     *
     * @param task the task
     * @return the task's future, whose result is {@code null}
     */
    public Future<?> submit(SerializableRunnable task) {
        return submit((Runnable) task);
    }

    /** {@inheritDoc} The {@code result} stays in this JVM: it need not be serialisable. */
    @Override
    public <T> Future<T> submit(Runnable task, T result) {
        return start(task, false, result, false, null);
    }

    /**
     * Accepts a task: checks it, records it as unfinished, queues it in the pool (waiting for a queue slot
     * if need be) and ties its future to the pool's outcome.
     */
    <T> ExecutorFuture<T> start(Object task, boolean callable, T runnableResult, boolean fromExecute,
                                        Consumer<ExecutorFuture<?>> onDone) {
        Objects.requireNonNull(task, "task");
        requireSerializable(task);
        ExecutorFuture<T> f = new ExecutorFuture<>(this, submissions.incrementAndGet(), task, callable,
                runnableResult, fromExecute, onDone);
        lock.lock();
        try {
            if (runState != RunState.RUNNING) {
                throw new RejectedExecutionException("this executor is shut down: " + describe(task)
                        + " was not accepted");
            }
            unfinished.put(f.sequence, f);
        } finally {
            lock.unlock();
        }
        ProcessTask processTask = ProcessTask.builder(new ExecutorTask(task, callable)).timeout(taskTimeout).build();
        boolean queued = false;
        try {
            pool.queueTask(processTask);
            queued = true;
        } catch (IllegalArgumentException notSerialisable) {
            throw new RejectedExecutionException(serialisationProblem(task, notSerialisable), notSerialisable);
        } catch (RejectedExecutionException e) {
            throw new RejectedExecutionException(describe(task) + " was not accepted: " + e.getMessage(), e);
        } finally {
            if (!queued) {
                forget(f);
            }
        }
        boolean stopped;
        lock.lock();
        try {
            // shutdownNow() takes the tasks attached before it; a task attached after it is refused here
            stopped = runState == RunState.STOP;
            if (!stopped) {
                f.processTask = processTask;
            }
        } finally {
            lock.unlock();
        }
        if (stopped) {
            pool.cancel(processTask);
            forget(f);
            throw new RejectedExecutionException("this executor was shut down (shutdownNow) while "
                    + describe(task) + " was being submitted: it was not accepted");
        }
        processTask.future().whenComplete((value, failure) -> settle(f, processTask, value, failure));
        return f;
    }

    /** The pool's outcome of a task: completes its future, unless cancelled first, and forgets the task. */
    private void settle(ExecutorFuture<?> f, ProcessTask processTask, Object value, Throwable failure) {
        try {
            if (failure == null) {
                f.succeed(value);
            } else {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                boolean completed = f.fail(processTask.getTaskID(), cause);
                if (completed && f.fromExecute && !(cause instanceof TaskCancelledException)) {
                    LOG.warn("{}: a task given to execute() failed: {}", pool.getName(), cause.getMessage(),
                            cause instanceof TaskExecutionException && cause.getCause() != null
                                    ? cause.getCause() : cause);
                }
            }
        } catch (Throwable t) {
            LOG.error("{}: completing the future of {} failed", pool.getName(), processTask, t);
        } finally {
            forget(f);
        }
    }

    private void forget(ExecutorFuture<?> f) {
        unfinished.remove(f.sequence);
        signalChange();
    }

    private void signalChange() {
        lock.lock();
        try {
            generation++;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ============================================================================================ batches

    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
        return ExecutorBatches.invokeAll(this, tasks, false, 0);
    }

    /**
     * {@inheritDoc} At the deadline the unfinished tasks are cancelled as with {@code cancel(true)}: waiting
     * ones are withdrawn, running ones have their workers killed; tasks not yet submitted by then are not
     * submitted, and their futures are cancelled as well.
     */
    @Override
    public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException {
        return ExecutorBatches.invokeAll(this, tasks, true, unit.toNanos(timeout));
    }

    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
        try {
            return ExecutorBatches.invokeAny(this, tasks, false, 0);
        } catch (TimeoutException cannotHappen) {
            throw new AssertionError(cannotHappen);
        }
    }

    /**
     * {@inheritDoc} Once a task has succeeded (or the time is up) the others are cancelled as with
     * {@code cancel(true)}: waiting ones are withdrawn, running ones have their workers killed.
     */
    @Override
    public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
            throws InterruptedException, ExecutionException, TimeoutException {
        return ExecutorBatches.invokeAny(this, tasks, true, unit.toNanos(timeout));
    }

    // ========================================================================================= life cycle

    @Override
    public void shutdown() {
        lock.lock();
        try {
            if (runState == RunState.RUNNING) {
                runState = RunState.SHUTDOWN;
            }
            shutDownPoolLocked(UNBOUNDED);
        } finally {
            lock.unlock();
        }
        signalChange();
    }

    /**
     * {@inheritDoc}
     *
     * @return the tasks withdrawn before they started, in the order they were submitted: each
     *         {@link Runnable} as given, each {@link Callable} in a {@link NotStartedCallable}
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<ExecutorFuture<?>> attached = new ArrayList<>();
        lock.lock();
        try {
            runState = RunState.STOP;
            for (ExecutorFuture<?> f : unfinished.descendingMap().values()) {
                if (f.processTask != null) {
                    attached.add(f);
                }
            }
        } finally {
            lock.unlock();
        }
        // Newest first: the queue's tail goes before its head, so a worker freed meanwhile finds little to take.
        List<Runnable> notStarted = new ArrayList<>();
        for (ExecutorFuture<?> f : attached) {
            ProcessTask t = f.processTask;
            if (pool.cancel(t) && t.getRunTime().isZero() && t.taskException() instanceof TaskCancelledException) {
                notStarted.add(0, f.callable ? new NotStartedCallable((Callable<?>) f.task) : (Runnable) f.task);
            }
        }
        lock.lock();
        try {
            shutDownPoolLocked(Duration.ZERO);
        } finally {
            lock.unlock();
        }
        signalChange();
        return notStarted;
    }

    private void shutDownPoolLocked(Duration timeout) {
        if (!ownsPool || poolShutdown != null) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                pool.shutdown(timeout);
            } catch (Throwable e) {
                LOG.error("{}: shutting down the executor's pool failed", pool.getName(), e);
            } finally {
                signalChange();
            }
        }, pool.getName() + "-executor-shutdown");
        poolShutdown = t;
        t.start();
    }

    /** Whether this executor accepts no more tasks: it, or its pool, was shut down. */
    @Override
    public boolean isShutdown() {
        lock.lock();
        try {
            if (runState != RunState.RUNNING) {
                return true;
            }
        } finally {
            lock.unlock();
        }
        return pool.isShutdown();
    }

    /**
     * Whether every task has ended after a shutdown: for an executor that owns its pool, when the pool has
     * terminated (no worker process is alive); for a view, when the view's own tasks have all ended.
     */
    @Override
    public boolean isTerminated() {
        if (ownsPool) {
            return pool.isTerminated();
        }
        return isShutdown() && unfinished.isEmpty();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            long seen;
            lock.lock();
            try {
                seen = generation;
            } finally {
                lock.unlock();
            }
            if (isTerminated()) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            lock.lockInterruptibly();
            try {
                if (generation == seen) {
                    changed.awaitNanos(Math.min(left, RECHECK_NANOS));
                }
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * Shuts down and waits for termination, as {@code ExecutorService.close()} does from Java 19: if
     * interrupted while waiting, calls {@link #shutdownNow()}, goes on waiting and keeps the interrupt status.
     */
    @Override
    public void close() {
        boolean terminated = isTerminated();
        if (terminated) {
            return;
        }
        shutdown();
        boolean interrupted = false;
        while (!terminated) {
            try {
                terminated = awaitTermination(1, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        RunState s;
        lock.lock();
        try {
            s = runState;
        } finally {
            lock.unlock();
        }
        return "ProcessPoolExecutor[" + pool.getName() + ", " + s.name().toLowerCase(java.util.Locale.ROOT) + ", "
                + unfinished.size() + " unfinished, " + (ownsPool ? "owns its pool" : "a view of its pool") + "]";
    }

    /** Whether a worker has reported the start of this task (its outcome not yet known). */
    boolean isRunning(ProcessTask t) {
        String id = t.getTaskID();
        for (WorkingProcess w : pool.getWorkers()) {
            if (w.currentTaskId().filter(id::equals).isPresent()) {
                return true;
            }
        }
        return false;
    }

    // ============================================================================================ checks

    static void requireSerializable(Object task) {
        if (!(task instanceof Serializable)) {
            throw new RejectedExecutionException(describe(task) + " is not Serializable, and a "
                    + "ProcessPoolExecutor runs its tasks in other JVMs. Write a lambda as "
                    + "(Callable<T> & Serializable) () -> ... or (Runnable & Serializable) () -> ..., or as a "
                    + "ProcessPoolExecutor.SerializableCallable or SerializableRunnable (ProcessPoolExecutor's own "
                    + "submit and execute take those); make a class implement java.io.Serializable");
        }
    }

    private static String serialisationProblem(Object task, IllegalArgumentException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotSerializableException n) {
                return describe(task) + " cannot be serialised: it captures or refers to an object of class "
                        + n.getMessage() + ", which is not Serializable";
            }
        }
        return describe(task) + " cannot be serialised: " + e.getMessage();
    }

    /** "task com.example.Job", or for a lambda "task (a lambda in com.example.Jobs: com.example.Jobs$$Lambda...)". */
    static String describe(Object task) {
        String name = task.getClass().getName();
        int lambda = name.indexOf("$$Lambda");
        return lambda > 0 ? "task (a lambda in " + name.substring(0, lambda) + ": " + name + ")" : "task " + name;
    }
}
