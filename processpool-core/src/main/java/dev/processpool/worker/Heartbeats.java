package dev.processpool.worker;

import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;

import java.io.IOException;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker's heartbeats, from a thread of their own: one every interval while the worker works or has
 * waited for a task less than {@link #QUIET_MILLIS}, one every idle interval after that (the parent chooses
 * both, and keeps the idle one under a third of its unresponsive timeout). Each is sent on the wall clock's
 * grid of its interval (every whole second for 1 s): the workers of a pool then send theirs at about the same
 * moment, and the parent's selector takes them in one wake-up instead of one each. The gap between two
 * heartbeats is never longer than the interval in force; a task that arrives while the thread waits out an
 * idle interval wakes it, so a busy worker's heartbeats come at the busy pace again at once.
 */
final class Heartbeats implements Runnable {

    /** How long a worker waits for a task before its heartbeats slow down. */
    static final long QUIET_MILLIS = Protocol.IDLE_HEARTBEAT_AFTER_MILLIS;

    private final FrameWriter writer;
    private final long intervalMillis;
    private final long idleMillis;
    /** Since when (wall clock, ms) the worker waits for a task; 0 while it works. */
    private volatile long idleSince;
    /** Whether the thread is waiting out an idle interval (a task then wakes it). */
    private volatile boolean slow;
    private volatile Thread thread;

    Heartbeats(FrameWriter writer, int intervalMillis, int idleMillis) {
        this.writer = writer;
        this.intervalMillis = intervalMillis;
        this.idleMillis = Math.max(intervalMillis, idleMillis);
    }

    /** The worker is about to wait for a task. */
    void waiting() {
        idleSince = System.currentTimeMillis();
    }

    /** The worker has a task. */
    void working() {
        idleSince = 0;
        if (slow) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * How long to wait, at {@code now}, before the next heartbeat: to the next point of the grid of the
     * interval in force, the idle one once the worker has waited {@link #QUIET_MILLIS} for a task.
     */
    static long waitMillis(long now, long intervalMillis, long idleMillis, long idleSince) {
        long step = idleSince != 0 && now - idleSince >= QUIET_MILLIS ? idleMillis : intervalMillis;
        return step - Math.floorMod(now, step);
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (true) {
            try {
                long now = System.currentTimeMillis();
                long wait = waitMillis(now, intervalMillis, idleMillis, idleSince);
                long due = now + wait;
                slow = wait > intervalMillis;
                // parkNanos may return early (a task arrived, or spuriously): wait again, at the pace now in force
                while (wait > 0) {
                    LockSupport.parkNanos(this, wait * 1_000_000L);
                    Thread.interrupted(); // an interrupt (a task's, of every thread) must not make this spin
                    now = System.currentTimeMillis();
                    long busyDue = now + waitMillis(now, intervalMillis, idleMillis, idleSince);
                    if (busyDue < due) {
                        due = busyDue;
                        slow = false;
                    }
                    wait = due - now;
                }
                slow = false;
                writer.writeEmpty(Protocol.FRAME_HEARTBEAT);
                ProgressReporter.flushDue(); // a report that came too soon after the one before
            } catch (IOException e) {
                return; // the channel is gone: the main loop notices and leaves
            } catch (Throwable e) {
                // an error here (the heap exhausted by the task) must not end the heartbeats: try again
            }
        }
    }
}
