package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Pipelined tasks: held by a worker while it runs short ones, given back when one of them runs long. */
class PipeliningTest {

    @Test
    void tasksHeldBehindALongTaskAreGivenBackAndRunElsewhere(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0)
                .build())) {
            awaitIdleWorkers(pool, 2);
            TaskFunction pid = TestTasks.workerPid();
            // Short tasks first: both workers learn that their tasks are short and start holding several.
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                tasks.add(pool.createAndQueueTask(pid));
            }
            ProcessTask longTask = ProcessTask.builder(TestTasks.waitForGate()).args(gate.toString(), 120_000, "long")
                    .build();
            pool.queueTask(longTask);
            List<ProcessTask> behind = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                behind.add(pool.createAndQueueTask(pid));
            }

            // Every task queued after the long one finishes while it still runs: those its worker held were
            // given back and ran on the other worker.
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> behind.stream().allMatch(t -> t.future().isDone()));
            assertThat(longTask.future()).isNotDone();
            Set<Object> pids = new HashSet<>();
            for (ProcessTask t : behind) {
                pids.add(t.future().get());
            }
            assertThat(pids).as("workers that ran the tasks behind the long one").isNotEmpty();

            Files.createFile(gate);
            assertThat(longTask.future().get(60, TimeUnit.SECONDS)).isEqualTo("long");
            for (ProcessTask t : tasks) {
                assertThat(t.future().get(60, TimeUnit.SECONDS)).isInstanceOf(Long.class);
            }
        }
    }
}
