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
     * Records the outcome (a null {@code failure} means success) with where and how long it ran.
     *
     * @return false if the task had an outcome already; else whether callbacks have to run for it
     */
    public abstract boolean record(ProcessTask task, Object result, TaskException failure, long workerPid,
                                   long runNanos, ResultCallback poolCallback, ExceptionCallback poolExceptionCallback);

    /** Runs a finished task's callbacks as the local pool does: its own, then the pool's; logs what they throw. */
    public abstract void runCallbacks(ProcessTask task, ResultCallback poolCallback,
                                      ExceptionCallback poolExceptionCallback, String poolName);
}
