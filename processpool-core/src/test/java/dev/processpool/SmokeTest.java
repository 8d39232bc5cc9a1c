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

    @Test
    void awaitReadyWaitsForTheMinimumAndTasksRecordWhereAndHowLongTheyRan() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build())) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            assertThat(pool.getNumIdleProcesses()).isEqualTo(2);
            ProcessTask task = pool.createAndQueueTask((args, kwargs) -> {
                Thread.sleep(50);
                return ProcessHandle.current().pid();
            });
            Object pid = task.future().get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(task.getWorkerPid()).isEqualTo(pid);
            assertThat(task.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        }
    }
}
