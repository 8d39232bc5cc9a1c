package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The result memory budget's waiting is fair to the workers (issue 9, item 1): an answer that waits for the
 * budget holds its worker's frames up (heartbeats included), but that wait is the pool's doing, so it counts
 * neither as the worker's silence nor against the task's timeout.
 */
class ResultBudgetTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);

    @Test
    void answersThatWaitForTheBudgetAreNeitherSilenceNorRunningTime() throws Exception {
        // one 10 MiB answer fits at a time; each takes 2.5 s to decode, so the third waits about 5 s: five times
        // the unresponsive timeout and well over the tasks' own timeout of 3 s (which leaves room for making and
        // sending 10 MiB on a loaded machine). The workers keep nice 0: this test is about the budget's pause, and
        // at the automatic nice 19 (3 workers on 2 cores) busy processes outside the pool left a worker too little
        // CPU to send a heartbeat within 1 s or to make and send 10 MiB within 3 s
        PoolConfig cfg = PoolConfig.builder().minSize(3).maxSize(3).maxQueuedRequests(0)
                .resultMemoryBudget(12L << 20).heartbeatInterval(Duration.ofMillis(400))
                .unresponsiveTimeout(Duration.ofSeconds(1)).outputListener((pid, taskId, stream, line) -> { })
                .workerNice(0).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            assertThat(pool.awaitReady(AWAIT)).isTrue();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ProcessTask t = ProcessTask.builder(TestTasks.slowToRead()).args(10 << 20, 2500L)
                        .timeout(Duration.ofSeconds(3)).build();
                tasks.add(t);
                pool.queueTask(t);
            }
            for (ProcessTask t : tasks) {
                assertThat(t.future()).succeedsWithin(AWAIT).isInstanceOf(TestTasks.SlowToRead.class);
            }
            // the same three workers: none was killed
            assertThat(tasks.stream().map(ProcessTask::getWorkerPid).distinct()).hasSize(3);
            assertThat(pool.getWorkers()).extracting(WorkingProcess::pid)
                    .containsExactlyInAnyOrderElementsOf(tasks.stream().map(ProcessTask::getWorkerPid).toList());
        }
    }

    @Test
    void aResultLargerThanTheWholeBudgetFailsAloneAndItsWorkerGoesOn() throws Exception {
        PoolConfig cfg = PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0)
                .resultMemoryBudget(4L << 20).outputListener((pid, taskId, stream, line) -> { }).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            ProcessTask big = pool.createAndQueueTask(TestTasks.bigResult(), 8);
            ProcessTask fits = pool.createAndQueueTask(TestTasks.bigResult(), 3);
            Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> big.future().get());
            assertThat(failure.getCause()).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining(big.getTaskID()).hasMessageContaining("8 MiB")
                    .hasMessageContaining("budget of 4194304 bytes");
            assertThat(fits.future()).succeedsWithin(AWAIT);
            assertThat(((byte[]) fits.taskResults()).length).isEqualTo(3 << 20);
            assertThat(fits.getWorkerPid()).isEqualTo(big.getWorkerPid());
        }
    }
}
