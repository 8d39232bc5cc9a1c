package dev.processpool.internal;

import dev.processpool.ExceptionCallback;
import dev.processpool.ProcessTask;
import dev.processpool.ResultCallback;
import dev.processpool.TaskException;
import dev.processpool.protocol.TaskPayload;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link dev.processpool.TaskPool} implementation outside {@code dev.processpool} (processpool-hazelcast's
 * cluster pool) needs of a {@link ProcessTask}, the same steps {@link dev.processpool.ProcessPool} takes: claim
 * it, give it an id, serialise it as a worker receives it, record its one outcome and run its callbacks. Not
 * for users: a task's outcome belongs to the pool that accepted it. {@link ProcessTask} registers the one
 * implementation when it is initialised.
 */
public abstract class TaskAccess {

    private static volatile TaskAccess instance;

    /** For {@link ProcessTask} only: registers the implementation, once. */
    protected TaskAccess() {
        synchronized (TaskAccess.class) {
            if (instance != null) {
                throw new IllegalStateException("TaskAccess is registered already");
            }
            instance = this;
        }
    }

    /** The implementation. */
    public static TaskAccess get() {
        TaskAccess a = instance;
        if (a == null) {
            try {
                Class.forName(ProcessTask.class.getName(), true, ProcessTask.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new IllegalStateException(impossible);
            }
            a = instance;
        }
        return a;
    }

    /** Marks the task as queued; false if it already was. */
    public abstract boolean markQueued(ProcessTask task);

    /** Undoes {@link #markQueued} (and an id assigned since) when the task was not accepted after all. */
    public abstract void unmarkQueued(ProcessTask task, String previousId);

    public abstract void assignId(ProcessTask task, String id);

    /**
     * Gives a task being queued its id and registers it in {@code idsInUse}: the id it was given, unless an
     * unfinished task of the pool has it, or else the first free {@code task-N}.
     *
     * @throws IllegalArgumentException if the given id is in use
     */
    public final String reserveId(ProcessTask task, Map<String, ProcessTask> idsInUse, AtomicLong autoIds) {
        String id = task.getTaskID();
        if (id == null) {
            do {
                id = "task-" + autoIds.incrementAndGet();
            } while (idsInUse.putIfAbsent(id, task) != null);
        } else if (idsInUse.putIfAbsent(id, task) != null) {
            throw new IllegalArgumentException("task id '" + id + "' is in use by a task that has not finished");
        }
        assignId(task, id);
        return id;
    }

    /**
     * The task as a worker receives it, serialised as the local pool does it.
     *
     * @throws IllegalArgumentException naming what does not serialise
     */
    public abstract TaskPayload payload(ProcessTask task);

    /**
     * Records the outcome (a null {@code failure} means success) with where and how long it ran, after the
     * attempts that failed before it (see {@link ProcessTask.Builder#retries(int)}): the failure carries them as
     * suppressed exceptions, and says whether the task is quarantined, as the local pool's does.
     *
     * @param earlierFailures the failures of the attempts before this outcome's, oldest first (empty: one attempt)
     * @param quarantined     whether the task was allowed retries and failed on every attempt
     * @return false if the task had an outcome already; else whether callbacks have to run for it
     */
    public abstract boolean record(ProcessTask task, Object result, TaskException failure, long workerPid,
                                   long runNanos, java.util.List<TaskException> earlierFailures, boolean quarantined,
                                   ResultCallback poolCallback, ExceptionCallback poolExceptionCallback);

    /** Whether a failure of the task's own code is of a type the caller asked to retry ({@link ProcessTask.Builder#retryOn}). */
    public abstract boolean retriesOnThrown(ProcessTask task, TaskException failure);

    /** Runs a finished task's callbacks as the local pool does: its own, then the pool's; logs what they throw. */
    public abstract void runCallbacks(ProcessTask task, ResultCallback poolCallback,
                                      ExceptionCallback poolExceptionCallback, String poolName);
}
