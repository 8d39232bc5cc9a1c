package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Task code is hostile to the parent, from inside a real worker: it returns results whose decoding never ends
 * (issue 9, item 2), or reaches the worker's frame writer by reflection and forges frames (item 5). The
 * parent keeps every task's outcome to exactly one, never lets a forged frame answer a task the worker did
 * not start, and its other tasks still run.
 */
class HostileTaskTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int HELD = 6;

    private static PoolConfig.Builder oneWorker() {
        return PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0)
                .terminationGrace(Duration.ofMillis(500))
                .outputListener((pid, taskId, stream, line) -> { });
    }

    private static Throwable failureOf(ProcessTask t) {
        Throwable thrown = catchThrowable(() -> t.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(thrown).as("outcome of %s", t).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    /** Quick tasks first, so that the worker's recent tasks are short and tasks get pipelined to it. */
    private static long warmUp(ProcessPool pool) throws Exception {
        long pid = -1;
        for (int i = 0; i < 5; i++) {
            pid = (Long) pool.createAndQueueTask(TestTasks.workerPid()).future().get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        }
        return pid;
    }

    /** Queues the attacker and, at once, {@value #HELD} quick tasks, which its worker then holds behind it. */
    private static List<ProcessTask> queueBehind(ProcessPool pool, ProcessTask attacker) {
        pool.queueTask(attacker);
        List<ProcessTask> held = new ArrayList<>();
        for (int i = 0; i < HELD; i++) {
            held.add(pool.createAndQueueTask(TestTasks.echo(), "held-" + i));
        }
        return held;
    }

    private static void assertRealResults(List<ProcessTask> held) {
        for (int i = 0; i < held.size(); i++) {
            assertThat(held.get(i).future()).as("held task %d", i).succeedsWithin(AWAIT).isEqualTo("held-" + i);
        }
    }

    // ============================================================================ results that never decode

    /**
     * Item 2: a "SerialDOS" result (nested HashSets, 100 levels) passes the deserialisation filter and then
     * hashes forever. Its task must fail with a ResultTransferException, the worker's later tasks must run,
     * and the pool must shut down quickly.
     */
    @Test
    void aSerialDosResultFailsItsTaskAndTheWorkersLaterTasksStillRun() throws Exception {
        // a CPU bound of 0.5 s rather than the default 2 s: the test does not measure the bound, only that it ends
        try (ProcessPool pool = new ProcessPool(oneWorker().resultDecodeTimeout(Duration.ofMillis(500)).build())) {
            long pid = warmUp(pool);
            ProcessTask dos = pool.createAndQueueTask(TestTasks.serialDos(), 100);
            List<ProcessTask> later = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                later.add(pool.createAndQueueTask(TestTasks.echo(), "held-" + i));
            }
            long t0 = System.nanoTime();
            Throwable failure = failureOf(dos);
            System.out.println("serialDos -> " + failure + " after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            assertThat(failure).isInstanceOf(ResultTransferException.class).hasMessageContaining(dos.getTaskID())
                    .hasMessageContaining("decod");
            assertRealResults(later);
            assertThat(later).allMatch(t -> t.getWorkerPid() == pid);
            long start = System.nanoTime();
            assertThat(pool.shutdown(Duration.ofSeconds(30))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
        }
        // the decoding thread stopped: nothing of the pool is still hashing
        await().atMost(AWAIT).until(() -> Thread.getAllStackTraces().entrySet().stream()
                .noneMatch(e -> List.of(e.getValue()).stream().anyMatch(f -> f.getClassName().equals("java.util.HashMap")
                        && f.getMethodName().equals("hash"))));
    }

    // ==================================================================================== forged frames

    /**
     * Item 5 (a): the running task answers for itself early, then forges a whole run (STARTED, RESULT) of the
     * task held behind it, guessing its number. The held task must get its own, real result.
     */
    @Test
    void aTaskThatForgesARunOfAHeldTaskCannotGiveItAResult() throws Exception {
        try (ProcessPool pool = new ProcessPool(oneWorker().build())) {
            long pid = warmUp(pool);
            ProcessTask forger = ProcessTask.builder(TestTasks.forgeARunOfTheNextTask()).args(8L).build();
            List<ProcessTask> held = queueBehind(pool, forger);
            assertRealResults(held);
            System.out.println("forger -> " + forger.future().handle((v, e) -> v != null ? v : e).get());
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertThat(pool.createAndQueueTask(TestTasks.echo(), "after").future()).succeedsWithin(AWAIT)
                    .isEqualTo("after");
        }
    }

    /** Item 5 (a), the plain form: a RESULT for a held task the worker never started kills only that worker. */
    @Test
    void aForgedResultForAHeldTaskKillsTheWorkerAndTheHeldTasksRunElsewhere() throws Exception {
        try (ProcessPool pool = new ProcessPool(oneWorker().build())) {
            long pid = warmUp(pool);
            ProcessTask forger = ProcessTask.builder(TestTasks.forgeAResultForTheNextTask()).args(8L).build();
            List<ProcessTask> held = queueBehind(pool, forger);
            assertRealResults(held);
            assertThat(failureOf(forger)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("broke the protocol");
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertThat(held).allMatch(t -> t.getWorkerPid() != pid);
        }
    }

    /**
     * Item 5 (b): the running task answers for itself early with a forged RESULT and keeps running. The tasks
     * its worker holds cannot start; past the unresponsive bound the worker is killed and they run elsewhere.
     */
    @Test
    void aTaskThatAnswersEarlyAndKeepsRunningCannotStarveTheTasksHeldBehindIt() throws Exception {
        PoolConfig cfg = oneWorker().heartbeatInterval(Duration.ofMillis(500)).unresponsiveTimeout(Duration.ofSeconds(3))
                .build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            long pid = warmUp(pool);
            ProcessTask forger = ProcessTask.builder(TestTasks.forgeOwnResultThenKeepRunning()).args(8L, 120_000L)
                    .build();
            List<ProcessTask> held = queueBehind(pool, forger);
            assertThat(forger.future()).succeedsWithin(AWAIT).isEqualTo("forged");
            assertRealResults(held);
            assertThat(held).allMatch(t -> t.getWorkerPid() != pid);
            await().atMost(AWAIT).until(() -> !isRunning(pid));
        }
    }
}
