package dev.processpool.micrometer;

import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.internal.EngineListener.Outcome;
import dev.processpool.internal.EngineListener.Timeout;
import dev.processpool.internal.EngineListener.WorkerEnd;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The meters as the engine's events feed them, event by event, with exact values and no process. */
class PoolMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong rss = new AtomicLong(300L << 20);
    private final WorkingProcess worker = new WorkingProcess() {
        @Override
        public long pid() {
            return 4242;
        }

        @Override
        public WorkerState state() {
            return WorkerState.IDLE;
        }

        @Override
        public Optional<String> currentTaskId() {
            return Optional.empty();
        }

        @Override
        public long tasksProcessed() {
            return 0;
        }

        @Override
        public Instant startedAt() {
            return Instant.EPOCH;
        }

        @Override
        public OptionalLong residentMemoryBytes() {
            return OptionalLong.of(rss.get());
        }
    };
    private final PoolMeters meters = new PoolMeters(registry, Tags.of("pool", "p"),
            pid -> pid == worker.pid() ? worker : null);

    @Test
    void eachEventRecordsItsValueAndUnknownOrAbsentTimesAreNotTimed() {
        meters.taskStarted("t1", 4242, TimeUnit.MILLISECONDS.toNanos(250));
        meters.taskStarted("t0", 4242, -1); // queued before the binding: no queue wait to time
        meters.resultBytes("t1", 4242, 4096);
        meters.taskEnded("t1", Outcome.SUCCEEDED, TimeUnit.MILLISECONDS.toNanos(250), TimeUnit.MILLISECONDS.toNanos(40), 4242);
        meters.taskEnded("t2", Outcome.CANCELLED, TimeUnit.MILLISECONDS.toNanos(900), 0, -1); // never started
        meters.timeoutFired(Timeout.PROGRESS, "t3", 4242);

        assertThat(registry.get("processpool.task.queue.wait").timer().count()).isEqualTo(1);
        assertThat(registry.get("processpool.task.queue.wait").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(250);
        assertThat(registry.get("processpool.tasks").tags("outcome", "succeeded").counter().count()).isEqualTo(1);
        assertThat(registry.get("processpool.tasks").tags("outcome", "cancelled").counter().count()).isEqualTo(1);
        assertThat(registry.get("processpool.task.duration").tags("outcome", "succeeded").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(40);
        assertThat(registry.get("processpool.task.duration").tags("outcome", "cancelled").timer().count())
                .as("a task that never ran has no duration").isZero();
        assertThat(registry.get("processpool.task.result.size").summary().totalAmount()).isEqualTo(4096);
        assertThat(registry.get("processpool.task.result.size").summary().getId().getBaseUnit()).isEqualTo("bytes");
        assertThat(registry.get("processpool.timeouts").tags("kind", "progress").counter().count()).isEqualTo(1);
        assertThat(registry.get("processpool.timeouts").tags("kind", "task").counter().count()).isZero();
    }

    @Test
    void aWorkersMemoryIsAGaugeFromItsStartToItsEndAndItsEndCountsByCause() {
        meters.workerStarted(1, 4242, TimeUnit.MILLISECONDS.toNanos(180));
        assertThat(registry.get("processpool.worker.starts").counter().count()).isEqualTo(1);
        assertThat(registry.get("processpool.worker.startup").timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(180);
        var gauge = registry.get("processpool.worker.memory.resident").tags("pid", "4242").gauge();
        assertThat(gauge.value()).isEqualTo(300L << 20);
        rss.set(500L << 20);
        assertThat(gauge.value()).as("read at each measurement").isEqualTo(500L << 20);

        meters.workerEnded(1, 4242, WorkerEnd.SIGNALLED, 137);
        meters.workerEnded(2, -1, WorkerEnd.LAUNCH_FAILED, -1);
        meters.workerEnded(3, 4343, WorkerEnd.RECYCLED, 0);
        assertThat(registry.find("processpool.worker.memory.resident").gauges()).isEmpty();
        assertThat(registry.get("processpool.worker.ends").tags("cause", "signalled", "ended.by", "worker").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get("processpool.worker.ends").tags("cause", "launch_failed", "ended.by", "worker").counter()
                .count()).isEqualTo(1);
        assertThat(registry.get("processpool.worker.ends").tags("cause", "recycled", "ended.by", "pool").counter()
                .count()).isEqualTo(1);
        assertThat(registry.find("processpool.worker.ends").counters()).as("every cause, from the binding on")
                .hasSize(WorkerEnd.values().length);

        meters.workerStarted(4, 9999, 0); // a worker the pool no longer lists: no gauge
        assertThat(registry.find("processpool.worker.memory.resident").gauges()).isEmpty();
        meters.remove();
        assertThat(registry.getMeters()).isEmpty();
        meters.workerStarted(1, 4242, 0); // an event that crossed the removal registers nothing
        assertThat(registry.getMeters()).isEmpty();
    }
}
