package dev.processpool.internal;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The parent's record of one worker's side of the protocol, kept from the frames the pool sent it and those
 * it sent back, so that each frame from the worker can be judged: a worker runs the tasks it was sent one at
 * a time, in the order sent, and reports STARTED before each; it answers (RESULT or ERROR) the task it last
 * reported STARTED, once; it may skip a task the pool withdrew (CANCEL); it gives tasks back (RECLAIMED)
 * only when asked (RECLAIM), and only tasks it holds unstarted. Anything else is a protocol violation: the
 * worker, or task code in it that reached its channel, is lying, and the pool kills it.
 *
 * <p>Pure state, no I/O, no scheduling (whether an allowed frame is still of use is the engine's business):
 * guarded by the engine's lock; times are passed in. Tasks are named by their wire numbers (see
 * {@link Submission#wire}).
 */
final class WorkerProtocol {

    static final long NONE = Long.MIN_VALUE;

    /** Tasks sent and neither started nor given back, in the order sent. */
    private final ArrayDeque<Long> held = new ArrayDeque<>();
    /** Those of {@link #held} that the pool withdrew: the worker drops them, or had started them already. */
    private final Set<Long> withdrawn = new HashSet<>();
    /** The task the worker reported STARTED and has not answered, or {@link #NONE}. */
    private long running = NONE;
    /** The header of the running task's answer has arrived; its body has not been read yet. */
    private boolean answering;
    /** RECLAIMs sent and not yet answered by a RECLAIMED. */
    private int reclaimsOwed;
    /** Since when the worker has been free to start the next task it holds (System.nanoTime). */
    private long freeSince;

    /** A task was sent to the worker. */
    void sent(long wire, long now) {
        if (running == NONE && !answering && !holdsStartable()) {
            freeSince = now;
        }
        held.addLast(wire);
    }

    /** The pool sent a CANCEL for a task the worker holds. */
    void withdrew(long wire) {
        if (held.contains(wire)) {
            withdrawn.add(wire);
        }
    }

    /** The pool sent a RECLAIM. */
    void reclaimRequested() {
        reclaimsOwed++;
    }

    /**
     * The worker reports it starts a task.
     *
     * @return null if it may, else what is wrong
     */
    String started(long wire) {
        if (running != NONE || answering) {
            return "it started task #" + show(wire) + " before answering task #" + show(running)
                    + ", which it had started";
        }
        for (Long h : held) {
            if (h == wire) {
                // the withdrawn tasks before it were dropped by the worker
                for (Iterator<Long> it = held.iterator(); it.hasNext(); ) {
                    long x = it.next();
                    it.remove();
                    withdrawn.remove(x);
                    if (x == wire) {
                        break;
                    }
                }
                running = wire;
                return null;
            }
            if (!withdrawn.contains(h)) {
                return "it started task #" + show(wire) + " before task #" + show(h) + ", which it received first";
            }
        }
        return "it started task #" + show(wire) + ", which it does not hold";
    }

    /**
     * The header of an answer (RESULT or ERROR) arrived.
     *
     * @return null if the worker may answer that task now, else what is wrong
     */
    String answering(String frame, long wire) {
        if (running == NONE || running != wire || answering) {
            return frame + " for task #" + show(wire) + ", which it is not running"
                    + (running == NONE || answering ? "" : " (it runs #" + show(running) + ")");
        }
        answering = true;
        return null;
    }

    /** The body of the answer has been read or skipped: the worker is free to start its next task. */
    void answered(long now) {
        running = NONE;
        answering = false;
        freeSince = now;
    }

    /**
     * The worker gave tasks back.
     *
     * @return null if it may, else what is wrong
     */
    String gaveBack(long[] wires) {
        if (reclaimsOwed == 0) {
            return "it gave back tasks it was not asked for";
        }
        for (long w : wires) {
            if (w == running || !held.contains(w)) {
                return "it gave back task #" + show(w) + ", which it does not hold unstarted";
            }
        }
        reclaimsOwed--;
        for (long w : wires) {
            held.remove(w);
            withdrawn.remove(w);
        }
        return null;
    }

    /** Whether it runs a task (reported STARTED, not answered yet). */
    boolean running() {
        return running != NONE;
    }

    /**
     * How long the worker has held a task it should have started (it runs none and has answered the last),
     * or -1 when it is not expected to start anything.
     */
    long overdueNanos(long now) {
        if (running != NONE || answering || !holdsStartable()) {
            return -1;
        }
        return now - freeSince;
    }

    private boolean holdsStartable() {
        for (Long h : held) {
            if (!withdrawn.contains(h)) {
                return true;
            }
        }
        return false;
    }

    /** A wire number as the pool shows it: its low half, the task's sequence number. */
    static String show(long wire) {
        return wire == NONE ? "-" : Long.toString(wire & 0xFFFF_FFFFL);
    }
}
