package dev.processpool.internal;

import dev.processpool.logging.Logs;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one place where the engine reports its transitions to the {@link EngineListener} passed in from
 * outside. When nobody listens ({@link EngineListener#NONE}) the engine checks {@link #on} and computes nothing
 * else. Whatever the listener throws, an {@code Error} included, stays here: the first failure is logged with
 * its stack trace, later ones are counted and mentioned every 1000th time.
 */
final class Events {

    private final String pool;
    private final EngineListener listener;
    /** Whether anybody listens; callers report nothing (and compute no event's arguments) otherwise. */
    final boolean on;
    private final AtomicLong failures = new AtomicLong();

    Events(String pool, EngineListener listener) {
        this.pool = pool;
        this.listener = listener;
        this.on = listener != EngineListener.NONE;
    }

    /** Reports one event (callers check {@link #on} first). */
    void emit(Consumer<EngineListener> event) {
        try {
            event.accept(listener);
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
