package dev.processpool;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The task API shared by pools: {@link ProcessPool} runs tasks in worker JVMs of its own, other
 * implementations run the same {@link ProcessTask}s elsewhere (processpool-hazelcast's {@code ClusterPool}
 * runs them in the worker JVMs of a cluster's members). Code written against this interface works with
 * either. Every accepted task ends in exactly one outcome; callbacks, futures, result processing and the life
 * cycle behave as {@link ProcessPool} documents them.
 */
public interface TaskPool extends AutoCloseable {

    /**
     * DIRAC's {@code queueTask(task, blocking, usePoolCallbacks)}.
     *
     * @param task             the task, not queued before
     * @param blocking         wait for a queue slot when the queue is full; if false, return false at once
     * @param usePoolCallbacks if true, the pool's callbacks also run for this task
     * @return true if the task was queued, false if the queue was full and {@code blocking} was false
     * @throws IllegalArgumentException   if the task cannot be serialised or its id is in use
     * @throws IllegalStateException      if the task was queued before
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shutting down or shut down, or the
     *                                    calling thread was interrupted while it waited
     */
    boolean queueTask(ProcessTask task, boolean blocking, boolean usePoolCallbacks);

    /**
     * Queues a task, waiting at most {@code maxWait} for a queue slot.
     *
     * @param task             the task, not queued before
     * @param maxWait          the longest to wait for a slot
     * @param usePoolCallbacks if true, the pool's callbacks also run for this task
     * @return true if queued, false if the queue stayed full for {@code maxWait}
     * @throws IllegalArgumentException   if the task cannot be serialised or its id is in use
     * @throws IllegalStateException      if the task was queued before
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shutting down or shut down
     */
    boolean queueTask(ProcessTask task, Duration maxWait, boolean usePoolCallbacks);

    /**
     * Queues a task, waiting for a queue slot if need be. Same as {@code queueTask(task, true, false)}.
     *
     * @param task the task, not queued before
     * @return true: the task was queued
     * @throws IllegalArgumentException   if the task cannot be serialised or its id is in use
     * @throws IllegalStateException      if the task was queued before
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shutting down or shut down
     */
    default boolean queueTask(ProcessTask task) {
        return queueTask(task, true, false);
    }

    /**
     * DIRAC's {@code createAndQueueTask}: creates a function task and queues it.
     *
     * @param function          what the worker calls
     * @param args              the positional arguments, or {@code null} for none
     * @param kwargs            the keyword arguments, or {@code null} for none
     * @param taskId            the id, or {@code null} to have one assigned
     * @param callback          the task's result callback, or {@code null}
     * @param exceptionCallback the task's exception callback, or {@code null}
     * @param blocking          whether to wait for a queue slot when the queue is full
     * @param usePoolCallbacks  whether the pool's callbacks also run for this task
     * @param timeOut           the timeout from the start of execution; zero or {@code null} for none
     * @return the task, or empty if {@code blocking} is false and the queue was full
     * @throws NullPointerException       if {@code function} is null
     * @throws IllegalArgumentException   if the task cannot be serialised, its id is in use or the timeout
     *                                    is negative
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shutting down or shut down
     */
    default Optional<ProcessTask> createAndQueueTask(TaskFunction function, List<?> args, Map<String, ?> kwargs,
                                                     String taskId, ResultCallback callback,
                                                     ExceptionCallback exceptionCallback, boolean blocking,
                                                     boolean usePoolCallbacks, Duration timeOut) {
        ProcessTask task = new ProcessTask(function, args, kwargs, taskId, callback, exceptionCallback,
                usePoolCallbacks, timeOut);
        return queueTask(task, blocking, usePoolCallbacks) ? Optional.of(task) : Optional.empty();
    }

    /**
     * Creates a function task with positional arguments and queues it, waiting for a slot if need be.
     *
     * @param function what the worker calls
     * @param args     the positional arguments
     * @return the task, queued
     * @throws IllegalArgumentException   if the task cannot be serialised
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shutting down or shut down
     */
    default ProcessTask createAndQueueTask(TaskFunction function, Object... args) {
        ProcessTask task = ProcessTask.builder(function).args(args).build();
        queueTask(task);
        return task;
    }

    /**
     * Cancels a task: a waiting task will not run; a running one has its worker killed. The task ends with a
     * {@link TaskCancelledException}. Same as cancelling its {@link ProcessTask#future() future}.
     *
     * @param task the task
     * @return true if the task was cancelled, false if it had an outcome already or was never queued here
     */
    boolean cancel(ProcessTask task);

    /**
     * Applies {@code function} to every input in the workers and returns the results in input order, like
     * Python's {@code Pool.map}: the inputs travel in chunks of {@code chunkSize}, one task per chunk, which is
     * much faster than one task per input for small inputs. Blocks until every chunk has finished.
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable
     * @param chunkSize how many inputs travel in one task, at least 1
     * @return the results, in input order
     * @throws java.util.concurrent.CompletionException at the first chunk (in input order) that failed, or the
     *         first item that failed in a chunk that was split (see {@link #imap}); its cause is the chunk's or
     *         the item's {@link TaskException}. Chunks after it still run.
     * @throws IllegalArgumentException if {@code chunkSize < 1}
     */
    default <T, R> List<R> map(MapFunction<? super T, ? extends R> function, Collection<? extends T> inputs,
                               int chunkSize) {
        return map(function, inputs, chunkSize, Duration.ZERO);
    }

    /**
     * {@link #map(MapFunction, Collection, int)} with a timeout for each chunk (see
     * {@link #imap(MapFunction, Iterable, int, Duration)}).
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable
     * @param chunkSize how many inputs travel in one task, at least 1
     * @param timeout   each chunk's timeout, and each item's once its chunk was split; zero means none
     * @return the results, in input order
     * @throws java.util.concurrent.CompletionException as {@link #map(MapFunction, Collection, int)}
     * @throws IllegalArgumentException if {@code chunkSize < 1} or the timeout is negative
     */
    default <T, R> List<R> map(MapFunction<? super T, ? extends R> function, Collection<? extends T> inputs,
                               int chunkSize, Duration timeout) {
        List<R> results = new ArrayList<>(inputs.size());
        imap(function, inputs, chunkSize, timeout).forEachRemaining(results::add);
        return results;
    }

    /**
     * Like {@link #map} but lazy, like Python's {@code Pool.imap}: returns at once and hands out results in
     * input order as they become available; a background thread feeds the chunks, waiting for queue slots and
     * never getting more than a few chunks per worker ({@link #getMaxSize()}) ahead of the consumer. A failed
     * chunk makes {@code hasNext()}/{@code next()} throw a {@link java.util.concurrent.CompletionException}
     * (cause: the chunk's {@link TaskException}) once, in its place; iteration may go on after it. The iterator
     * is for one thread.
     *
     * <p>On a {@link ProcessPool}, a chunk whose worker dies, is killed at a timeout (see
     * {@link #imap(MapFunction, Iterable, int, Duration)}) or for its memory, or goes unresponsive is not lost: it is <em>split</em>, its items run again one by one (each as a task of its
     * own, at the head of the queue, with the pool's {@linkplain PoolConfig.Builder#retries(int) retries}), so
     * only the culprit fails: in its place {@code hasNext()}/{@code next()} throw a {@code CompletionException}
     * whose cause is that item's {@link TaskException}, and every other item gets its result. The items before
     * the culprit run twice: the function should be safe to run again.
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable; read lazily, so they may be endless
     * @param chunkSize how many inputs travel in one task, at least 1
     * @return the results, in input order
     * @throws IllegalArgumentException   if {@code chunkSize < 1}
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down
     */
    default <T, R> Iterator<R> imap(MapFunction<? super T, ? extends R> function, Iterable<? extends T> inputs,
                                    int chunkSize) {
        return imap(function, inputs, chunkSize, Duration.ZERO);
    }

    /**
     * {@link #imap(MapFunction, Iterable, int)} with a timeout for each chunk: a chunk still running after
     * {@code timeout} in its worker has its worker's process tree killed, like a task's
     * {@linkplain ProcessTask.Builder#timeout timeout}. On a {@link ProcessPool} it is then split like a chunk
     * whose worker died: its items run again one by one, each with the same {@code timeout} for itself, so
     * only the item that overran it fails (with a {@link TaskTimeoutException}) and every other item gets its
     * result. Choose the timeout for a whole chunk: an item alone gets as long.
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable; read lazily, so they may be endless
     * @param chunkSize how many inputs travel in one task, at least 1
     * @param timeout   each chunk's timeout, and each item's once its chunk was split; zero means none
     * @return the results, in input order
     * @throws IllegalArgumentException   if {@code chunkSize < 1} or the timeout is negative
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down
     */
    default <T, R> Iterator<R> imap(MapFunction<? super T, ? extends R> function, Iterable<? extends T> inputs,
                                    int chunkSize, Duration timeout) {
        return MapRunner.start(this, function, inputs, chunkSize, timeout, true);
    }

    /**
     * Like {@link #imap}, but hands out each chunk's results as soon as that chunk finishes.
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable; read lazily, so they may be endless
     * @param chunkSize how many inputs travel in one task, at least 1
     * @return the results, chunk by chunk as chunks finish, in input order within a chunk
     * @throws IllegalArgumentException   if {@code chunkSize < 1}
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down
     */
    default <T, R> Iterator<R> imapUnordered(MapFunction<? super T, ? extends R> function,
                                             Iterable<? extends T> inputs, int chunkSize) {
        return imapUnordered(function, inputs, chunkSize, Duration.ZERO);
    }

    /**
     * {@link #imapUnordered(MapFunction, Iterable, int)} with a timeout for each chunk, and for each item of a
     * chunk that was split (see {@link #imap(MapFunction, Iterable, int, Duration)}).
     *
     * @param <T>       the type of the inputs
     * @param <R>       the type of the results
     * @param function  what each worker applies to each input
     * @param inputs    the inputs, each serialisable; read lazily, so they may be endless
     * @param chunkSize how many inputs travel in one task, at least 1
     * @param timeout   each chunk's timeout, and each item's once its chunk was split; zero means none
     * @return the results, chunk by chunk as chunks finish, in input order within a chunk
     * @throws IllegalArgumentException   if {@code chunkSize < 1} or the timeout is negative
     * @throws java.util.concurrent.RejectedExecutionException if the pool is shut down
     */
    default <T, R> Iterator<R> imapUnordered(MapFunction<? super T, ? extends R> function,
                                             Iterable<? extends T> inputs, int chunkSize, Duration timeout) {
        return MapRunner.start(this, function, inputs, chunkSize, timeout, false);
    }

    /**
     * Runs the callbacks of every task that has finished since the last call, in this thread, and returns
     * how many tasks that was. Does not wait.
     *
     * @return the number of tasks whose callbacks ran
     */
    int processResults();

    /**
     * A barrier: waits until every task queued before this call has finished and its callbacks have run, or
     * until the timeout passes.
     *
     * @param timeout the longest to wait
     * @return true if all those tasks were settled, false if the timeout passed first
     * @throws IllegalStateException if called from a callback (it would wait for that callback's own task)
     */
    boolean processAllResults(Duration timeout);

    /** Runs callbacks in a background daemon thread, as soon as results arrive, from now on. Idempotent. */
    void daemonize();

    /** {@return whether {@link #daemonize()} has been called (and the pool is not shut down)} */
    boolean isDaemonized();

    /**
     * DIRAC's {@code setPoolCallback}: sets the pool's result callback.
     *
     * @param callback the callback, or {@code null} for none
     */
    void setPoolCallback(ResultCallback callback);

    /**
     * DIRAC's {@code setPoolExceptionCallback}: sets the pool's exception callback.
     *
     * @param callback the callback, or {@code null} for none
     */
    void setPoolExceptionCallback(ExceptionCallback callback);

    /**
     * DIRAC's {@code stopProcessing}: stops starting tasks, waits up to {@code timeout} for running tasks to
     * finish and cancels those still running. Tasks can still be queued; {@link #startProcessing()} resumes.
     *
     * @param timeout how long running tasks may take to finish before they are cancelled
     */
    void stopProcessing(Duration timeout);

    /** DIRAC's {@code startProcessing}: after {@link #stopProcessing}, starts tasks again. */
    void startProcessing();

    /**
     * DIRAC's {@code finalize(timeout)}: stops accepting tasks, runs those queued, delivers every callback;
     * when {@code timeout} passes first, cancels what has not finished. Idempotent.
     *
     * @param timeout how long queued and running tasks may take to finish before they are cancelled
     * @return true if every task finished within the timeout, false if some were cancelled
     * @throws IllegalStateException if called from a callback (it would wait for that callback's own task)
     */
    boolean shutdown(Duration timeout);

    /** {@code shutdown(Duration.ofSeconds(60))}. */
    @Override
    default void close() {
        shutdown(Duration.ofSeconds(60));
    }

    /** {@return whether {@link #shutdown} has been called (the pool accepts no more tasks)} */
    boolean isShutdown();

    /** {@return whether shutdown has completed: nothing the pool started is still running} */
    boolean isTerminated();

    /** {@return the most tasks the pool runs at once, as far as it knows now (sizes {@link #imap}'s read-ahead)} */
    int getMaxSize();

    /** {@return tasks accepted and waiting to run (running ones not included)} */
    int getNumPendingTasks();

    /** {@return whether the waiting tasks are at {@code maxQueuedRequests} (never, when unbounded)} */
    boolean isFull();

    /** {@return whether tasks are waiting to run} */
    default boolean hasPendingTasks() {
        return getNumPendingTasks() > 0;
    }

    /** {@return whether any task is waiting or running} */
    boolean isWorking();
}
