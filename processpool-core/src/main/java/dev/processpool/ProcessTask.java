package dev.processpool;

import dev.processpool.internal.TaskAccess;

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
        public dev.processpool.protocol.TaskPayload payload(ProcessTask task) {
            return ProcessPool.serialize(task);
        }

        @Override
        public boolean record(ProcessTask task, Object result, TaskException failure, long workerPid, long runNanos,
                              ResultCallback poolCallback, ExceptionCallback poolExceptionCallback) {
            return ProcessPool.record(task, result, failure, workerPid, runNanos, poolCallback, poolExceptionCallback);
        }

        @Override
        public void runCallbacks(ProcessTask task, ResultCallback poolCallback, ExceptionCallback poolExceptionCallback,
                                 String poolName) {
            ProcessPool.runCallbacks(task, poolCallback, poolExceptionCallback, poolName);
        }
    }

    private final TaskFunction function;
    private final String callableClassName;
    private final List<Object> args;
    private final Map<String, Object> kwargs;
    private volatile String taskId;
    private volatile Duration timeout;
    private volatile Duration progressTimeout;
    private final ResultCallback callback;
    private final ExceptionCallback exceptionCallback;
    private volatile boolean usePoolCallbacks;

    private final AtomicBoolean queued = new AtomicBoolean();
    private final AtomicBoolean outcomeRecorded = new AtomicBoolean();
    private final CompletableFuture<Object> future = new CompletableFuture<>();
    private volatile Object result;
    private volatile TaskException exception;
    private volatile long workerPid = -1;
    private volatile Duration runTime = Duration.ZERO;

    private ProcessTask(Builder b) {
        this.function = b.function;
        this.callableClassName = b.callableClassName;
        this.args = Collections.unmodifiableList(new ArrayList<>(b.args));
        this.kwargs = Collections.unmodifiableMap(new LinkedHashMap<>(b.kwargs));
        this.taskId = b.taskId;
        this.timeout = b.timeout;
        this.progressTimeout = b.progressTimeout;
        this.callback = b.callback;
        this.exceptionCallback = b.exceptionCallback;
        this.usePoolCallbacks = b.usePoolCallbacks;
    }

    /**
     * DIRAC's constructor: {@code ProcessTask(taskFunction, args, kwargs, taskID, callback, exceptionCallback,
     * usePoolCallbacks, timeOut)}. {@code null} stands for "not given" in every parameter but the function.
     *
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

    /** A builder for a function task. */
    public static Builder builder(TaskFunction function) {
        Objects.requireNonNull(function, "task function must not be null");
        return new Builder(function, null);
    }

    /** A builder for a callable-class task: the class is instantiated in the worker and then called. */
    public static Builder builder(Class<? extends Callable<?>> callableClass) {
        Objects.requireNonNull(callableClass, "callable class must not be null");
        return new Builder(null, callableClass.getName());
    }

    /**
     * A builder for a callable-class task named by its fully qualified (binary) class name. The class must
     * be on the workers' class path and implement {@link Callable} or {@link Runnable}; the worker checks both and fails the
     * task with a clear {@link TaskExecutionException} if not.
     */
    public static Builder builderForClassName(String callableClassName) {
        Objects.requireNonNull(callableClassName, "callable class name must not be null");
        if (callableClassName.isBlank()) {
            throw new IllegalArgumentException("callable class name must not be blank");
        }
        return new Builder(null, callableClassName.strip());
    }

    // ---- DIRAC's getters -------------------------------------------------------------------------------

    /** The task id: the one given, or the one assigned when the task was queued ({@code null} before). */
    public String getTaskID() {
        return taskId;
    }

    /** The timeout; {@link Duration#ZERO} means none. */
    public Duration getTimeOut() {
        return timeout;
    }

    /**
     * Changes the timeout. Takes effect if the task has not started yet.
     *
     * @throws IllegalArgumentException if negative
     */
    public void setTimeOut(Duration timeout) {
        this.timeout = checkTimeout(timeout);
    }

    /**
     * The progress timeout: the longest the task may run without calling {@link TaskContext#reportProgress()}
     * (counted from its start or its last report); {@link Duration#ZERO} means none.
     */
    public Duration getProgressTimeout() {
        return progressTimeout;
    }

    /** Changes the progress timeout. Takes effect if the task has not started yet. */
    public void setProgressTimeout(Duration progressTimeout) {
        this.progressTimeout = checkTimeout(progressTimeout);
    }

    /** Whether a non-zero timeout is set. */
    public boolean hasTimeOutSet() {
        return !timeout.isZero();
    }

    /** Whether a result callback or an exception callback was given to this task. */
    public boolean hasCallback() {
        return callback != null || exceptionCallback != null;
    }

    /** Whether the pool's callbacks run for this task (after the task's own). */
    public boolean hasPoolCallback() {
        return usePoolCallbacks;
    }

    /** Same as {@link #hasPoolCallback()}: DIRAC has both names. */
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

    /** Whether the task has finished without a result (it threw, timed out, was cancelled, its worker died). */
    public boolean exceptionRaised() {
        return exception != null;
    }

    /** The task's result; {@code null} while it runs, after a failure, or when the task returned null. */
    public Object taskResults() {
        return result;
    }

    /** Why the task failed, or {@code null} while it runs or after a success. */
    public TaskException taskException() {
        return exception;
    }

    /** The pid of the worker that ran the task (or was running it when it failed), or -1 if none did. */
    public long getWorkerPid() {
        return workerPid;
    }

    /**
     * How long the task ran in its worker, from the start of its execution to its outcome; zero if it never
     * started. Known once the task is done.
     */
    public Duration getRunTime() {
        return runTime;
    }

    /** Whether the task has an outcome (a result or a failure). */
    public boolean isDone() {
        return outcomeRecorded.get();
    }

    /**
     * The task's outcome as a future: it completes with the result, or exceptionally with a
     * {@link TaskException}, as soon as the outcome is known (before the callbacks run). Dependent stages
     * registered with the non-{@code Async} methods run in a pool thread: keep them short, or use the
     * {@code Async} variants. Cancelling the future asks the pool to cancel the task.
     */
    public CompletableFuture<Object> future() {
        return future;
    }

    // ---- what the worker runs --------------------------------------------------------------------------

    /** The function of a function task, if this is one. */
    public Optional<TaskFunction> getFunction() {
        return Optional.ofNullable(function);
    }

    /** The class name of a callable-class task, if this is one. */
    public Optional<String> getCallableClassName() {
        return Optional.ofNullable(callableClassName);
    }

    /** The positional arguments (unmodifiable). */
    public List<Object> getArgs() {
        return args;
    }

    /** The keyword arguments (unmodifiable, in insertion order). */
    public Map<String, Object> getKwargs() {
        return kwargs;
    }

    /** The task's own result callback, if any. */
    public ResultCallback getCallback() {
        return callback;
    }

    /** The task's own exception callback, if any. */
    public ExceptionCallback getExceptionCallback() {
        return exceptionCallback;
    }

    @Override
    public String toString() {
        return "ProcessTask[" + (taskId == null ? "(not queued)" : taskId) + ", "
                + (function != null ? "function " + function.getClass().getName() : "class " + callableClassName)
                + ", " + args.size() + " args, " + kwargs.size() + " kwargs"
                + (timeout.isZero() ? "" : ", timeout " + timeout.toMillis() + " ms") + "]";
    }

    // ---- used by ProcessPool -----------------------------------------------------------------------------

    /** Marks the task as queued; false if it already was. */
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

    /** Records where and how long the task ran; called just before its outcome. */
    void recordExecution(long pid, long runNanos) {
        if (!outcomeRecorded.get()) {
            workerPid = pid;
            runTime = Duration.ofNanos(runNanos);
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
        private ResultCallback callback;
        private ExceptionCallback exceptionCallback;
        private boolean usePoolCallbacks;

        private Builder(TaskFunction function, String callableClassName) {
            this.function = function;
            this.callableClassName = callableClassName;
        }

        /** Positional arguments; {@code null} means none. Elements may be {@code null}. */
        public Builder args(List<?> args) {
            this.args = args == null ? List.of() : args;
            return this;
        }

        /** Positional arguments. */
        public Builder args(Object... args) {
            return args(args == null ? null : java.util.Arrays.asList(args));
        }

        /** Keyword arguments; {@code null} means none. Keys must not be {@code null}. */
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

        /** The task id; {@code null} lets the pool assign one. */
        public Builder taskId(String taskId) {
            if (taskId != null && taskId.isBlank()) {
                throw new IllegalArgumentException("task id must not be blank");
            }
            this.taskId = taskId;
            return this;
        }

        /** The timeout, from the start of execution in the worker; zero (the default) means none. */
        public Builder timeout(Duration timeout) {
            this.timeout = checkTimeout(timeout);
            return this;
        }

        /**
         * The progress timeout: the task is killed (with a {@link TaskTimeoutException} whose
         * {@link TaskTimeoutException#isProgressTimeout()} is true) when it has not called
         * {@link TaskContext#reportProgress()} for this long. Zero (the default) means none. Works on top of
         * the total {@link #timeout}.
         */
        public Builder progressTimeout(Duration progressTimeout) {
            this.progressTimeout = checkTimeout(progressTimeout);
            return this;
        }

        public Builder callback(ResultCallback callback) {
            this.callback = callback;
            return this;
        }

        public Builder exceptionCallback(ExceptionCallback exceptionCallback) {
            this.exceptionCallback = exceptionCallback;
            return this;
        }

        /** Whether the pool's callbacks also run for this task, after its own. */
        public Builder usePoolCallbacks(boolean use) {
            this.usePoolCallbacks = use;
            return this;
        }

        public ProcessTask build() {
            return new ProcessTask(this);
        }
    }
}
