package dev.processpool;

import dev.processpool.internal.TaskAccess;
import dev.processpool.protocol.TaskPayload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One unit of work for a {@link ProcessPool}, with its callbacks and, once it has finished, its outcome:
 * DIRAC's {@code ProcessTask}.
 *
 * <p>A task is one of two kinds, as in DIRAC:
 * <ul>
 *   <li>a <b>function task</b> wraps a {@link TaskFunction} (a serialisable lambda or function object), which
 *       the worker calls with the positional {@code args} and keyword {@code kwargs};</li>
 *   <li>a <b>callable-class task</b> names a class implementing {@link Callable} (or {@link Runnable}, whose
 *       result is {@code null}). The worker instantiates it
 *       with the arguments (a public constructor whose parameters match {@code args}, optionally followed by a
 *       {@code Map} parameter that receives {@code kwargs}; or else a {@code (List, Map)} constructor) and then
 *       calls it with no arguments. The class only needs to be on the workers' class path, not on the
 *       parent's, when it is given by name.</li>
 * </ul>
 *
 * <p>Arguments must be serialisable. Each task gets a unique id: the one given, or one assigned by the pool
 * when it is queued. A timeout of zero means none; otherwise the parent kills the task's worker when the
 * task has run that long, and the task ends with a {@link TaskTimeoutException}.
 *
 * <p>A task can be queued once. After it has finished, {@link #exceptionRaised()}, {@link #taskResults()}
 * and {@link #taskException()} tell its outcome, and {@link #future()} is complete.
 */
public final class ProcessTask {

    static {
        new Access();
    }

    /** Lets pools outside this package do with a task what {@link ProcessPool} does (see {@link TaskAccess}). */
    private static final class Access extends TaskAccess {
        @Override
        public boolean markQueued(ProcessTask task) {
            return task.markQueued();
        }

        @Override
        public void unmarkQueued(ProcessTask task, String previousId) {
            task.unmarkQueued(previousId);
        }

        @Override
        public void assignId(ProcessTask task, String id) {
            task.assignId(id);
        }

        @Override
        public TaskPayload payload(ProcessTask task) {
            return TaskPayloads.of(task);
        }

        @Override
        public boolean record(ProcessTask task, Object result, TaskException failure, long workerPid, long runNanos,
                              java.util.List<TaskException> earlierFailures, boolean quarantined,
                              ResultCallback poolCallback, ExceptionCallback poolExceptionCallback) {
            if (failure != null) {
                failure.recordAttempts(earlierFailures, quarantined);
            }
            return TaskCallbacks.record(task, result, failure, workerPid, runNanos, earlierFailures.size() + 1,
                    poolCallback, poolExceptionCallback);
        }

        @Override
        public boolean retriesOnThrown(ProcessTask task, TaskException failure) {
            return task.retriesOnThrown(failure);
        }

        @Override
        public void runCallbacks(ProcessTask task, ResultCallback poolCallback, ExceptionCallback poolExceptionCallback,
                                 String poolName) {
            TaskCallbacks.run(task, poolCallback, poolExceptionCallback, poolName);
        }
    }

    private final TaskFunction function;
    private final String callableClassName;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private volatile String taskId;
    private volatile Duration timeout;
    private volatile Duration progressTimeout;
    private final Duration softTimeout;
    /** Retries after a failed attempt; -1: the pool's default. */
    private final int retries;
    /** Exception types the task is retried for when it throws one. */
    private final List<Class<? extends Throwable>> retryOn;
    private final ResultCallback callback;
    private final ExceptionCallback exceptionCallback;
    private final ProgressListener progressListener;
    private volatile boolean usePoolCallbacks;

    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean outcomeRecorded = new AtomicBoolean();
    private final CompletableFuture<Object> future = new CompletableFuture<>();
    private volatile Object result;
    private volatile TaskException exception;
    private volatile long workerPid = -1;
    private volatile Duration runTime = Duration.ZERO;
    private volatile int attempts;

    private ProcessTask(Builder b) {
        this.function = b.function;
        this.callableClassName = b.callableClassName;
        this.args = Collections.unmodifiableList(new ArrayList<>(b.args));
        this.kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(b.kwargs));
        this.taskId = b.taskId;
        this.timeout = b.timeout;
        this.progressTimeout = b.progressTimeout;
        this.softTimeout = b.softTimeout;
        this.retries = b.retries;
        this.retryOn = List.copyOf(b.retryOn);
        this.callback = b.callback;
        this.exceptionCallback = b.exceptionCallback;
        this.progressListener = b.progressListener;
        this.usePoolCallbacks = b.usePoolCallbacks;
    }

    /**
     * DIRAC's constructor: {@code ProcessTask(taskFunction, args, kwargs, taskID, callback, exceptionCallback,
     * usePoolCallbacks, timeOut)}. {@code null} stands for "not given" in every parameter but the function.
     *
     * @param function          what the worker calls
     * @param args              the positional arguments, or {@code null} for none
     * @param kwargs            the keyword arguments, or {@code null} for none
     * @param taskId            the id, or {@code null} to have the pool assign one when the task is queued
     * @param callback          the task's result callback, or {@code null}
     * @param exceptionCallback the task's exception callback, or {@code null}
     * @param usePoolCallbacks  whether the pool's callbacks also run for this task, after its own
     * @param timeout           the timeout from the start of execution, or {@code null} or zero for none
     * @throws NullPointerException     if {@code function} is {@code null}
     * @throws IllegalArgumentException if the timeout is negative or the id is blank
     */
    public ProcessTask(TaskFunction function, List<?> args, Map<String, ?> kwargs, String taskId,
                       ResultCallback callback, ExceptionCallback exceptionCallback,
                       boolean usePoolCallbacks, Duration timeout) {
        this(builder(function).args(args).kwargs(kwargs).taskId(taskId).callback(callback)
                .exceptionCallback(exceptionCallback).usePoolCallbacks(usePoolCallbacks)
                .timeout(timeout == null ? Duration.ZERO : timeout));
    }

    /**
     * A builder for a function task.
     *
     * @param function what the worker calls, with the task's positional and keyword arguments
     * @return a builder
     */
    public static Builder builder(TaskFunction function) {
        Objects.requireNonNull(function, "task function must not be null");
        return new Builder(function, null);
    }

    /**
     * A builder for a callable-class task: the class is instantiated in the worker and then called.
     *
     * @param callableClass the class; only its name travels to the worker
     * @return a builder
     */
    public static Builder builder(Class<? extends Callable<?>> callableClass) {
        Objects.requireNonNull(callableClass, "callable class must not be null");
        return new Builder(null, callableClass.getName());
    }

    /**
     * A builder for a callable-class task named by its fully qualified (binary) class name. The class must
     * be on the workers' class path and implement {@link Callable} or {@link Runnable}; the worker checks both and fails the
     * task with a clear {@link TaskExecutionException} if not.
     *
     * @param callableClassName the class's binary name, e.g. {@code com.example.Job} or {@code com.example.Outer$Job}
     * @return a builder
     * @throws IllegalArgumentException if the name is blank
     */
    public static Builder builderForClassName(String callableClassName) {
        Objects.requireNonNull(callableClassName, "callable class name must not be null");
        if (callableClassName.isBlank()) {
            throw new IllegalArgumentException("callable class name must not be blank");
        }
        return new Builder(null, callableClassName.strip());
    }

    // ---- id and timeouts: the Java names, and DIRAC's ------------------------------------------------------

    /**
     * The task id: the one given to {@link Builder#taskId(String)}, or the one assigned when the task was
     * queued. The Java spelling of DIRAC's {@link #getTaskID()}, matching {@code taskId(...)} and
     * {@link TaskException#getTaskId()}.
     *
     * @return the id, or {@code null} before the task is queued when none was given
     */
    public String getTaskId() {
        return taskId;
    }

    /**
     * DIRAC's name for {@link #getTaskId()}.
     *
     * @return the id, or {@code null} before the task is queued when none was given
     */
    public String getTaskID() {
        return taskId;
    }

    /**
     * The timeout, measured from the start of execution in the worker. The Java spelling of DIRAC's
     * {@link #getTimeOut()}, matching {@link Builder#timeout(Duration)}.
     *
     * @return the timeout; {@link Duration#ZERO} means none
     */
    public Duration getTimeout() {
        return timeout;
    }

    /**
     * DIRAC's name for {@link #getTimeout()}.
     *
     * @return the timeout; {@link Duration#ZERO} means none
     */
    public Duration getTimeOut() {
        return timeout;
    }

    /**
     * Changes the timeout. Takes effect if the task has not started yet. The Java spelling of DIRAC's
     * {@link #setTimeOut(Duration)}.
     *
     * @param timeout the new timeout; {@link Duration#ZERO} for none
     * @throws IllegalArgumentException if negative
     */
    public void setTimeout(Duration timeout) {
        this.timeout = checkTimeout(timeout);
    }

    /**
     * DIRAC's name for {@link #setTimeout(Duration)}.
     *
     * @param timeout the new timeout; {@link Duration#ZERO} for none
     * @throws IllegalArgumentException if negative
     */
    public void setTimeOut(Duration timeout) {
        setTimeout(timeout);
    }

    /**
     * The progress timeout: the longest the task may run without calling {@link TaskContext#reportProgress()}
     * (counted from its start or its last report).
     *
     * @return the progress timeout; {@link Duration#ZERO} means none
     */
    public Duration getProgressTimeout() {
        return progressTimeout;
    }

    /**
     * The soft timeout: when the task has run this long its thread is interrupted and
     * {@link TaskContext#softTimeoutReached()} turns true (see {@link Builder#softTimeout}).
     *
     * @return the soft timeout; {@link Duration#ZERO} means none
     */
    public Duration getSoftTimeout() {
        return softTimeout;
    }

    /**
     * Changes the progress timeout. Takes effect if the task has not started yet.
     *
     * @param progressTimeout the new progress timeout; {@link Duration#ZERO} for none
     * @throws IllegalArgumentException if negative
     */
    public void setProgressTimeout(Duration progressTimeout) {
        this.progressTimeout = checkTimeout(progressTimeout);
    }

    /**
     * Whether a timeout is set. The Java spelling of DIRAC's {@link #hasTimeOutSet()}.
     *
     * @return whether the timeout is not zero
     */
    public boolean hasTimeout() {
        return !timeout.isZero();
    }

    /**
     * DIRAC's name for {@link #hasTimeout()}.
     *
     * @return whether the timeout is not zero
     */
    public boolean hasTimeOutSet() {
        return hasTimeout();
    }

    /**
     * How many more times the task may run after an attempt fails in a way it is retried for (see
     * {@link Builder#retries(int)}).
     *
     * @return the retries, or -1 when the pool's default ({@link PoolConfig#getRetries()}) applies
     */
    public int getRetries() {
        return retries;
    }

    /** {@return the exception types the task is retried for when it throws one (see {@link Builder#retryOn})} */
    public List<Class<? extends Throwable>> getRetryOn() {
        return retryOn;
    }

    /**
     * Whether a failure of the task's own code is one the caller asked to retry: the exception the task threw
     * is an instance of a type given to {@link Builder#retryOn} (or, when its class could not be loaded in the
     * parent, has exactly that type's name).
     */
    boolean retriesOnThrown(TaskException failure) {
        if (!(failure instanceof TaskExecutionException e) || retryOn.isEmpty()) {
            return false;
        }
        Throwable thrown = e.getCause();
        for (Class<? extends Throwable> type : retryOn) {
            if (type.isInstance(thrown) || type.getName().equals(e.getRemoteType())) {
                return true;
            }
        }
        return false;
    }

    /**
     * How many times the task ran (or was given to a worker to run) before its outcome: 1, or more when it
     * was retried. Known once the task is done; 0 before.
     *
     * @return the number of attempts
     */
    public int getAttempts() {
        return attempts;
    }

    /** {@return whether a result callback or an exception callback was given to this task} */
    public boolean hasCallback() {
        return callback != null || exceptionCallback != null;
    }

    /** {@return whether the pool's callbacks run for this task (after the task's own)} */
    public boolean hasPoolCallback() {
        return usePoolCallbacks;
    }

    /** {@return same as {@link #hasPoolCallback()}: DIRAC has both names} */
    public boolean usePoolCallbacks() {
        return usePoolCallbacks;
    }

    /** Makes the pool's callbacks run for this task. */
    public void enablePoolCallbacks() {
        usePoolCallbacks = true;
    }

    /** Stops the pool's callbacks from running for this task. */
    public void disablePoolCallbacks() {
        usePoolCallbacks = false;
    }

    /** {@return whether the task has finished without a result (it threw, timed out, was cancelled, its worker died)} */
    public boolean exceptionRaised() {
        return exception != null;
    }

    /** {@return the task's result; {@code null} while it runs, after a failure, or when the task returned null} */
    public Object taskResults() {
        return result;
    }

    /** {@return why the task failed, or {@code null} while it runs or after a success} */
    public TaskException taskException() {
        return exception;
    }

    /** {@return the pid of the worker that ran the task (or was running it when it failed), or -1 if none did} */
    public long getWorkerPid() {
        return workerPid;
    }

    /**
     * How long the task ran in its worker, from the start of its execution to its outcome; zero if it never
     * started. Known once the task is done.
     *
     * @return the run time
     */
    public Duration getRunTime() {
        return runTime;
    }

    /** {@return whether the task has an outcome (a result or a failure)} */
    public boolean isDone() {
        return outcomeRecorded.get();
    }

    /**
     * The task's outcome as a future: it completes with the result, or exceptionally with a
     * {@link TaskException}, as soon as the outcome is known (before the callbacks run). Dependent stages
     * registered with the non-{@code Async} methods run in a pool thread: keep them short, or use the
     * {@code Async} variants. Cancelling the future asks the pool to cancel the task.
     *
     * @return the future of the task's outcome
     */
    public CompletableFuture<Object> future() {
        return future;
    }

    // ---- what the worker runs --------------------------------------------------------------------------

    /** {@return the function of a function task, if this is one} */
    public Optional<TaskFunction> getFunction() {
        return Optional.ofNullable(function);
    }

    /** {@return the class name of a callable-class task, if this is one} */
    public Optional<String> getCallableClassName() {
        return Optional.ofNullable(callableClassName);
    }

    /** {@return the positional arguments (unmodifiable)} */
    public List<Object> getArgs() {
        return args;
    }

    /** {@return the keyword arguments (unmodifiable, in insertion order)} */
    public Map<String, Object> getKwargs() {
        return kwargs;
    }

    /** {@return the task's own result callback, if any} */
    public ResultCallback getCallback() {
        return callback;
    }

    /** {@return the task's own exception callback, if any} */
    public ExceptionCallback getExceptionCallback() {
        return exceptionCallback;
    }

    /** {@return the task's progress listener, if any} */
    public ProgressListener getProgressListener() {
        return progressListener;
    }

    @Override
    public String toString() {
        return "ProcessTask[" + (taskId == null ? "(not queued)" : taskId) + ", "
                + (function != null ? "function " + function.getClass().getName() : "class " + callableClassName)
                + ", " + args.size() + " args, " + kwargs.size() + " kwargs"
                + (timeout.isZero() ? "" : ", timeout " + timeout.toMillis() + " ms") + "]";
    }

    // ---- used by ProcessPool -----------------------------------------------------------------------------

    /** {@return marks the task as queued; false if it already was} */
    boolean markQueued() {
        return queued.compareAndSet(false, true);
    }

    /** Undoes {@link #markQueued()} when queueing failed before the task was accepted. */
    void unmarkQueued(String previousId) {
        taskId = previousId;
        queued.set(false);
    }

    void assignId(String id) {
        taskId = id;
    }

    /** Records where and how long the task ran, and in how many attempts; called just before its outcome. */
    void recordExecution(long pid, long runNanos, int attemptCount) {
        if (!outcomeRecorded.get()) {
            workerPid = pid;
            runTime = Duration.ofNanos(runNanos);
            attempts = attemptCount;
        }
    }

    /** Records a result; returns false if the task already had an outcome. */
    boolean complete(Object value) {
        if (!outcomeRecorded.compareAndSet(false, true)) {
            return false;
        }
        result = value;
        future.complete(value);
        return true;
    }

    /**
     * Records a failure; returns false if the task already had an outcome. (A future cancelled by the caller
     * is already done; the cancellation outcome is still recorded here.)
     */
    boolean fail(TaskException failure) {
        if (!outcomeRecorded.compareAndSet(false, true)) {
            return false;
        }
        exception = failure;
        future.completeExceptionally(failure);
        return true;
    }

    static Duration checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout must not be null (use Duration.ZERO for none)");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        return timeout;
    }

    /** Builds a {@link ProcessTask}; every setting but the function or class is optional. */
    public static final class Builder {
        private final TaskFunction function;
        private final String callableClassName;
        private List<?> args = List.of();
        private Map<String, ?> kwargs = Map.of();
        private String taskId;
        private Duration timeout = Duration.ZERO;
        private Duration progressTimeout = Duration.ZERO;
        private Duration softTimeout = Duration.ZERO;
        private int retries = -1;
        private List<Class<? extends Throwable>> retryOn = List.of();
        private ResultCallback callback;
        private ExceptionCallback exceptionCallback;
        private ProgressListener progressListener;
        private boolean usePoolCallbacks;

        private Builder(TaskFunction function, String callableClassName) {
            this.function = function;
            this.callableClassName = callableClassName;
        }

        /**
         * Sets the positional arguments.
         *
         * @param args the arguments, which must be serialisable; {@code null} means none; elements may be
         *             {@code null}
         * @return this builder
         */
        public Builder args(List<?> args) {
            this.args = args == null ? List.of() : args;
            return this;
        }

        /**
         * Sets the positional arguments.
         *
         * @param args the arguments, which must be serialisable
         * @return this builder
         */
        public Builder args(Object... args) {
            return args(args == null ? null : java.util.Arrays.asList(args));
        }

        /**
         * Sets the keyword arguments.
         *
         * @param kwargs the arguments by name, values serialisable; {@code null} means none
         * @return this builder
         * @throws IllegalArgumentException if a key is {@code null}
         */
        public Builder kwargs(Map<String, ?> kwargs) {
            if (kwargs != null && hasNullKey(kwargs)) {
                throw new IllegalArgumentException("keyword argument names must not be null");
            }
            this.kwargs = kwargs == null ? Map.of() : kwargs;
            return this;
        }

        /** Maps that cannot hold a null key (Map.of, TreeMap) throw on containsKey(null) instead of saying no. */
        private static boolean hasNullKey(Map<String, ?> kwargs) {
            try {
                return kwargs.containsKey(null);
            } catch (NullPointerException | ClassCastException nullKeysNotSupported) {
                return false;
            }
        }

        /**
         * Sets the task id, which {@link ProcessTask#getTaskId()} returns.
         *
         * @param taskId the id; {@code null} lets the pool assign one when the task is queued
         * @return this builder
         * @throws IllegalArgumentException if blank
         */
        public Builder taskId(String taskId) {
            if (taskId != null && taskId.isBlank()) {
                throw new IllegalArgumentException("task id must not be blank");
            }
            this.taskId = taskId;
            return this;
        }

        /**
         * Sets the timeout, which {@link ProcessTask#getTimeout()} returns.
         *
         * @param timeout the timeout, from the start of execution in the worker; zero (the default) means none
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder timeout(Duration timeout) {
            this.timeout = checkTimeout(timeout);
            return this;
        }

        /**
         * The progress timeout: the task is killed (with a {@link TaskTimeoutException} whose
         * {@link TaskTimeoutException#isProgressTimeout()} is true) when it has not called
         * {@link TaskContext#reportProgress()} for this long. Zero (the default) means none. Works on top of
         * the total {@link #timeout}.
         *
         * @param progressTimeout the progress timeout; zero means none
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder progressTimeout(Duration progressTimeout) {
            this.progressTimeout = checkTimeout(progressTimeout);
            return this;
        }

        /**
         * Soft timeout, then hard. When the task has run for {@code softTimeout} in its worker, the worker
         * interrupts the task's thread and {@link TaskContext#softTimeoutReached()} turns true, so that
         * well-behaved code can stop and return (its result is the task's result) or throw (the outcome is a
         * {@link TaskTimeoutException} whose {@link TaskTimeoutException#isSoftTimeout()} is true, with what it
         * threw as the cause); either way the worker lives on. A task still running at its
         * {@linkplain #timeout timeout} (the hard limit) has its worker's process tree killed as usual, and its
         * {@code TaskTimeoutException} says that it was the hard timeout that the soft one did not prevent.
         *
         * @param softTimeout the soft timeout, from the start of execution; zero (the default) means none. When
         *                    a timeout is set too, it must be shorter than the timeout
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder softTimeout(Duration softTimeout) {
            this.softTimeout = checkTimeout(softTimeout);
            return this;
        }

        /**
         * Bounded retries with quarantine. When an attempt fails because its worker died (a crash, a kill from
         * outside, {@code System.exit}), was killed at the task's {@linkplain #timeout timeout} or
         * {@linkplain #progressTimeout progress timeout} or for its memory
         * ({@link PoolConfig.Builder#workerMemoryHardLimit}), or went unresponsive, the task runs again on
         * another worker, up to {@code retries} more times. A task whose own code threw is not retried, unless
         * the exception is of a type given to {@link #retryOn}; cancelled tasks, start failures and answers
         * that could not be brought back are never retried.
         *
         * <p>The task's callbacks and future hear of it once, when it has its outcome: a result, or the last
         * attempt's failure, which carries the earlier attempts' failures as
         * {@linkplain Throwable#getSuppressed() suppressed} exceptions, {@link TaskException#getAttempts()} and a
         * message that says how each attempt ended. When every allowed attempt failed that way the task is
         * <em>quarantined</em> ({@link TaskException#isQuarantined()}): it is not run again. Task code can
         * tell which attempt it is by {@link TaskContext#attempt()}. A retried attempt goes to the head of the
         * queue, and its timeouts count afresh.
         *
         * @param retries how many more attempts after the first, at least 0; the default is the pool's
         *                ({@link PoolConfig.Builder#retries(int)}, itself 0 by default)
         * @return this builder
         * @throws IllegalArgumentException if negative
         */
        public Builder retries(int retries) {
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, was " + retries);
            }
            this.retries = retries;
            return this;
        }

        /**
         * Also retries the task (see {@link #retries(int)}) when its code throws one of these types, or a
         * subtype. The exception is matched as it arrives in the parent; when its class cannot be loaded there,
         * by its exact name. Without retries ({@code retries} 0) this changes nothing.
         *
         * @param types the exception types
         * @return this builder
         */
        @SafeVarargs
        public final Builder retryOn(Class<? extends Throwable>... types) {
            for (Class<? extends Throwable> t : types) {
                Objects.requireNonNull(t, "retryOn types must not be null");
            }
            this.retryOn = List.of(types);
            return this;
        }

        /**
         * Sets the task's own result callback, run after a success.
         *
         * @param callback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder callback(ResultCallback callback) {
            this.callback = callback;
            return this;
        }

        /**
         * Sets the task's own exception callback, run after a failure.
         *
         * @param exceptionCallback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder exceptionCallback(ExceptionCallback exceptionCallback) {
            this.exceptionCallback = exceptionCallback;
            return this;
        }

        /**
         * Sets the task's progress listener, which hears what the task's code reports with
         * {@link TaskContext#reportProgress(double, String)} while it runs (see {@link ProgressListener} for
         * the thread it runs in and what it may skip).
         *
         * @param listener the listener, or {@code null} for none
         * @return this builder
         */
        public Builder progressListener(ProgressListener listener) {
            this.progressListener = listener;
            return this;
        }

        /**
         * Sets whether the pool's callbacks also run for this task, after its own.
         *
         * @param use whether they do (default: no)
         * @return this builder
         */
        public Builder usePoolCallbacks(boolean use) {
            this.usePoolCallbacks = use;
            return this;
        }

        /**
         * Builds the task.
         *
         * @return the task, ready to be queued once
         * @throws IllegalArgumentException if the soft timeout is not shorter than the timeout
         */
        public ProcessTask build() {
            if (!softTimeout.isZero() && !timeout.isZero() && softTimeout.compareTo(timeout) >= 0) {
                throw new IllegalArgumentException("softTimeout (" + softTimeout.toMillis() + " ms) must be shorter"
                        + " than the timeout (" + timeout.toMillis() + " ms), the hard limit");
            }
            return new ProcessTask(this);
        }
    }
}
