package dev.processpool.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The tasks waiting for a worker, in order, and their bound ({@code maxQueuedRequests}): the tasks workers
 * hold behind the one they run count as waiting too (pipelining moves waiting tasks into workers, it does not
 * make them any less waiting). A producer waits for a slot on a condition of the engine's lock, which
 * releases the lock. Guarded by the engine's lock.
 */
final class TaskQueue {

    private final ArrayDeque<Submission> tasks = new ArrayDeque<>();
    private final Condition notFull;
    private final int bound;
    private final WorkerSet workers;

    TaskQueue(ReentrantLock lock, int bound, WorkerSet workers) {
        this.notFull = lock.newCondition();
        this.bound = bound;
        this.workers = workers;
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    int size() {
        return tasks.size();
    }

    /** {@return the first task, taken out, or null} */
    Submission poll() {
        return tasks.pollFirst();
    }

    void add(Submission s) {
        tasks.addLast(s);
    }

    /** Puts a task that did not run back at the head (it may briefly hold more than the bound). */
    void addFirst(Submission s) {
        tasks.addFirst(s);
    }

    /** Takes a task out; a producer may then have a slot. */
    boolean remove(Submission s) {
        boolean removed = tasks.remove(s);
        if (removed) {
            notFull.signalAll();
        }
        return removed;
    }

    /** {@return every waiting task, in order, taken out} */
    List<Submission> takeAll() {
        List<Submission> all = new ArrayList<>(tasks);
        tasks.clear();
        notFull.signalAll();
        return all;
    }

    /** {@return tasks waiting to run: queued, or held by a worker behind the one it runs} */
    int waiting() {
        return tasks.size() + workers.held();
    }

    boolean isFull() {
        return bound > 0 && waiting() >= bound;
    }

    /** Wakes the producers waiting for a slot: one may have come free, or the pool stops accepting. */
    void slotsFreed() {
        notFull.signalAll();
    }

    /**
     * Waits for a slot, releasing the engine's lock while it waits (in real time).
     *
     * @param maxWaitNanos   for a blocking call, how long to wait ({@code Long.MAX_VALUE}: forever)
     * @param stillAccepting checked after every wait; throws when the pool no longer accepts tasks
     * @return false if the queue stayed full (a non-blocking call, or the wait timed out)
     */
    boolean awaitSlot(boolean blocking, long maxWaitNanos, Runnable stillAccepting) throws InterruptedException {
        long remaining = maxWaitNanos;
        while (isFull()) {
            if (!blocking || remaining <= 0) {
                return false;
            }
            if (maxWaitNanos == Long.MAX_VALUE) {
                notFull.await();
            } else {
                remaining = notFull.awaitNanos(remaining);
            }
            stillAccepting.run();
        }
        return true;
    }
}
