package dev.processpool;

import java.time.Instant;
import java.util.Optional;

/**
 * A read-only view of one worker process: DIRAC's {@code WorkingProcess}. Obtained from
 * {@link ProcessPool#getWorkers()}; the values are read live, so two calls may disagree.
 */
public interface WorkingProcess {

    /** {@return the worker's operating-system process id, or {@code -1} while it is being launched} */
    long pid();

    /** {@return the worker's current state} */
    WorkerState state();

    /** {@return the id of the task the worker is running, if any} */
    Optional<String> currentTaskId();

    /** {@return how many tasks this worker has finished, successfully or not: DIRAC's {@code taskProcessed()}} */
    long tasksProcessed();

    /** {@return when the worker's process was launched} */
    Instant startedAt();

    /**
     * Its resident memory as last read, at a heartbeat, when the pool has a
     * {@linkplain PoolConfig.Builder#memoryBudget(long) memory budget} or a
     * {@linkplain PoolConfig.Builder#workerMemoryHardLimit(long) hard memory limit} (Linux).
     *
     * @return bytes, or 0 when not known
     */
    default long residentBytes() {
        return 0;
    }

    /** {@return whether the worker is running a task: DIRAC's {@code isWorking()}} */
    default boolean isWorking() {
        return state() == WorkerState.WORKING;
    }

    /** {@return whether the worker's process is still alive: DIRAC's {@code is_alive()}} */
    default boolean isAlive() {
        return state() != WorkerState.DEAD;
    }
}
