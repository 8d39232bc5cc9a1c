package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class SmokeTest {

    @Test
    void runsOneFunctionTaskAndDeliversItsResult() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask task = pool.createAndQueueTask((args, kwargs) -> (Integer) args.get(0) * 2, 21);
            assertThat(task.future().get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(42);
            assertThat(pool.processAllResults(Duration.ofSeconds(30))).isTrue();
            assertThat(task.taskResults()).isEqualTo(42);
        }
    }
}
