package dev.processpool.internal;

import dev.processpool.ResourceLimitException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Recycling against a fake transport: after maxTasksPerWorker tasks, over the memory limit, over the hard limit. */
class EngineRecyclingTest {

    @Test
    void aWorkerIsReplacedAfterMaxTasksPerWorkerTasks() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).maxTasksPerWorker(2).build())
                .start()) {
            f.submitAll("t1", "t2", "t3");
            f.worker(1).start().answer("r1");
            f.run();
            assertThat(f.worker(1).shutdownRequested).isFalse();
            f.worker(1).start().answer("r2");
            f.run();
            assertThat(f.worker(1).shutdownRequested).as("asked to exit after its second task").isTrue();
            assertThat(f.events).contains("worker 1 ended RECYCLED 0");
            f.worker(2).start().answer("r3");
            f.run();
            assertThat(f.result("t3")).isEqualTo("r3");
            assertThat(f.worker(2).received).hasSize(1);
            assertThat(f.worker(1).killed).isFalse();
        }
    }

    @Test
    void aWorkerOverTheMemoryLimitIsReplacedAfterItsTask() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).workerMemoryLimit(100L << 20)
                .build()).start()) {
            f.submitAll("t1", "t2");
            f.worker(1).rss(200L << 20).start().answer("r1");
            f.run();
            assertThat(f.result("t1")).isEqualTo("r1");
            assertThat(f.worker(1).shutdownRequested).isTrue();
            assertThat(f.events).contains("worker 1 ended MEMORY 0");
            f.worker(2).start().answer("r2");
            f.run();
            assertThat(f.result("t2")).isEqualTo("r2");
        }
    }

    @Test
    void aWorkerOverTheHardLimitIsKilledAtItsHeartbeatAndItsTaskFails() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1)
                .workerMemoryHardLimit(100L << 20).build()).start()) {
            f.submitAll("t1", "t2");
            f.worker(1).start().heartbeat();
            f.run();
            assertThat(f.ended("t1")).as("under the limit").isFalse();
            f.worker(1).rss(101L << 20).heartbeat();
            f.run();
            assertThat(f.failure("t1")).isInstanceOfSatisfying(ResourceLimitException.class, e -> {
                assertThat(e.getWorkerPid()).isEqualTo(40001);
                assertThat(e.getResidentBytes()).isEqualTo(101L << 20);
            });
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.events).contains("ended t1 RESOURCE_LIMIT in 0 ms on 40001", "worker 1 ended MEMORY 137");
            f.worker(2).start().answer("r2");
            f.run();
            assertThat(f.result("t2")).isEqualTo("r2");
        }
    }
}
