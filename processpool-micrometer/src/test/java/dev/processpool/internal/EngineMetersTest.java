package dev.processpool.internal;

import dev.processpool.micrometer.ProcessPoolMetricsTesting;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binder's meters fed by a real engine on the fake transport (core's {@link FakeEngine}, from its test jar):
 * every number is the engine's own, to the millisecond of the fake clock, with no process.
 */
class EngineMetersTest {

    @Test
    void queueWaitRunTimeOutcomesAndARecycledWorkerAreMeasuredToTheMillisecond() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).maxTasksPerWorker(2).build())) {
            f.engine.addListener(ProcessPoolMetricsTesting.meters(registry, Tags.of("pool", "fake"), f.engine));
            f.start();
            f.submit("t1");
            f.submit("t2");
            f.advance(300); // both wait: the worker has not started
            f.worker(1).start();
            f.run();
            f.advance(40);
            f.worker(1).answer("r1");
            f.run();
            f.worker(1).start();
            f.run();
            f.advance(60);
            f.worker(1).answer("r2"); // its second task: recycled
            f.run();
            f.submit("t3", 0, 0);
            f.worker(2).start();
            f.run();
            f.advance(1_000);
            f.worker(2).fail("java.lang.IllegalStateException", "no");
            f.run();

            assertThat(registry.get("processpool.tasks").tags("outcome", "succeeded").counter().count()).isEqualTo(2);
            assertThat(registry.get("processpool.tasks").tags("outcome", "failed").counter().count()).isEqualTo(1);
            assertThat(registry.get("processpool.task.queue.wait").timer().count()).isEqualTo(3);
            assertThat(registry.get("processpool.task.queue.wait").timer().totalTime(TimeUnit.MILLISECONDS))
                    .as("t1 300 ms, t2 300 + 40 ms, t3 none").isEqualTo(640);
            assertThat(registry.get("processpool.task.duration").tags("outcome", "succeeded").timer()
                    .totalTime(TimeUnit.MILLISECONDS)).as("t1 40 ms, t2 60 ms").isEqualTo(100);
            assertThat(registry.get("processpool.task.duration").tags("outcome", "failed").timer()
                    .totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_000);
            assertThat(registry.get("processpool.worker.ends").tags("cause", "recycled").counter().count()).isEqualTo(1);
            assertThat(registry.get("processpool.worker.starts").counter().count()).isEqualTo(2);
            assertThat(registry.get("processpool.task.result.size").summary().count()).isEqualTo(3);
        }
    }
}
