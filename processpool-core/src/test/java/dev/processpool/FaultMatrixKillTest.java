package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

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
import static dev.processpool.FaultMatrix.pids;

/**
 * The fault matrix, SIGKILL: of a busy worker (and the children of its task), of an idle one, of one that is
 * still starting. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixKillTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // ==================================================================================== SIGKILL

    @Test
    void sigkillOfABusyWorkerFailsOnlyItsTaskAndTakesItsChildrenToo(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        try (ProcessPool pool = matrix.start(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasks.spawnSleepChildThenSleep()).args(pidFile.toString()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 150);
            long pid = awaitRunning(pool, victim).pid();
            await().atMost(AWAIT).until(() -> Files.exists(pidFile));
            long child = Workers.readPid(pidFile).orElseThrow();
            try {
                Workers.signal(pid, "-KILL");
                h.settle(others);
                assertThat(h.failureOf(victim)).isInstanceOfSatisfying(WorkerDiedException.class, d -> {
                    assertThat(d.getWorkerPid()).isEqualTo(pid);
                    assertThat(d.getSignal()).hasValue(9);
                });
                await().atMost(AWAIT).until(() -> !isRunning(child));
                assertKeepsWorking(pool, 2, pid);
            } finally {
                Workers.killIfRunning(child);
            }
            assertShutDownClean(pool);
        }
    }

    @Test
    void sigkillOfAnIdleWorkerIsReplacedWithoutAnyTaskOutcome() throws Exception {
        try (ProcessPool pool = matrix.start(config(2).build())) {
            Set<Long> killed = new HashSet<>();
            for (int round = 0; round < 3; round++) {
                List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);
                long pid = ws.get(0).pid();
                killed.add(pid);
                Harness h = new Harness(pool);
                Workers.signal(pid, "-KILL");
                // queued at once: the pool may not have noticed the death yet, and must not blame these tasks
                List<ProcessTask> others = h.queueOthers(OTHERS, 50);
                h.settle(others);
                assertThat(others).allMatch(t -> t.getWorkerPid() != pid);
            }
            assertKeepsWorking(pool, 2, killed.stream().mapToLong(Long::longValue).toArray());
            assertShutDownClean(pool);
        }
    }

    @Test
    void sigkillOfAWorkerWhileItStartsIsRetriedAndTheWaitingTaskStillRuns() throws Exception {
        PoolConfig cfg = config(2).workerMainClass(TestTasks.SlowStartWorker.class.getName())
                .addJvmOptions("-D" + TestTasks.START_DELAY_PROPERTY + "=2500").build();
        try (ProcessPool pool = matrix.start(cfg)) {
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(OTHERS, 20);
            // both launches are under way, neither has completed its handshake
            await().atMost(AWAIT).until(() -> Workers.workerPids().size() == 2);
            assertThat(pool.getWorkers()).hasSize(2).allMatch(w -> w.state() == WorkerState.STARTING && w.pid() == -1);
            assertThat(pool.getNumProcesses()).isEqualTo(2);
            assertThat(pool.getNumIdleProcesses()).isZero();
            assertThat(pool.getNumWorkingProcesses()).isZero();
            assertThat(pool.getNumPendingTasks()).isEqualTo(OTHERS);
            Set<Long> first = Workers.workerPids();
            long starting = first.iterator().next();
            Workers.signal(starting, "-KILL");

            h.settle(others);
            List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);
            assertThat(pids(ws)).doesNotContain(starting);

            // and the replacement of a killed idle worker, killed in turn while it starts
            long idle = ws.get(0).pid();
            Set<Long> before = Workers.workerPids();
            Workers.signal(idle, "-KILL");
            AtomicReference<Long> replacement = new AtomicReference<>();
            await().atMost(AWAIT).until(() -> {
                Set<Long> now = Workers.workerPids();
                now.removeAll(before);
                if (now.isEmpty()) {
                    return false;
                }
                replacement.set(now.iterator().next());
                return true;
            });
            assertThat(pool.getWorkers()).filteredOn(w -> w.state() == WorkerState.STARTING).hasSize(1);
            Workers.signal(replacement.get(), "-KILL");
            List<ProcessTask> more = h.queueOthers(OTHERS, 20);
            h.settle(more);
            assertKeepsWorking(pool, 2, starting, idle, replacement.get());
            assertShutDownClean(pool);
        }
    }
}
