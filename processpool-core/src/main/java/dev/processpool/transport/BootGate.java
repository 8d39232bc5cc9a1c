package dev.processpool.transport;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * When a transport's worker JVMs may boot. A JVM's start-up keeps more than one core busy for tens of
 * milliseconds (class loading and linking, the JIT's threads), so on a small machine it competes with the
 * pool's own threads for the CPU. Two rules:
 * <ul>
 *   <li><b>Boot slots</b>: at most {@code slots} JVMs boot at once (by default half the cores); a launch waits
 *       for a slot at most {@code slotWaitMillis}, then boots anyway, so that a worker slow to start (a long
 *       static initialiser, an agent, a hung main) does not hold back the other launches for its start
 *       timeout.</li>
 *   <li><b>Kills first</b>: a launch waits until no worker of the transport has been killed for
 *       {@code quietNanos}, at most {@code maxQuietWaitNanos} in all. In a timeout storm (many deadlines at
 *       once, each killing a worker and asking for its replacement) the replacements' boots would otherwise
 *       take the cores while the storm's later deadlines are still due: the outcomes come first, then the
 *       replacements.</li>
 * </ul>
 * The waiting policy is {@link #quietWaitNanos}, a function of the times passed to it.
 */
final class BootGate {

    private final Semaphore slots;
    private final long slotWaitMillis;
    private final long quietNanos;
    private final long maxQuietWaitNanos;
    /** When a worker was last killed ({@link System#nanoTime}); meaningful once {@link #killedAny}. */
    private volatile long lastKillNanos;
    private volatile boolean killedAny;

    BootGate(int slots, long slotWaitMillis, long quietNanos, long maxQuietWaitNanos) {
        this.slots = new Semaphore(Math.max(1, slots), true);
        this.slotWaitMillis = slotWaitMillis;
        this.quietNanos = quietNanos;
        this.maxQuietWaitNanos = maxQuietWaitNanos;
    }

    /** A worker is being killed now. */
    void killed() {
        lastKillNanos = System.nanoTime();
        killedAny = true;
    }

    /**
     * How much longer a launch must wait for kills to settle: until {@code quiet} after the last kill, and
     * never beyond {@code maxWait} since it began waiting. 0: boot now.
     *
     * @param now       the time now
     * @param lastKill  when a worker was last killed, or {@code null} if none ever was
     * @param waitStart when this launch began waiting
     */
    static long quietWaitNanos(long now, Long lastKill, long waitStart, long quiet, long maxWait) {
        if (lastKill == null || quiet <= 0) {
            return 0;
        }
        long untilQuiet = lastKill + quiet - now;
        long untilGiveUp = waitStart + maxWait - now;
        return Math.max(0, Math.min(untilQuiet, untilGiveUp));
    }

    /**
     * Waits until this launch may boot (see the class comment).
     *
     * @return whether a boot slot was taken: if so, {@link #leave} must be called with true
     */
    boolean enter() throws InterruptedException {
        long start = System.nanoTime();
        for (long wait; (wait = quietWaitNanos(System.nanoTime(), killedAny ? lastKillNanos : null, start,
                quietNanos, maxQuietWaitNanos)) > 0; ) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return slots.tryAcquire(slotWaitMillis, TimeUnit.MILLISECONDS);
    }

    /** The boot is over (its handshake completed or it failed). */
    void leave(boolean slot) {
        if (slot) {
            slots.release();
        }
    }
}
