package dev.processpool;

import static dev.processpool.testing.Processes.isRunning;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Recycling: a worker is replaced after {@code maxTasksPerWorker} tasks, after the task that took its resident
 * memory over {@code workerMemoryLimit}, and killed at once over {@code workerMemoryHardLimit}. Workers get
 * a heap cap by default.
 */
class RecyclingTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);
    private static final long MIB = 1 << 20;

    // ========================================================================================== helpers

    private static long run(ProcessPool pool, ProcessTask task) {
        pool.queueTask(task);
        Object pid = task.future().orTimeout(AWAIT.toSeconds(), TimeUnit.SECONDS).join();
        assertThat(task.getWorkerPid()).isEqualTo(pid);
        return (Long) pid;
    }

    private static Throwable failureOf(ProcessTask task) {
        Throwable thrown = catchThrowable(() -> task.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(thrown).as("outcome of %s", task).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    // ========================================================================================== tests

    @Test
    void aWorkerIsReplacedAfterMaxTasksPerWorkerTasks() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0).maxTasksPerWorker(3)
                .build();
        try (ProcessPool pool = new ProcessPool(config)) {
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                ProcessTask t = ProcessTask.builder(TestTasks.workerPid()).build();
                tasks.add(t);
                pool.queueTask(t);
            }
            List<Long> pids = new ArrayList<>();
            for (ProcessTask t : tasks) {
                Object pid = t.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(t.getWorkerPid()).isEqualTo(pid);
                pids.add((Long) pid);
            }
            for (int group = 0; group < 3; group++) {
                List<Long> g = pids.subList(group * 3, group * 3 + 3);
                assertThat(g).as("tasks %d..%d: %s", group * 3, group * 3 + 2, pids).containsOnly(g.get(0));
            }
            assertThat(pids.stream().distinct().count()).as("three workers in turn: %s", pids).isEqualTo(3);
            long first = pids.get(0);
            long second = pids.get(3);
            await().atMost(AWAIT).until(() -> !isRunning(first) && !isRunning(second));
        }
    }

    @Test
    void aWorkerOverTheSoftMemoryLimitFinishesItsTaskAndIsReplacedAfterIt() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).addJvmOptions("-Xmx512m")
                .workerMemoryLimit(100 * MIB).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            long light = run(pool, ProcessTask.builder(TestTasks.workerPid()).build());
            // the worker stayed: its footprint was under the limit
            long hog = run(pool, ProcessTask.builder(TestTasks.allocateAndKeep()).args(150, 0).build());
            assertThat(hog).as("a light worker is kept").isEqualTo(light);
            long next = run(pool, ProcessTask.builder(TestTasks.workerPid()).build());
            assertThat(next).as("the worker that went over the limit was replaced").isNotEqualTo(hog);
            await().atMost(AWAIT).until(() -> !isRunning(hog));
        }
    }

    @Test
    void aWorkerOverTheHardMemoryLimitIsKilledAtOnceWithResourceLimitException() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).addJvmOptions("-Xmx512m")
                .heartbeatInterval(Duration.ofMillis(200)).workerMemoryHardLimit(120 * MIB).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            long before = run(pool, ProcessTask.builder(TestTasks.workerPid()).build());
            ProcessTask grows = ProcessTask.builder(TestTasks.allocateAndKeep()).args(250, -1).build();
            pool.queueTask(grows);
            Throwable failure = failureOf(grows);
            assertThat(failure).isInstanceOfSatisfying(ResourceLimitException.class, e -> {
                assertThat(e.getWorkerPid()).isEqualTo(before);
                assertThat(e.getLimitBytes()).isEqualTo(120 * MIB);
                assertThat(e.getResidentBytes()).isGreaterThan(120 * MIB);
                assertThat(e.getMessage()).contains("over the hard limit of 120 MiB").contains(grows.getTaskID());
            });
            await().atMost(AWAIT).until(() -> !isRunning(before));
            long after = run(pool, ProcessTask.builder(TestTasks.workerPid()).build());
            assertThat(after).isNotEqualTo(before);
        }
    }

    @Test
    void workersHaveAHeapCapByDefaultAndATaskBeyondItGetsAnOutOfMemoryError() throws Exception {
        assertThat(PoolConfig.DEFAULT_JVM_OPTIONS).anyMatch(o -> o.startsWith("-Xmx"));
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1).build();
        assertThat(config.getJvmOptions()).containsAll(PoolConfig.DEFAULT_JVM_OPTIONS);
        try (ProcessPool pool = new ProcessPool(config)) {
            ProcessTask heap = pool.createAndQueueTask(TestTasks.maxHeap());
            assertThat(heap.future()).succeedsWithin(AWAIT)
                    .satisfies(max -> assertThat((Long) max).isLessThanOrEqualTo(256 * MIB));

            ProcessTask hog = ProcessTask.builder(TestTasks.exhaustHeap()).args(1024).build();
            pool.queueTask(hog);
            Throwable failure = failureOf(hog);
            assertThat(failure).isInstanceOfAny(TaskExecutionException.class, WorkerDiedException.class);
            if (failure instanceof TaskExecutionException e) {
                assertThat(e.getRemoteType()).isEqualTo("java.lang.OutOfMemoryError");
            }
            ProcessTask after = pool.createAndQueueTask(TestTasks.maxHeap());
            assertThat(after.future()).succeedsWithin(AWAIT);
        }
    }
}
