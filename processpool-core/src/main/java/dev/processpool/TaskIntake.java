package dev.processpool;

import dev.processpool.internal.PoolEngine;
import dev.processpool.internal.Submission;
import dev.processpool.internal.TaskAccess;
import dev.processpool.internal.TaskCompletion;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.TaskProgress;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How a {@link ProcessPool} takes a task in and hands its outcome back: claims the task, gives it an id
 * (unique among the pool's unfinished tasks), serialises it in the caller's thread, makes the engine's record
 * of it ({@link Submission}: sequence number, retries, splitter) and submits it; when the engine completes
 * it, records the outcome on the task and runs its callbacks with the pool's ({@link TaskCallbacks}). Keeps
 * the pool's callbacks and its unfinished tasks (for {@link #cancel}). Thread-safe.
 */
final class TaskIntake {

    private final String poolName;
    private final PoolConfig config;
    private final PoolEngine engine;
    private final ProgressDelivery progress;
    private final AtomicLong sequences = new AtomicLong();
    private final AtomicLong autoIds = new AtomicLong();
    private final Map<String, ProcessTask> idsInUse = new ConcurrentHashMap<>();
    /** Unfinished tasks and their scheduler records, for {@link #cancel}. */
    private final Map<ProcessTask, Submission> submissions = new ConcurrentHashMap<>();
    private volatile ResultCallback poolCallback;
    private volatile ExceptionCallback poolExceptionCallback;

    TaskIntake(String poolName, PoolConfig config, PoolEngine engine, ProgressDelivery progress) {
        this.poolName = poolName;
        this.config = config;
        this.engine = engine;
        this.progress = progress;
        this.poolCallback = config.getPoolCallback();
        this.poolExceptionCallback = config.getPoolExceptionCallback();
    }

    void setPoolCallback(ResultCallback callback) {
        this.poolCallback = callback;
    }

    void setPoolExceptionCallback(ExceptionCallback callback) {
        this.poolExceptionCallback = callback;
    }

    /** The sequence number of the last task submitted (accepted or not): tasks queued so far are at most this. */
    long lastSequence() {
        return sequences.get();
    }

    /**
     * Queues a task (see {@link ProcessPool#queueTask(ProcessTask, boolean, boolean)}); a task not accepted is
     * left as it was given, to be queued again.
     */
    boolean submit(ProcessTask task, boolean blocking, long maxWaitNanos, boolean usePoolCallbacks) {
        String givenId = task.getTaskID();
        if (!task.markQueued()) {
            throw new IllegalStateException(task + " has been queued already; create a new task");
        }
        String id = null;
        boolean accepted = false;
        try {
            id = TaskAccess.get().reserveId(task, idsInUse, autoIds);
            TaskPayload payload = TaskPayloads.of(task);
            if (usePoolCallbacks) {
                task.enablePoolCallbacks();
            }
            Completion completion = new Completion(task);
            Submission s = new Submission(sequences.incrementAndGet(), id, payload, task::getTimeOut,
                    task::getProgressTimeout, completion)
                    .retries(task.getRetries() < 0 ? config.getRetries() : task.getRetries(), task::retriesOnThrown);
            completion.submission = s;
            if (task.getFunction().orElse(null) instanceof MapRunner.ChunkFunction chunk) {
                s.splitter(chunk.splitter((List<?>) task.getArgs().get(0)));
            }
            submissions.put(task, s);
            try {
                accepted = engine.submit(s, blocking, maxWaitNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RejectedExecutionException("interrupted while waiting for a queue slot: " + task
                        + " was not queued", e);
            }
            if (accepted) {
                task.future().whenComplete((v, ex) -> {
                    if (ex instanceof CancellationException) {
                        engine.cancel(s, "its future was cancelled");
                    }
                });
            }
            return accepted;
        } finally {
            if (!accepted) {
                submissions.remove(task);
                if (id != null) {
                    idsInUse.remove(id, task);
                }
                task.unmarkQueued(givenId);
            }
        }
    }

    /** Cancels an unfinished task of this pool (see {@link ProcessPool#cancel}). */
    boolean cancel(ProcessTask task) {
        Submission s = submissions.get(task);
        return s != null && engine.cancel(s, "cancelled by the caller");
    }

    /** Links a task's outcome to its fields, future and callbacks. */
    private final class Completion implements TaskCompletion {
        private final ProcessTask task;
        /** The engine's view of the task: its attempts. Set before the task is queued. */
        Submission submission;
        /** The task's progress report that its listener has not heard yet. */
        private final AtomicReference<TaskProgress.Report> progressWaiting = new AtomicReference<>();

        Completion(ProcessTask task) {
            this.task = task;
        }

        @Override
        public boolean complete(Object result, TaskException failure, long workerPid, long runNanos) {
            idsInUse.remove(task.getTaskID(), task);
            submissions.remove(task);
            if (failure != null) {
                failure.recordAttempts(submission.earlierFailures(), submission.quarantined());
            }
            return TaskCallbacks.record(task, result, failure, workerPid, runNanos, submission.attempts(),
                    poolCallback, poolExceptionCallback);
        }

        @Override
        public void progress(double fraction, String message) {
            progress.report(task, progressWaiting, fraction, message);
        }

        @Override
        public void runCallbacks() {
            TaskCallbacks.run(task, poolCallback, poolExceptionCallback, poolName);
        }
    }
}
