package dev.processpool.internal;

import dev.processpool.protocol.TaskPayload;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * A task as the engine sees it: a sequence number, the serialised payload and how to report the outcome.
 * Fields without {@code final} are guarded by the engine's lock unless they say otherwise. Times are the
 * engine's clock ({@link Scheduler#nanoTime()}).
 */
public final class Submission {

    final long sequence;
    final String taskId;
    final TaskPayload payload;
    final Supplier<Duration> timeout;
    final Supplier<Duration> progressTimeout;
    final TaskCompletion completion;
    private final AtomicBoolean finished = new AtomicBoolean();

    /** The worker running it, or null while it waits. */
    WorkerHandle worker;
    /** When it was queued, or 0 when nobody listens to the engine's events. */
    long queuedNanos;
    /** When it started in its worker, or 0. Written by the worker's reader thread. */
    volatile long startedNanos;
    /** When it last reported progress, or 0. */
    volatile long lastProgressNanos;
    /** The pending progress check, if a progress timeout is set and the task has started. */
    Scheduler.Timer progressCheck;
    /** How often a worker holding it died before starting it (it then went back to the queue). */
    int handBacks;
    /** The pid of the last worker it was given to, or -1. */
    volatile long workerPid = -1;
    /** The pending timeout, if one is set and the task has started. */
    Scheduler.Timer deadline;
    /**
     * What the task is called on the wire while it is with its worker: a random upper half (drawn each time it
     * is given to a worker), its sequence number in the lower. Task code in a worker that forges frames
     * cannot guess the number of another task its worker holds.
     */
    volatile long wire;
    /** Since when its answer has waited for the result memory budget, or 0. */
    long pausedSinceNanos;
    /** How long its answer has waited for the result memory budget, in all: not counted as running time. */
    long pausedNanos;
    /** A deadline or progress check fell due while its answer waited for the budget: look again after it. */
    boolean deadlineDue;

    public Submission(long sequence, String taskId, TaskPayload payload, Supplier<Duration> timeout,
                      Supplier<Duration> progressTimeout, TaskCompletion completion) {
        this.sequence = sequence;
        this.taskId = taskId;
        this.payload = payload;
        this.timeout = timeout;
        this.progressTimeout = progressTimeout;
        this.completion = completion;
    }

    /** Claims the right to report this task's outcome: true exactly once. */
    boolean markFinished() {
        return finished.compareAndSet(false, true);
    }

    boolean isFinished() {
        return finished.get();
    }

    @Override
    public String toString() {
        return "task " + taskId + " (#" + sequence + ")";
    }
}
