package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.AWAIT;
import static dev.processpool.FaultMatrix.OTHERS;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertSettledAndTruthful;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.awaitRunning;
import static dev.processpool.FaultMatrix.config;

/**
 * The fault matrix, hangs: a task that never ends (busy, or ignoring interrupts and SIGTERM), a worker stopped
 * with SIGSTOP. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixHangTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // ======================================================================================= hangs

    @ParameterizedTest
    @ValueSource(strings = {"busyLoop", "ignoresInterruptsAndSigterm"})
    void aTaskThatNeverEndsIsKilledAtItsTimeout(String kind) throws Exception {
        TaskFunction fn = kind.equals("busyLoop") ? TestTasks.busyLoopForever() : TestTasks.stubborn();
        try (ProcessPool pool = matrix.start(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(fn).timeout(Duration.ofMillis(700)));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.settle(others, more);
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(TaskTimeoutException.class,
                    e -> assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(700)));
            long pid = victim.taskException().getWorkerPid();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertKeepsWorking(pool, 2, pid);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aWorkerStoppedWithSigstopIsKilledAsUnresponsiveWithoutAnyTaskTimeout() throws Exception {
        PoolConfig cfg = config(2).heartbeatInterval(Duration.ofMillis(200))
                // 2 s rather than 1 s: on a loaded machine the parent's own pauses must not look like silence
                .unresponsiveTimeout(Duration.ofSeconds(2)).build();
        long stopped = -1;
        long stoppedIdle = -1;
        try (ProcessPool pool = matrix.start(cfg)) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.sleepForever()));
            stopped = awaitRunning(pool, victim).pid();
            Workers.signal(stopped, "-STOP");
            List<ProcessTask> others = h.queueOthers(OTHERS, 100);
            h.settle(others);
            long pid = stopped;
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(WorkerUnresponsiveException.class, e -> {
                assertThat(e.getWorkerPid()).isEqualTo(pid);
                assertThat(e.getSilence()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            });
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);

            // an idle worker that stops answering is replaced too, without any task outcome
            stoppedIdle = ws.get(0).pid();
            Workers.signal(stoppedIdle, "-STOP");
            long idlePid = stoppedIdle;
            await().atMost(AWAIT).until(() -> !isRunning(idlePid));
            assertKeepsWorking(pool, 2, pid, idlePid);
            assertThat(h.failures).hasSize(1);
            assertShutDownClean(pool);
        } finally {
            for (long p : new long[] {stopped, stoppedIdle}) {
                if (p > 0 && isRunning(p)) {
                    Workers.signal(p, "-KILL");
                }
            }
        }
    }
}
