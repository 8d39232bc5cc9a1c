package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static dev.processpool.testing.Processes.isRunning;
import static dev.processpool.testing.Workers.killIfRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** Promise 4: timeouts are enforced by the parent, to the millisecond, killing the worker's whole process tree. */
class TimeoutTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @Test
    void aTaskThatSleepsForeverEndsWithTaskTimeoutExceptionThroughTheExceptionCallback() throws Exception {
        AtomicInteger resultCalls = new AtomicInteger();
        List<TaskException> failures = new CopyOnWriteArrayList<>();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            long pid = awaitIdleWorkers(pool, 1).get(0).pid();
            ProcessTask task = ProcessTask.builder(TestTasks.sleepForever())
                    .timeout(Duration.ofMillis(300))
                    .callback((t, r) -> resultCalls.incrementAndGet())
                    .exceptionCallback((t, f) -> failures.add(f))
                    .build();
            assertThat(pool.queueTask(task)).isTrue();
            assertThat(pool.processAllResults(AWAIT)).isTrue();

            assertThat(resultCalls.get()).as("result callback calls").isZero();
            assertThat(failures).singleElement().isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(300));
                assertThat(e.getTaskId()).isEqualTo(task.getTaskID());
                assertThat(e.getWorkerPid()).isEqualTo(pid);
            });
            assertThat(task.exceptionRaised()).isTrue();
            assertThat(task.taskException()).isSameAs(failures.get(0));
            assertThat(task.taskResults()).isNull();
            Throwable viaFuture = catchThrowable(() -> task.future().get(1, TimeUnit.SECONDS));
            assertThat(viaFuture).isInstanceOf(ExecutionException.class).cause().isSameAs(failures.get(0));
            // a timed-out worker does not count as working, and is not given work any more
            assertThat(pool.getNumWorkingProcesses()).isZero();
            assertThat(pool.getWorkers()).noneMatch(w -> w.pid() == pid && w.state() == WorkerState.WORKING)
                    .noneMatch(w -> w.pid() == pid && w.state() == WorkerState.IDLE);
            // the worker was killed, and nothing more is delivered later
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertThat(pool.processResults()).isZero();
            assertThat(failures).hasSize(1);
            assertThat(resultCalls.get()).isZero();
        }
    }

    @Test
    void aSubSecondTimeoutIsNotTruncated() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            awaitIdleWorkers(pool, 1);
            ProcessTask task = ProcessTask.builder(TestTasks.sleepThenReturn()).args(10_000, "slept 10 s")
                    .timeout(Duration.ofMillis(500)).build();
            long start = System.nanoTime();
            pool.queueTask(task);
            Throwable outcome = catchThrowable(() -> task.future().get(30, TimeUnit.SECONDS));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(outcome).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(TaskTimeoutException.class);
            assertThat(tookMillis).as("timed out well before the task's 10 s").isLessThan(7_000);
            assertThat(tookMillis).as("not before its 500 ms").isGreaterThanOrEqualTo(500);
        }
    }

    @Test
    void aTaskThatFinishesWithinItsTimeoutSucceeds() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            awaitIdleWorkers(pool, 1);
            ProcessTask task = ProcessTask.builder(TestTasks.sleepThenReturn()).args(100, "in time")
                    .timeout(Duration.ofSeconds(2)).build();
            pool.queueTask(task);
            assertThat(task.future()).succeedsWithin(AWAIT).isEqualTo("in time");
            assertThat(task.exceptionRaised()).isFalse();
            // and its worker carries on
            assertThat(pool.getWorkers()).singleElement().satisfies(w -> assertThat(w.tasksProcessed()).isEqualTo(1));
        }
    }

    @Test
    void theWorkersWholeProcessTreeIsKilledAndAReplacementRunsLaterTasks(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("grandchild.pid");
        long grandchild = -1;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            long workerPid = awaitIdleWorkers(pool, 1).get(0).pid();
            ProcessTask task = ProcessTask.builder(TestTasks.spawnSleepChildThenSleep()).args(pidFile.toString())
                    .timeout(Duration.ofSeconds(4)).build();
            try {
                pool.queueTask(task);
                Throwable outcome = catchThrowable(() -> task.future().get(60, TimeUnit.SECONDS));
                if (Files.exists(pidFile)) {
                    grandchild = Long.parseLong(Files.readString(pidFile).trim());
                }
                assertThat(outcome).isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(TaskTimeoutException.class);
                assertThat(grandchild).as("the task wrote its child's pid before the timeout").isPositive();
                long g = grandchild;
                await().atMost(AWAIT).until(() -> !isRunning(g));
                await().atMost(AWAIT).until(() -> !isRunning(workerPid));

                // a replacement worker runs later tasks
                ProcessTask later = pool.createAndQueueTask(TestTasks.workerPid());
                assertThat(later.future()).succeedsWithin(Duration.ofSeconds(60))
                        .isInstanceOf(Long.class).isNotEqualTo(workerPid);
                assertThat(pool.getNumProcesses()).isEqualTo(1);
            } finally {
                if (grandchild > 0) {
                    killIfRunning(grandchild);
                } else if (Files.exists(pidFile)) {
                    killIfRunning(Long.parseLong(Files.readString(pidFile).trim()));
                }
            }
        }
    }
}
