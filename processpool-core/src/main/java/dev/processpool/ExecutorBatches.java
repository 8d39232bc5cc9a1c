package dev.processpool;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * {@link ProcessPoolExecutor}'s batches, {@code invokeAll} and {@code invokeAny}: every task is checked before
 * any is submitted; what has not finished when the batch is over (its deadline passed, a task of
 * {@code invokeAny} succeeded, the caller was interrupted) is cancelled as with {@code cancel(true)}.
 */
final class ExecutorBatches {

    private ExecutorBatches() {
    }

    /** {@link ProcessPoolExecutor#invokeAll}, timed or not. */
    static <T> List<Future<T>> invokeAll(ProcessPoolExecutor executor, Collection<? extends Callable<T>> tasks,
                                         boolean timed, long nanos)
            throws InterruptedException {
        List<Callable<T>> batch = checkedBatch(tasks);
        long deadline = System.nanoTime() + nanos;
        List<Future<T>> futures = new ArrayList<>(batch.size());
        try {
            for (Callable<T> task : batch) {
                futures.add(!timed || deadline - System.nanoTime() > 0 ? startInBatch(executor, task, null)
                        : notSubmitted(executor, task));
            }
            for (Future<T> f : futures) {
                ExecutorFuture<T> tf = (ExecutorFuture<T>) f;
                if (!timed) {
                    tf.awaitDone();
                } else if (!tf.awaitDone(deadline - System.nanoTime())) {
                    break;
                }
            }
            return futures;
        } finally {
            // after a timeout, an interrupt or a rejection: the unfinished are cancelled; done ones stay as they are
            cancelAll(futures);
        }
    }

    /** {@link ProcessPoolExecutor#invokeAny}, timed or not. */
    static <T> T invokeAny(ProcessPoolExecutor executor, Collection<? extends Callable<T>> tasks, boolean timed,
                           long nanos)
            throws InterruptedException, ExecutionException, TimeoutException {
        List<Callable<T>> batch = checkedBatch(tasks);
        if (batch.isEmpty()) {
            throw new IllegalArgumentException("invokeAny needs at least one task");
        }
        long deadline = System.nanoTime() + nanos;
        BlockingQueue<ExecutorFuture<?>> completed = new LinkedBlockingQueue<>();
        List<Future<T>> futures = new ArrayList<>(batch.size());
        ExecutionException last = null;
        int ended = 0;
        try {
            for (Callable<T> task : batch) {
                futures.add(startInBatch(executor, task, completed::add));
                // a task may have succeeded already: then the rest need not be submitted
                for (ExecutorFuture<?> f; (f = completed.poll()) != null; ended++) {
                    try {
                        return outcome(f);
                    } catch (ExecutionException e) {
                        last = e;
                    }
                }
                if (timed && deadline - System.nanoTime() <= 0) {
                    throw new TimeoutException("invokeAny: no task succeeded within the timeout");
                }
            }
            while (ended < futures.size()) {
                ExecutorFuture<?> f = timed ? completed.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)
                        : completed.take();
                if (f == null) {
                    throw new TimeoutException("invokeAny: no task succeeded within the timeout");
                }
                ended++;
                try {
                    return outcome(f);
                } catch (ExecutionException e) {
                    last = e;
                }
            }
            throw last;
        } finally {
            cancelAll(futures);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T outcome(ExecutorFuture<?> f) throws ExecutionException {
        try {
            return (T) f.report();
        } catch (CancellationException e) {
            throw new ExecutionException(e.getMessage(), e);
        }
    }

    /** The tasks of a batch, every one checked before any is submitted. */
    private static <T> List<Callable<T>> checkedBatch(Collection<? extends Callable<T>> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        List<Callable<T>> batch = new ArrayList<>(tasks);
        for (int i = 0; i < batch.size(); i++) {
            Objects.requireNonNull(batch.get(i), "tasks[" + i + "]");
            ProcessPoolExecutor.requireSerializable(batch.get(i));
        }
        return batch;
    }

    /** Submits one task of a batch; an interrupt while waiting for a queue slot becomes an InterruptedException. */
    private static <T> ExecutorFuture<T> startInBatch(ProcessPoolExecutor executor, Callable<T> task,
                                                      Consumer<ExecutorFuture<?>> onDone)
            throws InterruptedException {
        try {
            return executor.start(task, true, null, false, onDone);
        } catch (RejectedExecutionException e) {
            if (Thread.interrupted()) {
                InterruptedException ie = new InterruptedException("interrupted while waiting for a queue slot");
                ie.initCause(e);
                throw ie;
            }
            throw e;
        }
    }

    /** The future of a batch task that was never submitted (its batch ran out of time): cancelled. */
    private static <T> ExecutorFuture<T> notSubmitted(ProcessPoolExecutor executor, Callable<T> task) {
        ExecutorFuture<T> f = new ExecutorFuture<>(executor, -1, task, true, null, false, null);
        f.cancel(false);
        return f;
    }

    private static void cancelAll(List<? extends Future<?>> futures) {
        for (Future<?> f : futures) {
            f.cancel(true);
        }
    }
}
