package dev.processpool;

import java.time.Instant;
import java.util.Optional;

/**
 * A read-only view of one worker process: DIRAC's {@code WorkingProcess}. Obtained from
 * {@link ProcessPool#getWorkers()}; the values are read live, so two calls may disagree.
 */
public interface WorkingProcess {

    /** The worker's operating-system process id, or {@code -1} while it is being launched. */
    long pid();

    /** The worker's current state. */
    WorkerState state();

    /** The id of the task the worker is running, if any. */
    Optional<String> currentTaskId();

    /** How many tasks this worker has finished (successfully or not). DIRAC's {@code taskProcessed()}. */
    long tasksProcessed();

    /** When the worker's process was launched. */
    Instant startedAt();

    /** Whether the worker is running a task: DIRAC's {@code isWorking()}. */
    default boolean isWorking() {
        return state() == WorkerState.WORKING;
    }

    /** Whether the worker's process is still alive: DIRAC's {@code is_alive()}. */
    default boolean isAlive() {
        return state() != WorkerState.DEAD;
    }
}
