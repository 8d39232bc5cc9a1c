package dev.processpool.internal;

import dev.processpool.protocol.TaskPayload;

import dev.processpool.ResourceLimitException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerUnresponsiveException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A task as the engine sees it: a sequence number, the serialised payload and how to report the outcome.
 * Fields without {@code final} are guarded by the engine's lock unless they say otherwise. Times are the
 * engine's clock ({@link Scheduler#nanoTime()}).
 */
public final class Submission {

    final long sequence;
    final String taskId;
    /** What its worker runs; a retry's says which attempt it is. Written under the lock before it is sent. */
    volatile TaskPayload payload;
    final Supplier<Duration> timeout;
    final Supplier<Duration> progressTimeout;
    final TaskCompletion completion;
    private final AtomicBoolean finished = new AtomicBoolean();

    /** The worker running it, or null while it waits. */
    WorkerHandle worker;
    /** Marks {@link #queuedNanos} as never read: nobody listened when the task was queued. */
    static final long UNSTAMPED = Long.MIN_VALUE;
    /** When it was queued, or {@link #UNSTAMPED} when nobody listened to the engine's events then. */
    long queuedNanos = UNSTAMPED;
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

    /** How many more times it may run after a failure of its worker (see {@link #retries}). Set before it is queued. */
    private int retries;
    /** Which failures of its own code it is retried for (it threw one of the caller's types); null: none. */
    private Predicate<TaskException> retryOnThrown;
    /** Which attempt runs now or next: 1 for the first. Guarded by the lock; read by any thread. */
    volatile int attempt = 1;
    /** The failures of the attempts before this one, oldest first. Guarded by the lock. */
    final List<TaskException> earlierFailures = new ArrayList<>(0);
    /** It ended after its last allowed attempt failed as the ones before it could be retried. */
    volatile boolean quarantined;
    /** How to cut it into one task per item when its worker ends under it, or null. Set before it is queued. */
    Splitter splitter;
    /** Its items' tasks, once it has been split; null before. Guarded by the lock. */
    Split split;
    /** The split task this one is an item of, or null. */
    final Split partOf;
    /** Its place among {@link #partOf}'s items. */
    final int index;

    public Submission(long sequence, String taskId, TaskPayload payload, Supplier<Duration> timeout,
                      Supplier<Duration> progressTimeout, TaskCompletion completion) {
        this.sequence = sequence;
        this.taskId = taskId;
        this.payload = payload;
        this.timeout = timeout;
        this.progressTimeout = progressTimeout;
        this.completion = completion;
        this.partOf = null;
        this.index = 0;
    }

    /** An item of a split task: its own payload, the rest of its settings its parent's. */
    Submission(Split partOf, int index, TaskPayload payload) {
        Submission parent = partOf.parent;
        this.sequence = parent.sequence; // its wire numbers differ by their random upper half
        this.taskId = parent.taskId + "[" + index + "]";
        this.payload = payload;
        this.timeout = parent.timeout;
        this.progressTimeout = parent.progressTimeout;
        this.completion = parent.completion; // never called: its outcome goes to the split (PoolEngine#finish)
        this.partOf = partOf;
        this.index = index;
        this.retries = parent.retries;
        this.retryOnThrown = parent.retryOnThrown;
        this.queuedNanos = parent.queuedNanos;
    }

    /**
     * Lets the task run again, on another worker, up to {@code retries} more times when its worker dies, is
     * killed at its timeout or for its memory, or goes unresponsive; and when the task throws and
     * {@code retryOnThrown} says so. Called before the task is queued.
     *
     * @param retries       how many more attempts after the first, at least 0
     * @param retryOnThrown whether a {@link dev.processpool.TaskExecutionException} is retried, or null: never
     * @return this submission
     */
    public Submission retries(int retries, Predicate<TaskException> retryOnThrown) {
        if (retries < 0) {
            throw new IllegalArgumentException("retries must be >= 0, was " + retries);
        }
        this.retries = retries;
        this.retryOnThrown = retryOnThrown;
        return this;
    }

    /** {@return how many attempts were made: 1, or more when it was retried} */
    public int attempts() {
        return attempt;
    }

    /** {@return the failures of the attempts before the last, oldest first; read once the task has ended} */
    public List<TaskException> earlierFailures() {
        return List.copyOf(earlierFailures);
    }

    /** {@return whether it failed on every attempt it was allowed (its retries were used up)} */
    public boolean quarantined() {
        return quarantined;
    }

    /**
     * Whether a failure is of a kind this task is retried for: its worker died, was killed at the task's
     * timeout or for its memory, or went unresponsive; or the task threw and the caller named the type.
     * Never a cancellation, a start failure or an answer that could not be brought back.
     */
    public boolean retriedFor(TaskException failure) {
        if (retries == 0) {
            return false;
        }
        if (failure instanceof TaskExecutionException) {
            return retryOnThrown != null && retryOnThrown.test(failure);
        }
        return isWorkerFailure(failure);
    }

    /**
     * Whether the task's worker ended under it: it died, was killed at the task's timeout or for its memory, or
     * went unresponsive. The task may not be at fault (or only one item of it, see {@link Splitter}).
     */
    static boolean isWorkerFailure(TaskException failure) {
        return failure instanceof WorkerDiedException || failure instanceof TaskTimeoutException t && !t.isSoftTimeout()
                || failure instanceof WorkerUnresponsiveException || failure instanceof ResourceLimitException;
    }

    /**
     * Makes the task splittable: when its worker ends under it (see {@link #isWorkerFailure}), it is cut into
     * one task per item, which run in its place. Called before the task is queued.
     *
     * @param splitter how to cut it and put it together again
     * @return this submission
     */
    public Submission splitter(Splitter splitter) {
        this.splitter = splitter;
        return this;
    }

    /** Whether another attempt is left. Under the lock. */
    boolean attemptsLeft() {
        return attempt <= retries;
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
