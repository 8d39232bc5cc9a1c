package dev.processpool.internal;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's memory for task answers in transit: a frame's body reserves its size here before it is read,
 * and gives it back once it has been decoded (a result then belongs to its task). Reservations are granted
 * in the order they were asked for, so a large answer is not starved by a stream of small ones; one larger
 * than the whole budget is never granted (the caller fails its task instead of waiting).
 */
final class ResultMemoryBudget {

    private final long capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Waiting reservations, oldest first. Guarded by {@link #lock}. */
    private final ArrayDeque<Reservation> waiting = new ArrayDeque<>();
    /** Bytes reserved and not yet released. Guarded by {@link #lock}. */
    private long used;

    ResultMemoryBudget(long capacity) {
        this.capacity = capacity;
    }

    long capacity() {
        return capacity;
    }

    /** Bytes reserved now. */
    long used() {
        lock.lock();
        try {
            return used;
        } finally {
            lock.unlock();
        }
    }

    /** A grant of some bytes of the budget; {@link #release()} gives them back, once. */
    final class Reservation {
        final long bytes;
        private final AtomicBoolean released = new AtomicBoolean();

        Reservation(long bytes) {
            this.bytes = bytes;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                lock.lock();
                try {
                    used -= bytes;
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Reserves at once when nobody waits and the bytes are free; else null. */
    Reservation tryReserve(long bytes) {
        requireFits(bytes);
        lock.lock();
        try {
            if (waiting.isEmpty() && used + bytes <= capacity) {
                used += bytes;
                return new Reservation(bytes);
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    /** Waits, behind the reservations asked for earlier, until the bytes are free, and reserves them. */
    Reservation reserve(long bytes) throws InterruptedException {
        requireFits(bytes);
        Reservation r = new Reservation(bytes);
        lock.lock();
        try {
            waiting.addLast(r);
            try {
                while (waiting.peekFirst() != r || used + bytes > capacity) {
                    changed.await();
                }
            } catch (InterruptedException e) {
                waiting.remove(r);
                changed.signalAll(); // the next in line may fit now
                throw e;
            }
            waiting.removeFirst();
            used += bytes;
            changed.signalAll();
            return r;
        } finally {
            lock.unlock();
        }
    }

    private void requireFits(long bytes) {
        if (bytes < 0 || bytes > capacity) {
            throw new IllegalArgumentException(bytes + " bytes can never fit a budget of " + capacity);
        }
    }
}
