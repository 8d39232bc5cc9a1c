package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.AWAIT;
import static dev.processpool.FaultMatrix.OTHERS;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertSettledAndTruthful;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.config;

/**
 * The fault matrix, the worker JVM's own errors: OutOfMemoryError under a capped heap, StackOverflowError, a
 * native crash. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixVmErrorTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // =================================================================================== VM errors

    @Test
    void outOfMemoryErrorInAWorkerWithACappedHeapFailsOnlyThatTask() throws Exception {
        // one worker: the tasks queued behind the OOM task must not be given to the worker that is exiting
        try (ProcessPool pool = matrix.start(config(1).addJvmOptions("-Xmx64m").build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.allocateUntilOutOfMemory()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            TaskException f = h.failureOf(victim);
            if (f instanceof TaskExecutionException e) {
                assertThat(e.getRemoteType()).isEqualTo(OutOfMemoryError.class.getName());
            } else {
                assertThat(f).isInstanceOf(WorkerDiedException.class);
            }
            long pid = f.getWorkerPid();
            assertThat(pid).isPositive();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertThat(others).allMatch(t -> t.getWorkerPid() != pid);
            assertKeepsWorking(pool, 1, pid);
            assertShutDownClean(pool);
        }
    }

    @Test
    void stackOverflowErrorIsATaskExecutionExceptionAndTheWorkerSurvives() throws Exception {
        try (ProcessPool pool = matrix.start(config(1).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.recurseForever()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.settle(others);
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(TaskExecutionException.class,
                    e -> assertThat(e.getRemoteType()).isEqualTo(StackOverflowError.class.getName()));
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertThat(assertSettledAndTruthful(pool, 1).get(0).pid()).isEqualTo(pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aNativeCrashKillsOnlyItsWorkerAndFailsOnlyItsTask(@TempDir Path dir) throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        PoolConfig cfg = config(2).addJvmOptions(Workers.crashOptions(dir))
                .outputListener((pid, taskId, stream, line) -> output.add(pid + " " + line)).build();
        try (ProcessPool pool = matrix.start(cfg)) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.segfault()));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.settle(others, more);
            WorkerDiedException died = (WorkerDiedException) h.failureOf(victim);
            long pid = died.getWorkerPid();
            // HotSpot reports the SIGSEGV (on stdout), writes hs_err and aborts: exit code 1 without a core
            // dump (-XX:-CreateCoredumpOnCrash), SIGABRT with one
            assertThat(died.getExitCode()).isIn(1, 128 + 6);
            assertThat(output).anyMatch(l -> l.startsWith(pid + " ") && l.contains("SIGSEGV"));
            try (var s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).contains("hs_err_" + pid + ".log");
            }
            assertKeepsWorking(pool, 2, pid);
            assertShutDownClean(pool);
        }
    }
}
