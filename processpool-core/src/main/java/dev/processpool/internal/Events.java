package dev.processpool.internal;

import dev.processpool.logging.Logs;

import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place where the engine reports its transitions: to the {@link EngineListener} passed in from outside,
 * to the listeners added since ({@link PoolEngine#addListener}, the metrics binder's way in), and to the flight
 * recorder ({@link FlightEvents}) while a recording takes the pool's events. When none of them hears anything
 * the engine checks {@link #on()} and computes nothing else: no event object, no argument, not even the clock.
 * Whatever a listener throws, an {@code Error} included, stays here: the first failure is logged with its stack
 * trace, later ones are counted and mentioned every 1000th time.
 */
final class Events {

    private static final EngineListener[] NONE_ADDED = new EngineListener[0];
    /**
     * Whether the {@code jdk.jfr} module is present and this module reads it (a jlinked runtime may lack it; a
     * modular application may not resolve it). Decided here, not in {@link FlightEvents}, whose loading needs it.
     */
    static final boolean JFR = jfrReadable();

    private final String pool;
    private final EngineListener listener;
    /** Whether the listener passed in hears anything. */
    private final boolean given;
    /** Listeners added since the engine was made; replaced whole (copy on write) under {@code this}. */
    private volatile EngineListener[] added = NONE_ADDED;
    /** The flight recorder's listener, or null when the jdk.jfr module cannot be read. */
    private final EngineListener flight;
    private final AtomicLong failures = new AtomicLong();

    Events(String pool, EngineListener listener) {
        this.pool = pool;
        this.listener = listener;
        this.given = listener != EngineListener.NONE;
        this.flight = JFR ? FlightEvents.listener(pool) : null;
    }

    private static boolean jfrReadable() {
        try {
            Optional<Module> jfr = ModuleLayer.boot().findModule("jdk.jfr");
            return jfr.isPresent() && Events.class.getModule().canRead(jfr.get());
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Whether anybody listens now; callers report nothing (and compute no event's arguments) otherwise. Cheap:
     * two field reads and, with the jdk.jfr module present, whether the recorder has started in this JVM and, if
     * it has, its own flags of whether one of the pool's event types is enabled.
     */
    boolean on() {
        return given || added.length != 0 || flight != null && FlightEvents.recording();
    }

    synchronized void add(EngineListener l) {
        EngineListener[] now = Arrays.copyOf(added, added.length + 1);
        now[now.length - 1] = l;
        added = now;
    }

    synchronized boolean remove(EngineListener l) {
        EngineListener[] now = added;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == l) {
                EngineListener[] less = new EngineListener[now.length - 1];
                System.arraycopy(now, 0, less, 0, i);
                System.arraycopy(now, i + 1, less, i, now.length - i - 1);
                added = less;
                return true;
            }
        }
        return false;
    }

    /** Reports one event to every listener (callers check {@link #on()} first). */
    void emit(Consumer<EngineListener> event) {
        if (given) {
            deliver(listener, event);
        }
        for (EngineListener l : added) {
            deliver(l, event);
        }
        if (flight != null && FlightEvents.recording()) {
            deliver(flight, event); // its methods commit only what a recording has enabled
        }
    }

    private void deliver(EngineListener l, Consumer<EngineListener> event) {
        try {
            event.accept(l);
        } catch (Throwable e) {
            long n = failures.incrementAndGet();
            if (n == 1) {
                Logs.quietly(() -> PoolEngine.LOG.error("{}: an engine listener threw; the engine goes on (later"
                        + " failures are counted)", pool, e));
            } else if (n % 1000 == 0) {
                Logs.quietly(() -> PoolEngine.LOG.error("{}: the engine listener has thrown {} times", pool, n));
            }
        }
    }
}
