package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Promise 9: shutdown, close, stopProcessing/startProcessing. */
class ShutdownTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    static List<Long> awaitIdleWorkers(ProcessPool pool, int n) {
        await().atMost(LONG).until(() -> pool.getNumIdleProcesses() == n
                && pool.getWorkers().stream().allMatch(w -> w.pid() > 0));
        return pool.getWorkers().stream().map(WorkingProcess::pid).toList();
    }

    static void assertAllDead(List<Long> pids) {
        for (long pid : pids) {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("worker pid %d alive", pid).isFalse();
        }
    }

    private static long ms(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    @Test
    void submissionsAfterShutdownAreRejectedNamingTheProblem() {
        ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build());
        try (pool) {
            assertThat(pool.shutdown(LONG)).isTrue();
            assertThat(pool.isShutdown()).isTrue();
            assertThat(pool.isTerminated()).isTrue();
            assertThatThrownBy(() -> pool.createAndQueueTask(TestTasks.echo(), "late"))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("shut down");
            ProcessTask t = ProcessTask.builder(TestTasks.echo()).args(1).build();
            assertThatThrownBy(() -> pool.queueTask(t, false, false))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("shut down");
            assertThat(t.isDone()).isFalse();
            assertThat(pool.shutdown(LONG)).isTrue(); // idempotent
        }
        pool.close(); // and close after shutdown too
    }

    @Test
    void queuedTasksStillRunAndTheirCallbacksAreDeliveredThenNoWorkerIsAlive() {
        List<String> delivered = new CopyOnWriteArrayList<>();
        AtomicReference<Throwable> lateSubmission = new AtomicReference<>();
        ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0).build());
        List<Long> pids;
        List<ProcessTask> tasks = new ArrayList<>();
        try (pool) {
            pids = awaitIdleWorkers(pool, 2);
            for (int i = 0; i < 6; i++) {
                ProcessTask t = ProcessTask.builder(TestTasks.sleepThenReturn()).args(150L, "r" + i)
                        .callback((task, r) -> {
                            delivered.add((String) r);
                            // Shutdown is in progress while callbacks run: new work is refused.
                            try {
                                pool.createAndQueueTask(TestTasks.echo(), "during shutdown");
                            } catch (RuntimeException e) {
                                lateSubmission.compareAndSet(null, e);
                            }
                        }).build();
                pool.queueTask(t);
                tasks.add(t);
            }
            long t0 = System.nanoTime();
            assertThat(pool.shutdown(LONG)).isTrue();
            System.out.println("shutdown with 6 queued 150 ms tasks took " + ms(t0) + " ms");
            assertThat(pool.isTerminated()).isTrue();
            assertThat(delivered).containsExactlyInAnyOrder("r0", "r1", "r2", "r3", "r4", "r5");
            assertThat(tasks).allMatch(t -> !t.exceptionRaised());
            assertThat(lateSubmission.get()).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("shutting down");
            assertThat(pool.getWorkers()).isEmpty();
            assertAllDead(pids);
        }
    }

    @Test
    void closeDeliversQueuedCallbacksAndStopsTheWorkers() {
        AtomicInteger calls = new AtomicInteger();
        List<Long> pids;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            pids = awaitIdleWorkers(pool, 1);
            for (int i = 0; i < 3; i++) {
                pool.queueTask(ProcessTask.builder(TestTasks.sleepThenReturn()).args(100L)
                        .callback((t, r) -> calls.incrementAndGet()).build());
            }
        } // close()
        assertThat(calls).hasValue(3);
        assertAllDead(pids);
    }

    @Test
    void anIdlePoolShutsDownQuickly() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(3).maxSize(3).build())) {
            List<Long> pids = awaitIdleWorkers(pool, 3);
            long t0 = System.nanoTime();
            assertThat(pool.shutdown(LONG)).isTrue();
            long took = ms(t0);
            System.out.println("MEASURED idle pool (3 workers) shutdown: " + took + " ms");
            assertThat(took).isLessThan(5_000);
            assertAllDead(pids);
        }
    }

    @Test
    void aTaskRunningPastTheShutdownTimeoutIsCancelledAndItsWorkerKilled() {
        AtomicReference<TaskException> failure = new AtomicReference<>();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .terminationGrace(Duration.ofMillis(500)).build())) {
            ProcessTask slow = ProcessTask.builder(TestTasks.sleepThenReturn()).args(60_000L)
                    .callback((t, r) -> failure.set(null))
                    .exceptionCallback((t, e) -> failure.set(e)).build();
            pool.queueTask(slow);
            await().atMost(LONG).until(() -> pool.getNumWorkingProcesses() == 1);
            List<Long> pids = pool.getWorkers().stream().map(WorkingProcess::pid).toList();
            long t0 = System.nanoTime();
            assertThat(pool.shutdown(Duration.ofMillis(300))).isFalse();
            System.out.println("shutdown(300 ms) with a 60 s task took " + ms(t0) + " ms");
            assertThat(ms(t0)).isLessThan(20_000);
            assertThat(slow.taskException()).isInstanceOf(TaskCancelledException.class)
                    .hasMessageContaining(slow.getTaskID());
            assertThat(failure.get()).isSameAs(slow.taskException()); // the callback was delivered
            assertAllDead(pids);
        }
    }

    @Test
    void aWorkerThatIgnoresSigtermIsKilledAfterTheTerminationGrace() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .terminationGrace(Duration.ofMillis(500)).build())) {
            ProcessTask stubborn = ProcessTask.builder(TestTasks.hangingShutdownHookThenSleep()).args(60_000L).build();
            pool.queueTask(stubborn);
            await().atMost(LONG).until(() -> pool.getNumWorkingProcesses() == 1);
            List<Long> pids = pool.getWorkers().stream().map(WorkingProcess::pid).toList();
            long t0 = System.nanoTime();
            assertThat(pool.shutdown(Duration.ofMillis(200))).isFalse();
            long took = ms(t0);
            System.out.println("shutdown of a SIGTERM-proof busy worker took " + took + " ms");
            assertThat(stubborn.taskException()).isInstanceOf(TaskCancelledException.class);
            assertAllDead(pids);
            assertThat(took).isLessThan(20_000);
        }
    }

    @Test
    void anIdleWorkerWhoseExitHangsIsKilledAfterTheTerminationGrace() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .terminationGrace(Duration.ofMillis(500)).build())) {
            // The task returns at once but leaves a shutdown hook that never returns: the polite stop request
            // (System.exit in the worker) hangs.
            ProcessTask t = ProcessTask.builder(TestTasks.hangingShutdownHookThenSleep()).args(0L).build();
            pool.queueTask(t);
            assertThat(pool.processAllResults(LONG)).isTrue();
            long pid = (Long) t.taskResults();
            long t0 = System.nanoTime();
            assertThat(pool.shutdown(LONG)).isTrue();
            long took = ms(t0);
            System.out.println("shutdown of an idle worker with a hanging exit took " + took + " ms");
            assertAllDead(List.of(pid));
            assertThat(took).isLessThan(20_000);
        }
    }

    @Test
    void stopProcessingStopsTheWorkersAndStartProcessingRunsWhatWasQueued() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build())) {
            List<Long> pids = awaitIdleWorkers(pool, 2);
            pool.stopProcessing(LONG);
            assertThat(pool.getWorkers()).isEmpty();
            assertThat(pool.getNumProcesses()).isZero();
            assertAllDead(pids);
            assertThat(pool.isShutdown()).isFalse();

            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                tasks.add(pool.createAndQueueTask(TestTasks.echo(), "q" + i));
            }
            assertThat(pool.getNumPendingTasks()).isEqualTo(3);
            // While stopped nothing runs and no worker is started.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> pool.getNumProcesses() == 0 && tasks.stream().noneMatch(ProcessTask::isDone));

            pool.startProcessing();
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(tasks).extracting(ProcessTask::taskResults).containsExactly("q0", "q1", "q2");
            List<Long> newPids = awaitIdleWorkers(pool, 2);
            assertThat(newPids).doesNotContainAnyElementsOf(pids);
        }
    }

    @Test
    void stopProcessingCancelsATaskThatOutlivesItsTimeout() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .terminationGrace(Duration.ofMillis(500)).build())) {
            ProcessTask slow = ProcessTask.builder(TestTasks.sleepThenReturn()).args(60_000L).build();
            pool.queueTask(slow);
            await().atMost(LONG).until(() -> pool.getNumWorkingProcesses() == 1);
            List<Long> pids = pool.getWorkers().stream().map(WorkingProcess::pid).toList();
            pool.stopProcessing(Duration.ofMillis(200));
            assertThat(slow.taskException()).isInstanceOf(TaskCancelledException.class);
            assertThat(pool.getWorkers()).isEmpty();
            assertAllDead(pids);
            pool.startProcessing();
            ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "after restart");
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(after.taskResults()).isEqualTo("after restart");
        }
    }
}
