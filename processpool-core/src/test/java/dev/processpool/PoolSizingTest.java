package dev.processpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static dev.processpool.testing.Processes.isRunning;
import static dev.processpool.testing.Workers.workerChildren;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Promise 1: minSize workers from construction on, replaced when they die, growth to maxSize, idle shrinking. */
class PoolSizingTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @Test
    void minSizeWorkersAreAliveFromConstructionOn() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(3).build())) {
            // counted at once, even while still starting
            assertThat(pool.getNumProcesses()).isEqualTo(2);
            assertThat(pool.getWorkers()).hasSize(2)
                    .allSatisfy(w -> assertThat(w.state()).isIn(WorkerState.STARTING, WorkerState.IDLE));
            assertThat(pool.getMinSize()).isEqualTo(2);
            assertThat(pool.getMaxSize()).isEqualTo(3);

            List<WorkingProcess> workers = awaitIdleWorkers(pool, 2);
            assertThat(pool.getNumProcesses()).isEqualTo(2);
            assertThat(pool.getNumIdleProcesses()).isEqualTo(2);
            assertThat(pool.getNumWorkingProcesses()).isZero();
            Set<Long> pids = workers.stream().map(WorkingProcess::pid).collect(Collectors.toSet());
            assertThat(pids).hasSize(2);
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid)).as("worker process %d", pid).isPresent();
                assertThat(ProcessHandle.of(pid).get().isAlive()).isTrue();
                assertThat(ProcessHandle.of(pid).get().parent().map(ProcessHandle::pid))
                        .contains(ProcessHandle.current().pid());
            }
            assertThat(workerChildren().stream().map(ProcessHandle::pid).collect(Collectors.toSet()))
                    .isEqualTo(pids);
            assertThat(workers).allSatisfy(w -> {
                assertThat(w.isAlive()).isTrue();
                assertThat(w.isWorking()).isFalse();
                assertThat(w.currentTaskId()).isEmpty();
            });
        }
    }

    @Test
    void anIdleWorkerKilledFromOutsideIsReplacedWithNoTaskQueued() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build())) {
            List<WorkingProcess> before = awaitIdleWorkers(pool, 2);
            long victim = before.get(0).pid();
            long survivor = before.get(1).pid();
            ProcessHandle handle = ProcessHandle.of(victim).orElseThrow();
            assertThat(handle.destroyForcibly()).isTrue();
            await().atMost(AWAIT).until(() -> !isRunning(victim));

            assertThat(pool.hasPendingTasks()).isFalse();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                List<WorkingProcess> ws = pool.getWorkers();
                return ws.size() == 2 && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0)
                        && ws.stream().noneMatch(w -> w.pid() == victim);
            });
            Set<Long> now = pool.getWorkers().stream().map(WorkingProcess::pid).collect(Collectors.toSet());
            assertThat(now).contains(survivor).doesNotContain(victim);
            for (long pid : now) {
                assertThat(isRunning(pid)).as("worker %d runs", pid).isTrue();
            }
            assertThat(workerChildren().stream().map(ProcessHandle::pid).collect(Collectors.toSet())).isEqualTo(now);

            // and the replacement works
            ProcessTask t = pool.createAndQueueTask(TestTasks.echo(), "after replacement");
            assertThat(t.future()).succeedsWithin(AWAIT).isEqualTo("after replacement");
        }
    }

    @Test
    void sequentialTasksDoNotGrowThePool() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(3).build())) {
            awaitIdleWorkers(pool, 1);
            for (int i = 0; i < 5; i++) {
                ProcessTask t = pool.createAndQueueTask(TestTasks.echo(), i);
                assertThat(t.future()).succeedsWithin(AWAIT).isEqualTo(i);
                assertThat(pool.getNumProcesses()).as("a worker was idle each time").isEqualTo(1);
            }
        }
    }

    @Test
    void growsUpToMaxSizeWhileTasksWaitAndShrinksBackAfterIdleTimeout(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(3).maxQueuedRequests(0)
                .idleTimeout(Duration.ofMillis(500)).build();
        AtomicInteger maxProcesses = new AtomicInteger();
        AtomicInteger maxChildren = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(config)) {
            ScheduledExecutorService sampler = startSampler(pool, maxProcesses, maxChildren);
            try {
                List<ProcessTask> tasks = new ArrayList<>();
                for (int i = 0; i < 5; i++) {
                    ProcessTask t = ProcessTask.builder(TestTasks.waitForGate())
                            .args(gate.toString(), 60_000, i).build();
                    assertThat(pool.queueTask(t)).isTrue();
                    tasks.add(t);
                }
                // three running, two waiting, never more than three processes
                await().atMost(Duration.ofSeconds(60)).until(() -> pool.getNumWorkingProcesses() == 3);
                assertThat(pool.getNumProcesses()).isEqualTo(3);
                assertThat(pool.getNumPendingTasks()).isEqualTo(2);
                assertThat(pool.getNumIdleProcesses()).isZero();
                assertThat(workerChildren()).hasSize(3);

                Files.createFile(gate);
                CompletableFuture.allOf(tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                        .get(60, TimeUnit.SECONDS);
                for (int i = 0; i < 5; i++) {
                    assertThat(tasks.get(i).taskResults()).isEqualTo(i);
                }

                // back to the minimum after the idle timeout, and not below it
                await().atMost(AWAIT).until(() -> pool.getNumProcesses() == 1);
                await().atMost(AWAIT).until(() -> workerChildren().size() == 1);
                assertThat(pool.getWorkers()).singleElement()
                        .satisfies(w -> assertThat(w.state()).isEqualTo(WorkerState.IDLE));
                // the minimum stays for several idle timeouts
                await().during(Duration.ofMillis(1500)).atMost(AWAIT).until(() -> pool.getNumProcesses() == 1);
                ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "still here");
                assertThat(after.future()).succeedsWithin(AWAIT).isEqualTo("still here");
            } finally {
                sampler.shutdown();
                sampler.awaitTermination(10, TimeUnit.SECONDS);
            }
            assertThat(maxProcesses.get()).as("most processes the pool reported").isEqualTo(3);
            assertThat(maxChildren.get()).as("most worker processes seen").isLessThanOrEqualTo(3);
        }
    }

    @Test
    void withoutKeepProcessesRunningEvenTheMinimumIdlesOutAndWorkersStartOnDemand() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(2).keepProcessesRunning(false)
                .idleTimeout(Duration.ofMillis(500)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            assertThat(pool.getNumProcesses()).isEqualTo(1);
            await().atMost(AWAIT).until(() -> pool.getNumProcesses() == 0);
            await().atMost(AWAIT).until(() -> workerChildren().isEmpty());
            assertThat(pool.getWorkers()).isEmpty();

            ProcessTask t = pool.createAndQueueTask(TestTasks.workerPid());
            assertThat(pool.getNumProcesses()).as("a worker is started when a task is queued").isEqualTo(1);
            Object pid = t.future().get(30, TimeUnit.SECONDS);
            assertThat(pid).isInstanceOf(Long.class);
            assertThat((Long) pid).isPositive();

            // and it idles out again
            await().atMost(AWAIT).until(() -> pool.getNumProcesses() == 0);
            await().atMost(AWAIT).until(() -> !isRunning((Long) pid));

            ProcessTask again = pool.createAndQueueTask(TestTasks.echo(), "again");
            assertThat(again.future()).succeedsWithin(AWAIT).isEqualTo("again");
        }
    }

    @Test
    void strictLimitsNeverExceedMaxSizeWhileKilledWorkersAreReplaced() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(2).strictLimits(true).maxQueuedRequests(0).build();
        AtomicInteger maxProcesses = new AtomicInteger();
        AtomicInteger maxChildren = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(config)) {
            awaitIdleWorkers(pool, 2);
            ScheduledExecutorService sampler = startSampler(pool, maxProcesses, maxChildren);
            try {
                // both workers time out at about the same moment, with more work waiting
                List<ProcessTask> tasks = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    tasks.add(timingOut(pool));
                }
                for (int i = 0; i < 4; i++) {
                    tasks.add(pool.createAndQueueTask(TestTasks.echo(), i));
                }
                // then one killed from outside while running
                tasks.add(killedFromOutside(pool));
                tasks.add(pool.createAndQueueTask(TestTasks.echo(), "last"));
                awaitAll(tasks);
                assertThat(tasks.get(0).taskException()).isInstanceOf(TaskTimeoutException.class);
                assertThat(tasks.get(1).taskException()).isInstanceOf(TaskTimeoutException.class);
                for (int i = 0; i < 4; i++) {
                    assertThat(tasks.get(2 + i).taskResults()).isEqualTo(i);
                }
                assertThat(tasks.get(6).taskException()).isInstanceOf(WorkerDiedException.class);
                assertThat(tasks.get(7).taskResults()).isEqualTo("last");
                awaitIdleWorkers(pool, 2);
            } finally {
                sampler.shutdown();
                sampler.awaitTermination(10, TimeUnit.SECONDS);
            }
            assertThat(maxProcesses.get()).as("most processes the pool reported").isLessThanOrEqualTo(2);
            assertThat(maxChildren.get()).as("most worker processes alive at once").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void withoutStrictLimitsKilledWorkersAreReplacedWithOverCommitBoundedByTheKilled() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(2).strictLimits(false).maxQueuedRequests(0)
                .build();
        AtomicInteger maxProcesses = new AtomicInteger();
        AtomicInteger maxChildren = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(config)) {
            awaitIdleWorkers(pool, 2);
            ScheduledExecutorService sampler = startSampler(pool, maxProcesses, maxChildren);
            try {
                // one worker killed at a time: the over-commit is at most one
                for (int round = 0; round < 2; round++) {
                    ProcessTask timedOut = timingOut(pool);
                    ProcessTask normal = pool.createAndQueueTask(TestTasks.echo(), round);
                    awaitAll(List.of(timedOut, normal));
                    assertThat(timedOut.taskException()).isInstanceOf(TaskTimeoutException.class);
                    assertThat(normal.taskResults()).isEqualTo(round);
                    awaitIdleWorkers(pool, 2);
                }
                ProcessTask killed = killedFromOutside(pool);
                awaitAll(List.of(killed));
                assertThat(killed.taskException()).isInstanceOf(WorkerDiedException.class);
                List<WorkingProcess> last = awaitIdleWorkers(pool, 2);
                long deadPid = killed.taskException().getWorkerPid();
                assertThat(last).extracting(WorkingProcess::pid).doesNotContain(deadPid);
                ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "after");
                assertThat(after.future()).succeedsWithin(AWAIT).isEqualTo("after");
            } finally {
                sampler.shutdown();
                sampler.awaitTermination(10, TimeUnit.SECONDS);
            }
            assertThat(maxProcesses.get()).as("most processes the pool reported").isLessThanOrEqualTo(3);
            assertThat(maxChildren.get()).as("most worker processes alive at once").isLessThanOrEqualTo(3);
        }
    }

    /** Queues a task that sleeps forever with a 300 ms timeout. */
    private static ProcessTask timingOut(ProcessPool pool) {
        ProcessTask t = ProcessTask.builder(TestTasks.sleepForever()).timeout(Duration.ofMillis(300)).build();
        assertThat(pool.queueTask(t)).isTrue();
        return t;
    }

    /** Queues a task that sleeps forever, waits until a worker runs it and kills that worker by pid. */
    private static ProcessTask killedFromOutside(ProcessPool pool) {
        ProcessTask t = ProcessTask.builder(TestTasks.printThenSleepForever()).args("sizing-victim-").build();
        assertThat(pool.queueTask(t)).isTrue();
        long[] pid = new long[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (WorkingProcess w : pool.getWorkers()) {
                if (w.currentTaskId().filter(t.getTaskID()::equals).isPresent() && w.pid() > 0) {
                    pid[0] = w.pid();
                    return true;
                }
            }
            return false;
        });
        ProcessHandle.of(pid[0]).ifPresent(ProcessHandle::destroyForcibly);
        return t;
    }

    private static void awaitAll(List<ProcessTask> tasks) throws Exception {
        CompletableFuture<?>[] fs = tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(fs).get(60, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException expected) {
            // some fail on purpose; each is checked by the caller
        }
        assertThat(tasks).allMatch(ProcessTask::isDone);
    }

    /** Samples the pool's process count and the worker processes alive every 5 ms until shut down. */
    private static ScheduledExecutorService startSampler(ProcessPool pool, AtomicInteger maxProcesses,
                                                         AtomicInteger maxChildren) {
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sizing-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(() -> {
            maxProcesses.accumulateAndGet(pool.getNumProcesses(), Math::max);
            maxChildren.accumulateAndGet(workerChildren().size(), Math::max);
        }, 0, 5, TimeUnit.MILLISECONDS);
        return sampler;
    }
}
