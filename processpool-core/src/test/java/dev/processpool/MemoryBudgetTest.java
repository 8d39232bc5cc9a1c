package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The pool-wide memory budget with real workers: over it, tasks wait for the workers alive, and the pool says why. */
class MemoryBudgetTest {

    @Test
    void overTheBudgetTasksWaitForTheWorkersAliveAndThePoolSaysWhy() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(3)
                .heartbeatInterval(Duration.ofMillis(100)).memoryBudget(1 << 20).build())) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            // a worker JVM uses far more than the 1 MiB budget, as its first heartbeat tells
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.getWorkers().get(0).residentMemoryBytes().orElse(0) > (1 << 20));
            ProcessTask slow = ProcessTask.builder(TestTasks.sleepThenReturn()).args(500).build();
            ProcessTask waiting = ProcessTask.builder(TestTasks.workerPid()).build();
            pool.queueTask(slow);
            pool.queueTask(waiting);
            assertThat(pool.getStartHold()).hasValueSatisfying(why -> assertThat(why)
                    .contains("over the pool's memory budget of 1 MiB"));
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            assertThat(waiting.taskResults()).as("it waited for the one worker").isEqualTo(slow.getWorkerPid());
            assertThat(pool.getNumProcesses()).isEqualTo(1);
            assertThat(pool.getStartHold()).isEmpty();
        }
    }
}
