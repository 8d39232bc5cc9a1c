package dev.processpool.internal;

import dev.processpool.ResourceLimitException;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerStartException;
import dev.processpool.WorkerUnresponsiveException;

/**
 * The engine's event seam: the one place where its task and worker transitions are reported, for metrics,
 * flight-recorder events, log context and run reports to be built on. Passed to the engine from outside;
 * {@link #NONE} by default, which costs nothing (the engine then computes no event's arguments at all).
 *
 * <p>Calls come from the engine's threads (producers, channel readers, the timer, launchers, decoders), in
 * the order the transitions happen: for one task, queued, then started, then (a timeout fired, then) ended;
 * for one worker, launching, then started, then ended. All but {@link #taskEnded} are made under the engine's
 * lock, which is what keeps them in order: a listener must return quickly, and must not block, wait for the
 * pool or call its blocking methods (its getters it may call). One that throws cannot break the engine: its
 * failures stay in the engine, which logs the first and counts the others.
 *
 * <p>Times are nanoseconds of the engine's clock ({@link Scheduler#nanoTime()}). A worker is named by its
 * number in the pool (its pid is known only once it has started: -1 before).
 */
public interface EngineListener {

    /** Hears nothing; the engine skips every event for it. */
    EngineListener NONE = new EngineListener() {
    };

    /** How a task ended. */
    enum Outcome {
        /** It returned a result. */
        SUCCEEDED,
        /** It threw ({@link TaskExecutionException}). */
        FAILED,
        /** Its timeout fired ({@link TaskTimeoutException}). */
        TIMED_OUT,
        /** Its progress timeout fired ({@link TaskTimeoutException#isProgressTimeout()}). */
        PROGRESS_TIMED_OUT,
        /** Its worker died ({@link WorkerDiedException}). */
        WORKER_DIED,
        /** Its worker went silent ({@link WorkerUnresponsiveException}). */
        WORKER_UNRESPONSIVE,
        /** Its worker crossed the hard memory limit ({@link ResourceLimitException}). */
        RESOURCE_LIMIT,
        /** It was cancelled ({@link TaskCancelledException}). */
        CANCELLED,
        /** Its answer could not be brought back ({@link ResultTransferException}). */
        TRANSFER_FAILED,
        /** No worker could be started for it ({@link WorkerStartException}). */
        START_FAILED;

        /**
         * The kind of an outcome.
         *
         * @param failure the task's exception, or null for a result
         * @return its kind
         */
        public static Outcome of(TaskException failure) {
            if (failure == null) {
                return SUCCEEDED;
            } else if (failure instanceof TaskExecutionException) {
                return FAILED;
            } else if (failure instanceof TaskTimeoutException t) {
                return t.isProgressTimeout() ? PROGRESS_TIMED_OUT : TIMED_OUT;
            } else if (failure instanceof WorkerDiedException) {
                return WORKER_DIED;
            } else if (failure instanceof WorkerUnresponsiveException) {
                return WORKER_UNRESPONSIVE;
            } else if (failure instanceof ResourceLimitException) {
                return RESOURCE_LIMIT;
            } else if (failure instanceof TaskCancelledException) {
                return CANCELLED;
            } else if (failure instanceof WorkerStartException) {
                return START_FAILED;
            }
            return TRANSFER_FAILED;
        }
    }

    /** Which timer fired. */
    enum Timeout {
        /** A task's timeout, from its start. */
        TASK,
        /** A task's progress timeout, from its start or last progress. */
        PROGRESS,
        /** A worker sent nothing, not even a heartbeat, for the unresponsive timeout. */
        SILENCE,
        /** A worker held tasks and started none of them within the unresponsive bound after its last answer. */
        START,
        /** Rebuilding a task's answer did not end within its wall-clock bound. */
        DECODE
    }

    /** Why a worker ended. */
    enum WorkerEnd {
        /** It exited by itself (its exit code says how). */
        EXITED(false),
        /** A signal from outside the pool killed it (its exit code is 128 + the signal). */
        SIGNALLED(false),
        /** It never completed its handshake. */
        LAUNCH_FAILED(false),
        /** The pool killed it: its task's timeout or progress timeout fired. */
        TIMEOUT(true),
        /** The pool killed it: its task was cancelled. */
        CANCELLED(true),
        /** The pool killed it (hard limit) or replaced it (limit) for its resident memory. */
        MEMORY(true),
        /** The pool killed it: it went silent, or did not start the tasks it held. */
        UNRESPONSIVE(true),
        /** The pool killed it: it broke the protocol, or its channel broke. */
        PROTOCOL_VIOLATION(true),
        /** The pool killed it: a task could not be written to it. */
        UNREACHABLE(true),
        /** The pool stopped it: it had run {@code maxTasksPerWorker} tasks. */
        RECYCLED(true),
        /** The pool stopped it: it was idle for {@code idleTimeout} with enough others alive. */
        IDLE_RETIRED(true),
        /** The pool stopped it: processing stopped or the pool shut down. */
        SHUTDOWN(true);

        private final boolean byPool;

        WorkerEnd(boolean byPool) {
            this.byPool = byPool;
        }

        /** {@return whether the pool ended the worker (else it died, or never started)} */
        public boolean byPool() {
            return byPool;
        }
    }

    /**
     * A task was accepted into the queue.
     *
     * @param taskId   the task's id
     * @param sequence its sequence number in the pool
     */
    default void taskQueued(String taskId, long sequence) {
    }

    /**
     * A worker reported that it started a task.
     *
     * @param taskId         the task's id
     * @param workerPid      the worker's pid
     * @param queueWaitNanos from its queueing to its start (time held by a pipelining worker included)
     */
    default void taskStarted(String taskId, long workerPid, long queueWaitNanos) {
    }

    /**
     * A task got its one outcome.
     *
     * @param taskId    the task's id
     * @param outcome   how it ended
     * @param runNanos  from its start to its outcome, or 0 if it never started
     * @param workerPid the worker it last ran on or was given to, or -1
     */
    default void taskEnded(String taskId, Outcome outcome, long runNanos, long workerPid) {
    }

    /**
     * A timer of the engine fired and it acts on it (the task's outcome, or the worker's end, follows).
     *
     * @param kind      which timer
     * @param taskId    the task it fired for, or null (a silent idle worker)
     * @param workerPid the worker's pid, or -1
     */
    default void timeoutFired(Timeout kind, String taskId, long workerPid) {
    }

    /**
     * The pool decided to start a worker.
     *
     * @param worker its number in the pool
     */
    default void workerLaunching(int worker) {
    }

    /**
     * A worker completed its handshake.
     *
     * @param worker       its number in the pool
     * @param pid          its pid
     * @param startupNanos from the start of its launch to its completed handshake
     */
    default void workerStarted(int worker, long pid, long startupNanos) {
    }

    /**
     * A worker is gone (its process has exited, or its launch failed or was called off).
     *
     * @param worker   its number in the pool
     * @param pid      its pid, or -1 if it never started
     * @param cause    why
     * @param exitCode its exit code as the JDK reports it ({@code 128 + n} for signal n), or -1 if unknown
     */
    default void workerEnded(int worker, long pid, WorkerEnd cause, int exitCode) {
    }

    /**
     * A task's answer (a result or its exception) is being brought back.
     *
     * @param taskId    the task's id
     * @param workerPid the worker's pid
     * @param bytes     its size on the wire
     */
    default void resultBytes(String taskId, long workerPid, long bytes) {
    }
}
