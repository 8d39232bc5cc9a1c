package dev.processpool;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The future of one task of a {@link ProcessPoolExecutor}: completes once, with the pool's outcome or a cancellation, whichever comes
 * first. A cancellation also withdraws the task or kills its worker, through the pool.
 */
final class ExecutorFuture<T> implements Future<T> {
    private static final int PENDING = 0;
    private static final int SUCCEEDED = 1;
    private static final int FAILED = 2;
    private static final int CANCELLED = 3;

    private final ProcessPoolExecutor executor;
    final long sequence;
    final Object task;
    final boolean callable;
    final boolean fromExecute;
    private final T runnableResult;
    private final Consumer<ExecutorFuture<?>> onDone;
    /** The pool's task, once queued and attached (under the executor's lock); null before. */
    volatile ProcessTask processTask;
    private final AtomicInteger state = new AtomicInteger(PENDING);
    private final CountDownLatch done = new CountDownLatch(1);
    /** The value; the cause of the failure; or the reason of the cancellation. Written before {@link #done}. */
    private Object outcome;
    private String failureMessage;

    ExecutorFuture(ProcessPoolExecutor executor, long sequence, Object task, boolean callable, T runnableResult,
                   boolean fromExecute, Consumer<ExecutorFuture<?>> onDone) {
        this.executor = executor;
        this.sequence = sequence;
        this.task = task;
        this.callable = callable;
        this.runnableResult = runnableResult;
        this.fromExecute = fromExecute;
        this.onDone = onDone;
    }

    @SuppressWarnings("unchecked")
    void succeed(Object value) {
        complete(SUCCEEDED, callable ? (T) value : runnableResult, null);
    }

    /** Records a failure; a cancellation by the pool makes the future cancelled. */
    boolean fail(String taskId, Throwable failure) {
        if (failure instanceof TaskCancelledException c) {
            CancellationException e = new CancellationException(c.getMessage());
            e.initCause(c);
            return complete(CANCELLED, e, null);
        }
        if (failure instanceof TaskExecutionException x && x.getCause() != null) {
            return complete(FAILED, x.getCause(), x.getMessage() + " (in worker " + x.getWorkerPid() + ")");
        }
        String message = failure.getMessage() != null ? failure.getMessage() : "task " + taskId + " failed";
        return complete(FAILED, failure, message);
    }

    private boolean complete(int newState, Object value, String message) {
        if (!state.compareAndSet(PENDING, newState)) {
            return false;
        }
        outcome = value;
        failureMessage = message;
        done.countDown();
        if (onDone != null) {
            onDone.accept(this);
        }
        return true;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        if (isDone()) {
            return false;
        }
        ProcessTask t = processTask;
        boolean leaveRunning = !mayInterruptIfRunning && t != null && executor.isRunning(t);
        String how = t == null ? " before it was submitted" : leaveRunning ? " (left to run; its result is dropped)"
                : mayInterruptIfRunning ? " (withdrawn, or its worker killed if it had started)"
                : " (withdrawn before it started)";
        if (!complete(CANCELLED, new CancellationException((t == null ? ProcessPoolExecutor.describe(task) : "task "
                + t.getTaskID()) + " was cancelled" + how), null)) {
            return false;
        }
        if (t != null && !leaveRunning) {
            executor.getPool().cancel(t);
        }
        return true;
    }

    @Override
    public boolean isCancelled() {
        return state.get() == CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state.get() != PENDING;
    }

    @Override
    public T get() throws InterruptedException, ExecutionException {
        awaitDone();
        return report();
    }

    @Override
    public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!awaitDone(unit.toNanos(timeout))) {
            ProcessTask t = processTask;
            throw new TimeoutException((t == null ? ProcessPoolExecutor.describe(task) : "task " + t.getTaskID())
                    + " has not finished within " + timeout + " " + unit.name().toLowerCase(java.util.Locale.ROOT));
        }
        return report();
    }

    /** Waits for the outcome; a done future returns at once, even in an interrupted thread. */
    void awaitDone() throws InterruptedException {
        if (!isDone()) {
            done.await();
        }
    }

    boolean awaitDone(long nanos) throws InterruptedException {
        return isDone() || done.await(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    @SuppressWarnings("unchecked")
    T report() throws ExecutionException {
        switch (state.get()) {
            case SUCCEEDED:
                return (T) outcome;
            case FAILED:
                throw new ExecutionException(failureMessage, (Throwable) outcome);
            case CANCELLED: {
                CancellationException reason = (CancellationException) outcome;
                CancellationException e = new CancellationException(reason.getMessage());
                e.initCause(reason.getCause());
                throw e;
            }
            default:
                throw new IllegalStateException("not done");
        }
    }

    @Override
    public String toString() {
        ProcessTask t = processTask;
        String s;
        switch (state.get()) {
            case SUCCEEDED: s = "completed normally"; break;
            case FAILED: s = "completed exceptionally: " + failureMessage; break;
            case CANCELLED: s = "cancelled"; break;
            default: s = "not completed";
        }
        return "Future[" + (t == null ? ProcessPoolExecutor.describe(task) : "task " + t.getTaskID()) + ", " + s + "]";
    }
}
