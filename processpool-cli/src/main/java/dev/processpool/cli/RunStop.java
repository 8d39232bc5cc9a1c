package dev.processpool.cli;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * How a run stops: its one stop state, the signals that move it, and the monitor the main thread waits on.
 *
 * <p>The state is one immutable {@link State} behind an atomic reference. Each of its flags only ever goes
 * from false to true, and the first reason to stop is the one the run keeps, so a stop can be asked for from
 * any thread (a signal handler, the callback thread, the feeder) without a lock and without losing a
 * decision:
 * <ul>
 *   <li>{@code stopping}: no more lines are queued; the lines still read get a {@code cancelled} (or, with
 *       no workers, an {@code error}) line saying why. Running tasks may finish.</li>
 *   <li>{@code killing}: running tasks are cancelled now, their workers killed (a second Ctrl-C, SIGTERM,
 *       {@code --fail-fast}, a broken output, workers that cannot start).</li>
 *   <li>{@code finishing}: the run is over, however it ended; the input is no longer read for tasks, and an
 *       input error from now on is not the run's.</li>
 *   <li>{@code closed}: the output is closed; nothing more is written.</li>
 * </ul>
 * Ctrl-C once asks for a graceful stop; twice, for killing; a third time leaves at once. SIGTERM is like a
 * second Ctrl-C. Every change wakes the main thread.
 */
final class RunStop {

    /** Why a run stopped before its input was done; the first reason wins. */
    enum Reason { INTERRUPTED, FAIL_FAST, OUTPUT_BROKEN, NO_WORKERS }

    /**
     * The stop state.
     *
     * @param reason     why the run stops, or null while it does not
     * @param why        the words for it in output lines ("the run was interrupted")
     * @param startError with {@link Reason#NO_WORKERS}: why no worker could be started
     */
    record State(boolean stopping, boolean killing, boolean finishing, boolean closed, Reason reason, String why,
                 String startError) {
    }

    private final AtomicReference<State> state =
            new AtomicReference<>(new State(false, false, false, false, null, "the run was stopped", null));
    private final AtomicInteger interrupts = new AtomicInteger();
    private final AtomicInteger terminations = new AtomicInteger();
    private final Object wake = new Object();

    State state() {
        return state.get();
    }

    boolean stopping() {
        return state.get().stopping();
    }

    boolean killing() {
        return state.get().killing();
    }

    boolean finishing() {
        return state.get().finishing();
    }

    boolean closed() {
        return state.get().closed();
    }

    Reason reason() {
        return state.get().reason();
    }

    String why() {
        return state.get().why();
    }

    int interrupts() {
        return interrupts.get();
    }

    int terminations() {
        return terminations.get();
    }

    /**
     * Asks the run to stop for {@code reason}. Only the first request counts.
     *
     * @param kill whether running tasks are cancelled now rather than allowed to finish
     * @return whether this was the first request
     */
    boolean request(Reason reason, String why, boolean kill) {
        State before = state.getAndUpdate(s -> s.reason() != null ? s
                : new State(true, s.killing() || kill, s.finishing(), s.closed(), reason, why, s.startError()));
        wake();
        return before.reason() == null;
    }

    /**
     * No worker can be started: keeps the first start error, and stops the run for {@link Reason#NO_WORKERS}
     * unless it stops for another reason already.
     *
     * @return whether this was the first start error
     */
    boolean noWorkers(String startError) {
        State before = state.getAndUpdate(s -> s.startError() != null ? s : s.reason() != null
                ? new State(s.stopping(), s.killing(), s.finishing(), s.closed(), s.reason(), s.why(), startError)
                : new State(true, true, s.finishing(), s.closed(), Reason.NO_WORKERS, "workers could not start",
                startError));
        wake();
        return before.startError() == null;
    }


    /** Running tasks are cancelled now; {@code why} are the words for it from now on. */
    void kill(String why) {
        advance(s -> new State(true, true, s.finishing(), s.closed(), s.reason(), why, s.startError()));
    }

    /** The run is over; input errors from now on are not reported. */
    void finish() {
        advance(s -> new State(s.stopping(), s.killing(), true, s.closed(), s.reason(), s.why(), s.startError()));
    }

    /** The output is closed. */
    void close() {
        advance(s -> new State(s.stopping(), s.killing(), s.finishing(), true, s.reason(), s.why(), s.startError()));
    }

    private void advance(UnaryOperator<State> next) {
        state.updateAndGet(next);
        wake();
    }

    /** Counts a SIGINT; returns how many there were, this one included. */
    int interrupted() {
        return interrupts.incrementAndGet();
    }

    /** Counts a SIGTERM; returns how many there were, this one included. */
    int terminated() {
        return terminations.incrementAndGet();
    }

    /** Wakes whoever waits in {@link #await}. */
    void wake() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /**
     * Waits until {@code done} holds, woken by {@link #wake()} and looking again every {@code pollMillis},
     * for at most {@code maxNanos} ({@code Long.MAX_VALUE}: for ever). Returns whether {@code done} holds.
     */
    boolean await(BooleanSupplier done, long pollMillis, long maxNanos) {
        long start = System.nanoTime();
        synchronized (wake) {
            while (!done.getAsBoolean()) {
                if (maxNanos != Long.MAX_VALUE && System.nanoTime() - start >= maxNanos) {
                    return false;
                }
                try {
                    wake.wait(pollMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return done.getAsBoolean();
                }
            }
            return true;
        }
    }
}
