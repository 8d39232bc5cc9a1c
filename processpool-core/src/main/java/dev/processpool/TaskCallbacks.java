package dev.processpool;

import dev.processpool.logging.Logs;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * A task's outcome, recorded on the task, and its callbacks: its own, then the pool's if it uses them. What a
 * callback throws is logged (under the pool's logger) and does not stop the thread that runs them. Shared by
 * {@link ProcessPool} and the other pools that complete {@link ProcessTask}s (through
 * {@code internal.TaskAccess}).
 */
final class TaskCallbacks {

    private static final Logger LOG = Logs.logger(ProcessPool.class.getName(), Level.WARN);

    private TaskCallbacks() {
    }

    /**
     * Records a task's outcome (exactly one of {@code result} and {@code failure} counts: a null failure
     * means success); false if it had one already. Otherwise true if callbacks have to run for it.
     */
    static boolean record(ProcessTask task, Object result, TaskException failure, long workerPid, long runNanos,
                          ResultCallback poolCallback, ExceptionCallback poolExceptionCallback) {
        return record(task, result, failure, workerPid, runNanos, 1, poolCallback, poolExceptionCallback);
    }

    /** As {@link #record(ProcessTask, Object, TaskException, long, long, ResultCallback, ExceptionCallback)}, after {@code attempts} attempts. */
    static boolean record(ProcessTask task, Object result, TaskException failure, long workerPid,
                          long runNanos, int attempts, ResultCallback poolCallback,
                          ExceptionCallback poolExceptionCallback) {
        task.recordExecution(workerPid, runNanos, attempts);
        boolean recorded = failure == null ? task.complete(result) : task.fail(failure);
        if (!recorded) {
            return false;
        }
        boolean own = failure == null ? task.getCallback() != null : task.getExceptionCallback() != null;
        boolean pool = task.usePoolCallbacks()
                && (failure == null ? poolCallback != null : poolExceptionCallback != null);
        return own || pool;
    }

    /** Runs a finished task's own callback, then the pool's if the task uses them; logs what they throw. */
    static void run(ProcessTask task, ResultCallback poolCallback, ExceptionCallback poolExceptionCallback,
                    String poolName) {
        TaskException failure = task.taskException();
        if (failure == null) {
            call(task, task.getCallback(), null, poolName);
            if (task.usePoolCallbacks()) {
                call(task, poolCallback, null, poolName);
            }
        } else {
            call(task, null, task.getExceptionCallback(), poolName);
            if (task.usePoolCallbacks()) {
                call(task, null, poolExceptionCallback, poolName);
            }
        }
    }

    private static void call(ProcessTask task, ResultCallback onResult, ExceptionCallback onException,
                             String poolName) {
        try {
            if (onResult != null) {
                onResult.onResult(task, task.taskResults());
            } else if (onException != null) {
                onException.onException(task, task.taskException());
            }
        } catch (Throwable e) {
            // Anything: checked exceptions thrown undeclared (Kotlin, Groovy, @SneakyThrows) and Errors too.
            // A VirtualMachineError here is the callback's own (its allocations are garbage once it has
            // returned): the thread delivering results must go on; -XX:+ExitOnOutOfMemoryError is there for
            // applications that would rather stop.
            Logs.quietly(() -> LOG.error("{}: a callback of {} threw; result processing goes on",
                    poolName, task, e));
        }
    }
}
