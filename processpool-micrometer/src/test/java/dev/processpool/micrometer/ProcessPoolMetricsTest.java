package dev.processpool.micrometer;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The binder against a real pool, in a {@link SimpleMeterRegistry}: what a run of a result, a failure and a
 * timeout leaves in each meter, the gauges read live, and closing the binder takes its meters away.
 */
class ProcessPoolMetricsTest {

    static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    static TaskFunction thrower() {
        return (args, kwargs) -> {
            throw new IllegalStateException("no");
        };
    }

    static TaskFunction sleepForever() {
        return (args, kwargs) -> {
            Thread.sleep(Long.MAX_VALUE);
            return "woke up";
        };
    }

    private static double count(SimpleMeterRegistry r, String name, String... tags) {
        return r.get(name).tags(tags).counter().count();
    }

    @Test
    void aRunOfAResultAFailureAndATimeoutIsMeasuredFromThePoolsEvents() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProcessPoolMetrics metrics;
        long firstPid;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().name("metered").minSize(1).maxSize(1).build())) {
            metrics = new ProcessPoolMetrics(pool, Tags.of("app", "test"));
            metrics.bindTo(registry);
            metrics.bindTo(registry); // again: nothing would count twice
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            firstPid = pool.getWorkers().get(0).pid();
            // the first worker started while the binder was bound: its memory is measured, live
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(registry
                    .get("processpool.worker.memory.resident").tags("pool", "metered", "pid", Long.toString(firstPid))
                    .gauge().value()).isGreaterThan(1 << 20));
            assertThat(registry.get("processpool.workers").tags("state", "idle").gauge().value()).isEqualTo(1);

            ProcessTask ok = ProcessTask.builder(echo()).args("x".repeat(1000)).build();
            ProcessTask failed = ProcessTask.builder(thrower()).build();
            ProcessTask slow = ProcessTask.builder(sleepForever()).timeout(Duration.ofMillis(300)).build();
            for (ProcessTask t : new ProcessTask[] {ok, failed, slow}) {
                pool.queueTask(t);
            }
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            assertThat(ok.future().get(1, TimeUnit.SECONDS)).isEqualTo("x".repeat(1000));

            assertThat(count(registry, "processpool.tasks", "outcome", "succeeded")).isEqualTo(1);
            assertThat(count(registry, "processpool.tasks", "outcome", "failed")).isEqualTo(1);
            assertThat(count(registry, "processpool.tasks", "outcome", "timed_out")).isEqualTo(1);
            assertThat(count(registry, "processpool.tasks", "outcome", "cancelled")).isZero();
            assertThat(count(registry, "processpool.timeouts", "kind", "task")).isEqualTo(1);
            Timer timedOut = registry.get("processpool.task.duration").tags("outcome", "timed_out").timer();
            assertThat(timedOut.count()).isEqualTo(1);
            assertThat(timedOut.totalTime(TimeUnit.MILLISECONDS)).isBetween(300.0, 30_000.0);
            assertThat(registry.get("processpool.task.queue.wait").timer().count()).isEqualTo(3);
            assertThat(registry.get("processpool.task.result.size").summary().count())
                    .as("the result and the exception came back; the timed-out task brought nothing").isEqualTo(2);
            assertThat(registry.get("processpool.task.result.size").summary().max()).isGreaterThan(1000);
            // the worker killed for the timeout (its exit is seen after the task's outcome), and its replacement
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                    count(registry, "processpool.worker.ends", "cause", "timeout", "ended.by", "pool")).isEqualTo(1));
            assertThat(count(registry, "processpool.worker.starts")).isEqualTo(2);
            assertThat(registry.get("processpool.worker.startup").timer().count()).isEqualTo(2);
            assertThat(registry.find("processpool.worker.memory.resident").tags("pid", Long.toString(firstPid))
                    .gauge()).as("the killed worker's gauge is gone").isNull();
            assertThat(registry.get("processpool.tasks.queued").gauge().value()).isZero();
            assertThat(registry.get("processpool.workers").tags("state", "working").gauge().value()).isZero();
            // every meter carries the pool's name and the binder's tags
            assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag("pool")).isEqualTo("metered"))
                    .allSatisfy(m -> assertThat(m.getId().getTag("app")).isEqualTo("test"));
        }
        assertThat(count(registry, "processpool.worker.ends", "cause", "shutdown", "ended.by", "pool")).isEqualTo(1);
        assertThat(registry.find("processpool.worker.memory.resident").gauges()).isEmpty();
        metrics.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void percentileHistogramsArePublishedForTheTaskTimers() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Boolean> histograms = new ConcurrentHashMap<>();
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                histograms.merge(id.getName(), Boolean.TRUE.equals(config.isPercentileHistogram()), Boolean::logicalAnd);
                return config;
            }
        });
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().name("histograms").minSize(0).maxSize(1).build());
             ProcessPoolMetrics metrics = new ProcessPoolMetrics(pool)) {
            metrics.bindTo(registry);
            assertThat(histograms).containsEntry("processpool.task.duration", true)
                    .containsEntry("processpool.task.queue.wait", true);
            assertThat(registry.find("processpool.task.duration").meters()).hasSize(10);
            Gauge queued = registry.get("processpool.tasks.queued").gauge();
            assertThat(queued.getId().getTag("pool")).isEqualTo("histograms");
        }
    }
}
