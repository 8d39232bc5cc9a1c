package dev.processpool.micrometer;

import dev.processpool.WorkingProcess;
import dev.processpool.internal.EngineListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;

import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;

/**
 * One pool's meters in one registry, and the listener that feeds them from the engine's events: the one place
 * where the pool is measured. Every counter, timer and summary is registered here, before the listener is
 * added, so that an event (most come under the engine's lock) only records a value: a worker's memory gauge,
 * registered when it starts and removed when it ends, is the one registration made from an event.
 */
final class PoolMeters implements EngineListener {

    private final MeterRegistry registry;
    private final Tags tags;
    /** The worker with a pid, looked up through the pool's getters. */
    private final LongFunction<WorkingProcess> workers;
    /** Every meter registered for this binding, for removal. */
    private final List<Meter> owned = new CopyOnWriteArrayList<>();

    private final Map<Outcome, Counter> tasks = new EnumMap<>(Outcome.class);
    private final Map<Outcome, Timer> durations = new EnumMap<>(Outcome.class);
    private final Timer queueWait;
    private final DistributionSummary resultSize;
    private final Counter workerStarts;
    private final Timer workerStartup;
    private final Map<WorkerEnd, Counter> workerEnds = new EnumMap<>(WorkerEnd.class);
    private final Map<Timeout, Counter> timeouts = new EnumMap<>(Timeout.class);
    /** The memory gauge of each live worker, by pid. */
    private final Map<Long, Gauge> memory = new ConcurrentHashMap<>();
    /** Set once the meters are removed; guarded by {@link #memory}'s monitor. */
    private boolean removed;

    PoolMeters(MeterRegistry registry, Tags tags, LongFunction<WorkingProcess> workers) {
        this.registry = registry;
        this.tags = tags;
        this.workers = workers;
        for (Outcome o : Outcome.values()) {
            Tags outcome = Tags.of("outcome", tagValue(o));
            tasks.put(o, own(Counter.builder("processpool.tasks").tags(tags).tags(outcome)
                    .description("Tasks that got their one outcome").register(registry)));
            durations.put(o, own(Timer.builder("processpool.task.duration").tags(tags).tags(outcome)
                    .description("From a task's start in its worker to its outcome")
                    .publishPercentileHistogram().register(registry)));
        }
        queueWait = own(Timer.builder("processpool.task.queue.wait").tags(tags)
                .description("From a task's queueing to its start in a worker")
                .publishPercentileHistogram().register(registry));
        resultSize = own(DistributionSummary.builder("processpool.task.result.size").tags(tags)
                .baseUnit(BaseUnits.BYTES).description("The size on the wire of each answer brought back")
                .register(registry));
        workerStarts = own(Counter.builder("processpool.worker.starts").tags(tags)
                .description("Workers that completed their start").register(registry));
        workerStartup = own(Timer.builder("processpool.worker.startup").tags(tags)
                .description("From a worker's launch to its completed handshake").register(registry));
        for (WorkerEnd cause : WorkerEnd.values()) {
            workerEnds.put(cause, own(Counter.builder("processpool.worker.ends").tags(tags)
                    .tags("cause", tagValue(cause), "ended.by", cause.byPool() ? "pool" : "worker")
                    .description("Workers gone, by cause").register(registry)));
        }
        for (Timeout kind : Timeout.values()) {
            timeouts.put(kind, own(Counter.builder("processpool.timeouts").tags(tags).tags("kind", tagValue(kind))
                    .description("Timers of the pool that fired").register(registry)));
        }
    }

    MeterRegistry registry() {
        return registry;
    }

    /** An enum constant as a tag value: {@code TIMED_OUT} is {@code timed_out}. */
    static String tagValue(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    <M extends Meter> M own(M meter) {
        owned.add(meter);
        return meter;
    }

    /** Removes every meter of this binding from its registry; events after it register nothing. */
    void remove() {
        synchronized (memory) {
            removed = true;
        }
        for (Meter m : owned) {
            registry.remove(m);
        }
        owned.clear();
        memory.clear();
    }

    @Override
    public void taskStarted(String taskId, long workerPid, long queueWaitNanos) {
        if (queueWaitNanos >= 0) {
            queueWait.record(queueWaitNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void taskEnded(String taskId, Outcome outcome, long queueWaitNanos, long runNanos, long workerPid) {
        tasks.get(outcome).increment();
        if (runNanos > 0) {
            durations.get(outcome).record(runNanos, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void resultBytes(String taskId, long workerPid, long bytes) {
        resultSize.record(bytes);
    }

    @Override
    public void timeoutFired(Timeout kind, String taskId, long workerPid) {
        timeouts.get(kind).increment();
    }

    @Override
    public void workerStarted(int worker, long pid, long startupNanos) {
        workerStarts.increment();
        workerStartup.record(startupNanos, TimeUnit.NANOSECONDS);
        WorkingProcess w = workers.apply(pid);
        synchronized (memory) { // not while remove() takes the meters away
            if (w != null && !removed) {
                memory.computeIfAbsent(pid, p -> own(Gauge.builder("processpool.worker.memory.resident", w,
                                PoolMeters::residentBytes).tags(tags).tags("pid", Long.toString(p))
                        .baseUnit(BaseUnits.BYTES).description("A live worker's resident memory")
                        .strongReference(true).register(registry)));
            }
        }
    }

    private static double residentBytes(WorkingProcess w) {
        return w.residentMemoryBytes().stream().mapToDouble(b -> b).findFirst().orElse(Double.NaN);
    }

    @Override
    public void workerEnded(int worker, long pid, WorkerEnd cause, int exitCode) {
        workerEnds.get(cause).increment();
        Gauge g = memory.remove(pid);
        if (g != null) {
            owned.remove(g);
            registry.remove(g);
        }
    }
}
