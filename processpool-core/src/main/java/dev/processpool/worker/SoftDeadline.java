package dev.processpool.worker;

import dev.processpool.protocol.TaskProgress;

/**
 * The running task's soft timeout, in the worker: at the soft deadline its thread is interrupted and
 * {@code TaskContext.softTimeoutReached()} turns true. One daemon thread, started with the first task that has
 * a soft timeout, waits for each deadline; the hard timeout stays the parent's.
 */
final class SoftDeadline implements Runnable {

    private static final SoftDeadline INSTANCE = new SoftDeadline();

    /** When the running task's soft timeout passes ({@link System#nanoTime()}); guarded by this. */
    private long deadline;
    /** Whether a deadline is armed; guarded by this. */
    private boolean armed;
    /** The thread running the task; guarded by this. */
    private Thread target;
    /** Whether the waiting thread has been started; guarded by this. */
    private boolean started;

    private SoftDeadline() {
    }

    /** A task starts in the calling thread with this soft timeout (0: none). */
    static void arm(long softTimeoutNanos) {
        TaskProgress.softTimeoutReached(false);
        if (softTimeoutNanos > 0) {
            INSTANCE.armFor(Thread.currentThread(), System.nanoTime() + softTimeoutNanos);
        }
    }

    /**
     * The task has returned or thrown: the deadline is off, the calling thread's interrupt (if the deadline
     * set it) is cleared so that the next task does not start interrupted.
     *
     * @return whether the soft deadline had passed
     */
    static boolean end() {
        boolean reached;
        synchronized (INSTANCE) {
            INSTANCE.armed = false;
            INSTANCE.target = null;
            reached = TaskProgress.softTimeoutReached();
        }
        if (reached) {
            Thread.interrupted();
        }
        TaskProgress.softTimeoutReached(false);
        return reached;
    }

    private synchronized void armFor(Thread thread, long when) {
        target = thread;
        deadline = when;
        armed = true;
        if (!started) {
            started = true;
            Thread t = new Thread(this, "processpool-soft-timeout");
            t.setDaemon(true);
            t.start();
        }
        notifyAll();
    }

    @Override
    public synchronized void run() {
        while (true) {
            try {
                if (!armed) {
                    wait();
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    wait(left / 1_000_000, (int) (left % 1_000_000));
                    continue;
                }
                armed = false;
                TaskProgress.softTimeoutReached(true);
                target.interrupt();
                target = null;
            } catch (Throwable e) {
                // an interrupt or an error (the heap exhausted by the task): the next deadline still counts
            }
        }
    }
}
