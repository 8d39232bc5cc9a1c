package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.OTHERS;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertSettledAndTruthful;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.config;

/**
 * The fault matrix, a worker that ends itself inside a task: {@code System.exit}, {@code Runtime.halt},
 * SIGKILL, with a child process of the task left behind. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixExitTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // ========================================================================== exits inside a task

    @ParameterizedTest
    @ValueSource(strings = {"exit", "halt"})
    void systemExitAndRuntimeHaltInsideATaskFailOnlyThatTask(String how) throws Exception {
        try (ProcessPool pool = matrix.start(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.die()).args(how, 23));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.settle(others, more);
            WorkerDiedException died = (WorkerDiedException) h.failureOf(victim);
            assertThat(died.getExitCode()).isEqualTo(23);
            assertThat(died.getStderrTail()).anyMatch(l -> l.startsWith("dying by " + how));
            assertKeepsWorking(pool, 2, died.getWorkerPid());
            assertShutDownClean(pool);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit", "halt", "sigkill"})
    void aChildProcessStartedByATaskDoesNotOutliveItsDeadWorker(String how, @TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        try (ProcessPool pool = matrix.start(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.spawnChildThenDie()).args(pidFile.toString(), how));
            List<ProcessTask> others = h.queueOthers(OTHERS, 100);
            try {
                h.settle(others);
                assertThat(h.failureOf(victim)).isInstanceOf(WorkerDiedException.class);
                long child = Workers.readPid(pidFile).orElseThrow();
                // the child was re-parented when the worker died: only its pid can tell whether it survived
                await().atMost(Duration.ofSeconds(20)).until(() -> !isRunning(child));
                assertKeepsWorking(pool, 2, victim.taskException().getWorkerPid());
            } finally {
                Workers.readPid(pidFile).ifPresent(Workers::killIfRunning);
            }
            assertShutDownClean(pool);
        }
    }
}
