package dev.processpool.internal;

import java.util.Objects;
import java.util.function.Function;

/**
 * How a module of this project that is not the API (processpool-micrometer) reaches the engine of a pool it
 * was handed, to add a listener to its events: {@code dev.processpool.ProcessPool} registers the look-up when it
 * is initialised (this room never names the API's entry points). Not for users.
 */
public final class Engines {

    private static volatile Function<Object, PoolEngine> lookup;

    private Engines() {
    }

    /**
     * For {@code ProcessPool} only: registers how a pool's engine is found, once.
     *
     * @param engineOf the pool's engine, given the pool
     */
    public static synchronized void register(Function<Object, PoolEngine> engineOf) {
        if (lookup != null) {
            throw new IllegalStateException("the engine look-up is registered already");
        }
        lookup = Objects.requireNonNull(engineOf, "engineOf");
    }

    /**
     * The engine of a pool: its class, being instantiated, has registered the look-up.
     *
     * @param pool a {@code dev.processpool.ProcessPool}
     * @return its engine
     */
    public static PoolEngine of(Object pool) {
        Objects.requireNonNull(pool, "pool");
        Function<Object, PoolEngine> l = lookup;
        if (l == null) {
            throw new IllegalStateException("no pool class has registered its engine look-up");
        }
        return l.apply(pool);
    }
}
