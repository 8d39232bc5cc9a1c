package dev.processpool.internal;

import dev.processpool.TaskException;
import dev.processpool.logging.Logs;

import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * The results queue: finished tasks wait here until their callbacks run, in the thread that calls
 * {@link #processResults()} or in the daemon thread. Also the barrier behind {@code processAllResults}: a task
 * is <em>settled</em> once it has an outcome and its callbacks (if any) have run.
 *
 * <p>Callbacks of one pool never run two at once ({@link #callbackLock}); that lock is never held by the
 * scheduler, so a callback may queue tasks and read getters.
 */
public final class ResultDelivery {

    private final ConcurrentSkipListMap<Long, Submission> unsettled = new ConcurrentSkipListMap<>();
    private final ConcurrentLinkedQueue<Submission> ready = new ConcurrentLinkedQueue<>();
    private final ReentrantLock callbackLock = new ReentrantLock();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition signal = signalLock.newCondition();
    private final AtomicInteger waiters = new AtomicInteger();
    /**
     * Set by the first producer that signals sleeping waiters, cleared by each waiter (under the signal lock)
     * before it checks whether to sleep. Results arrive faster than a parked thread wakes up, so without it
     * every result in between would pay for a futex call that wakes nobody new.
     */
    private final java.util.concurrent.atomic.AtomicBoolean wakePending = new java.util.concurrent.atomic.AtomicBoolean();
    private volatile Thread daemon;
    private volatile boolean daemonStopping;
    /** The engine's clock, for tasks' run times. */
    private final LongSupplier nanoClock;

    /** Delivery on {@link System#nanoTime()}. */
    public ResultDelivery() {
        this(System::nanoTime);
    }

    /**
     * Delivery on the engine's clock (see {@link Scheduler#nanoTime()}).
     *
     * @param nanoClock the clock that tasks' start times are taken from
     */
    public ResultDelivery(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
    }

    /** Registers an accepted task, before it can possibly finish. */
    public void track(Submission s) {
        unsettled.put(s.sequence, s);
    }

    /** Records the outcome of a task; called exactly once per task, from any thread. */
    public void completed(Submission s, Object result, TaskException failure) {
        boolean callbacks;
        try {
            long started = s.startedNanos;
            callbacks = s.completion.complete(result, failure, s.workerPid,
                    started == 0 ? 0 : nanoClock.getAsLong() - started);
        } catch (Throwable e) {
            // e.g. a dependent stage of the task's future that the user attached throws
            Logs.quietly(() -> LOG.error("recording the outcome of {} failed", s, e));
            callbacks = false;
        }
        if (callbacks) {
            ready.add(s);
            wake();
        } else {
            settle(s);
        }
    }

    private void settle(Submission s) {
        unsettled.remove(s.sequence);
        wake();
    }

    private void wake() {
        // A producer that loses the race below may skip the signal: the winner has not signalled yet, or has
        // signalled a waiter that has not yet re-checked; either way that waiter sees this producer's work.
        if (waiters.get() > 0 && wakePending.compareAndSet(false, true)) {
            signalLock.lock();
            try {
                signal.signalAll();
            } finally {
                signalLock.unlock();
            }
        }
    }

    /** Runs the callbacks of every finished task waiting in the queue; returns how many tasks that was. */
    public int processResults() {
        int n = 0;
        callbackLock.lock();
        try {
            Submission s;
            while ((s = ready.poll()) != null) {
                try {
                    s.completion.runCallbacks();
                } catch (Throwable e) {
                    Submission failed = s;
                    Logs.quietly(() -> LOG.error("callback of {} failed", failed, e));
                } finally {
                    settle(s);
                }
                n++;
            }
        } finally {
            callbackLock.unlock();
        }
        return n;
    }

    /** Whether the calling thread is running a callback of this pool. */
    public boolean inCallback() {
        return callbackLock.isHeldByCurrentThread();
    }

    /** Whether every task up to and including {@code sequence} is settled. */
    boolean settledUpTo(long sequence) {
        Map.Entry<Long, Submission> first = unsettled.firstEntry();
        return first == null || first.getKey() > sequence;
    }

    /**
     * Waits until every task up to {@code sequence} is settled, running callbacks in this thread unless
     * the daemon thread does it.
     *
     * @return true if they all settled, false if the deadline passed first
     */
    public boolean awaitSettled(long sequence, long deadlineNanos) throws InterruptedException {
        while (true) {
            if (daemon == null || Thread.currentThread() == daemon || callbackLock.isHeldByCurrentThread()) {
                processResults();
            }
            if (settledUpTo(sequence)) {
                return true;
            }
            long remaining = deadlineNanos - System.nanoTime();
            if (remaining <= 0) {
                return false;
            }
            waiters.incrementAndGet();
            signalLock.lock();
            try {
                wakePending.set(false);
                boolean mayRun = daemon == null || callbackLock.isHeldByCurrentThread();
                if (!settledUpTo(sequence) && !(mayRun && !ready.isEmpty())) {
                    signal.awaitNanos(remaining);
                }
            } finally {
                signalLock.unlock();
                waiters.decrementAndGet();
            }
        }
    }

    /** Starts the daemon thread that runs callbacks as results arrive. Idempotent. */
    public synchronized void daemonize(String name) {
        if (daemon != null) {
            return;
        }
        daemonStopping = false;
        Thread t = new Thread(this::daemonLoop, name);
        t.setDaemon(true);
        daemon = t;
        t.start();
    }

    public boolean isDaemonized() {
        return daemon != null;
    }

    private void daemonLoop() {
        while (!daemonStopping) {
            try {
                processResults();
            } catch (Throwable e) {
                // processResults contains every callback's failure; this is the last line of defence
                Logs.quietly(() -> LOG.error("result delivery failed; the callback thread goes on", e));
            }
            waiters.incrementAndGet();
            signalLock.lock();
            try {
                wakePending.set(false);
                if (ready.isEmpty() && !daemonStopping) {
                    signal.await();
                }
            } catch (InterruptedException e) {
                break;
            } finally {
                signalLock.unlock();
                waiters.decrementAndGet();
            }
        }
        processResults();
    }

    /** Stops the daemon thread after it has delivered what is queued. */
    public void stopDaemon(long timeoutMillis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = daemon;
            if (t == null) {
                return;
            }
            daemonStopping = true;
        }
        signalLock.lock();
        try {
            signal.signalAll();
        } finally {
            signalLock.unlock();
        }
        if (t != Thread.currentThread()) {
            t.join(timeoutMillis);
        }
        synchronized (this) {
            daemon = null;
        }
    }
}
