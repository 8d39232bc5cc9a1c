package dev.processpool;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

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
     * The worker's resident memory (its resident set), read from the operating system at the call: on Linux
     * from {@code /proc}; empty elsewhere, before the worker has started and after it has ended.
     *
     * @return its resident memory in bytes, if it can be read
     */
    default OptionalLong residentMemoryBytes() {
        return OptionalLong.empty();
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
