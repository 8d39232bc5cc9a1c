package dev.processpool.micrometer;

import dev.processpool.ProcessPool;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.internal.Engines;
import dev.processpool.internal.PoolEngine;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer metrics for one {@link ProcessPool}: bind it to a registry and the pool's queue, workers, tasks,
 * timeouts and results are measured there, every meter tagged with the pool's name ({@code pool}) and the tags
 * given here.
 *
 * <pre>{@code
 * ProcessPool pool = new ProcessPool(PoolConfig.builder().name("parsers").build());
 * ProcessPoolMetrics metrics = new ProcessPoolMetrics(pool, Tags.of("app", "ingest"));
 * metrics.bindTo(registry);
 * ...
 * metrics.close(); // optional: stops measuring and removes the meters
 * }</pre>
 *
 * <table>
 *   <caption>The meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th><th>What</th></tr>
 *   <tr><td>{@code processpool.tasks}</td><td>counter</td><td>{@code outcome}</td>
 *       <td>tasks that got their one outcome: {@code succeeded}, {@code failed}, {@code timed_out},
 *       {@code progress_timed_out}, {@code worker_died}, {@code worker_unresponsive}, {@code resource_limit},
 *       {@code cancelled}, {@code transfer_failed}, {@code start_failed}</td></tr>
 *   <tr><td>{@code processpool.task.duration}</td><td>timer, percentile histogram</td><td>{@code outcome}</td>
 *       <td>from a task's start in its worker to its outcome (tasks that never started are not timed)</td></tr>
 *   <tr><td>{@code processpool.task.queue.wait}</td><td>timer, percentile histogram</td><td></td>
 *       <td>from a task's queueing to its start in a worker (time held by a pipelining worker included)</td></tr>
 *   <tr><td>{@code processpool.task.result.size}</td><td>distribution summary, bytes</td><td></td>
 *       <td>the size on the wire of each answer (result or exception) brought back</td></tr>
 *   <tr><td>{@code processpool.tasks.queued}</td><td>gauge</td><td></td>
 *       <td>tasks waiting to run: queued, or held by a worker behind the task it runs</td></tr>
 *   <tr><td>{@code processpool.workers}</td><td>gauge</td><td>{@code state}</td>
 *       <td>worker processes that are {@code starting}, {@code idle}, {@code working} or {@code stopping}</td></tr>
 *   <tr><td>{@code processpool.worker.starts}</td><td>counter</td><td></td>
 *       <td>workers that completed their start (their handshake)</td></tr>
 *   <tr><td>{@code processpool.worker.startup}</td><td>timer</td><td></td>
 *       <td>from a worker's launch to its completed handshake</td></tr>
 *   <tr><td>{@code processpool.worker.ends}</td><td>counter</td><td>{@code cause}, {@code ended.by}</td>
 *       <td>workers gone, by cause: {@code ended.by=worker} for deaths ({@code exited}, {@code signalled},
 *       {@code launch_failed}); {@code ended.by=pool} for kills ({@code timeout}, {@code cancelled},
 *       {@code memory}, {@code unresponsive}, {@code protocol_violation}, {@code unreachable}), recycles
 *       ({@code recycled}) and retirements ({@code idle_retired}, {@code shutdown})</td></tr>
 *   <tr><td>{@code processpool.timeouts}</td><td>counter</td><td>{@code kind}</td>
 *       <td>timers of the pool that fired: {@code task}, {@code progress}, {@code silence}, {@code start},
 *       {@code decode}</td></tr>
 *   <tr><td>{@code processpool.worker.memory.resident}</td><td>gauge, bytes</td><td>{@code pid}</td>
 *       <td>each live worker's resident memory, read at each measurement (Linux); the gauge of a worker is
 *       removed when it ends</td></tr>
 * </table>
 *
 * <p>Counters and timers are fed by the pool's engine events, from the moment of binding: tasks and workers
 * that ended before are not counted (the gauges read the pool and show its whole state). A task queued before
 * the binding has no queue wait to time. The listeners do nothing but record into meters that are registered
 * beforehand, except for a worker's memory gauge, registered when it starts and removed when it ends.
 *
 * <p>One binder may be bound to several registries; {@link #close()} unbinds it from all of them. This class
 * is thread-safe.
 */
public final class ProcessPoolMetrics implements MeterBinder, AutoCloseable {

    private final ProcessPool pool;
    private final PoolEngine engine;
    private final Tags tags;
    /** The bindings, one per registry; guarded by {@code this}. */
    private final List<PoolMeters> bound = new ArrayList<>();

    /**
     * Metrics for a pool, tagged with its name.
     *
     * @param pool the pool
     */
    public ProcessPoolMetrics(ProcessPool pool) {
        this(pool, Tags.empty());
    }

    /**
     * Metrics for a pool, tagged with its name and these tags.
     *
     * @param pool the pool
     * @param tags more tags for every meter
     */
    public ProcessPoolMetrics(ProcessPool pool, Iterable<Tag> tags) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.engine = Engines.of(pool);
        this.tags = Tags.of("pool", pool.getName()).and(Objects.requireNonNull(tags, "tags"));
    }

    /**
     * Registers the pool's meters in a registry and starts feeding them from the pool's events. Binding again
     * to a registry this binder is bound to does nothing (the counters would count twice).
     *
     * @param registry the registry
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        for (PoolMeters m : bound) {
            if (m.registry() == registry) {
                return;
            }
        }
        PoolMeters meters = new PoolMeters(registry, tags, this::worker);
        gauge(registry, "processpool.tasks.queued", Tags.empty(), "Tasks waiting to run",
                p -> p.getNumPendingTasks(), meters);
        for (WorkerState state : WorkerState.values()) {
            if (state != WorkerState.DEAD) {
                gauge(registry, "processpool.workers", Tags.of("state", PoolMeters.tagValue(state)),
                        "Worker processes by state", p -> count(p, state), meters);
            }
        }
        bound.add(meters);
        engine.addListener(meters);
    }

    private void gauge(MeterRegistry registry, String name, Tags more, String description,
                       ToDoubleFunction<ProcessPool> value, PoolMeters meters) {
        meters.own(Gauge.builder(name, pool, value).tags(tags).tags(more).description(description)
                .register(registry));
    }

    private static double count(ProcessPool pool, WorkerState state) {
        int n = 0;
        for (WorkingProcess w : pool.getWorkers()) {
            if (w.state() == state) {
                n++;
            }
        }
        return n;
    }

    /** The worker with this pid, or null (called from the engine's listener: the pool's getters may be). */
    private WorkingProcess worker(long pid) {
        for (WorkingProcess w : pool.getWorkers()) {
            if (w.pid() == pid) {
                return w;
            }
        }
        return null;
    }

    /** Stops feeding the meters and removes them from every registry this binder was bound to. */
    @Override
    public void close() {
        List<PoolMeters> all;
        synchronized (this) {
            all = new ArrayList<>(bound);
            bound.clear();
        }
        for (PoolMeters m : all) {
            engine.removeListener(m);
            m.remove();
        }
    }
}
