package dev.processpool.micrometer;

import dev.processpool.WorkingProcess;
import dev.processpool.internal.EngineListener;
import dev.processpool.internal.PoolEngine;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/** For tests of other packages: the binder's listener for an engine that no {@code ProcessPool} wraps. */
public final class ProcessPoolMetricsTesting {

    private ProcessPoolMetricsTesting() {
    }

    /** The meters of an engine in a registry, and the listener that feeds them (to be added to the engine). */
    public static EngineListener meters(MeterRegistry registry, Tags tags, PoolEngine engine) {
        return new PoolMeters(registry, tags, pid -> {
            for (WorkingProcess w : engine.workers()) {
                if (w.pid() == pid) {
                    return w;
                }
            }
            return null;
        });
    }
}
