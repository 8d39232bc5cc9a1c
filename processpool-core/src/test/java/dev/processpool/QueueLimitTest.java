package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.awaitility.Awaitility.await;

/** Promise 3: maxQueuedRequests bounds waiting tasks; blocking, non-blocking and time-limited queueing. */
class QueueLimitTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    private static ProcessTask gated(Path gate, Object value) {
        return ProcessTask.builder(TestTasks.waitForGate()).args(gate.toString(), 60_000, value).build();
    }

    /** A pool of one worker that is busy with a gated task (so it does not count as waiting). */
    private static ProcessTask occupyTheWorker(ProcessPool pool, Path gate) {
        awaitIdleWorkers(pool, 1);
        ProcessTask running = gated(gate, "running");
        assertThat(pool.queueTask(running, false, false)).isTrue();
        await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 1 && !pool.hasPendingTasks());
        return running;
    }

    private static void awaitAll(List<ProcessTask> tasks) throws Exception {
        CompletableFuture.allOf(tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                .get(60, TimeUnit.SECONDS);
    }

    @Test
    void maxQueuedRequestsBoundsWaitingTasksNotRunningOnes(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(2).build())) {
            ProcessTask running = occupyTheWorker(pool, gate);
            // the running task does not count: two more can wait
            ProcessTask w1 = gated(gate, 1);
            ProcessTask w2 = gated(gate, 2);
            assertThat(pool.queueTask(w1, false, false)).isTrue();
            assertThat(pool.isFull()).isFalse();
            assertThat(pool.queueTask(w2, false, false)).isTrue();
            assertThat(pool.isFull()).isTrue();
            assertThat(pool.getNumPendingTasks()).isEqualTo(2);
            assertThat(pool.getFreeSlots()).isZero();

            // a non-blocking call on the full queue returns false at once and queues nothing
            ProcessTask refused = ProcessTask.builder(TestTasks.echo()).args("later").build();
            boolean queued = assertTimeoutPreemptively(PROMPTLY, () -> pool.queueTask(refused, false, false));
            assertThat(queued).isFalse();
            assertThat(pool.getNumPendingTasks()).isEqualTo(2);
            assertThat(refused.getTaskID()).as("no id assigned to a refused task").isNull();
            assertThat(refused.isDone()).isFalse();
            assertThat(refused.future()).isNotDone();
            // createAndQueueTask, non-blocking, says so with an empty Optional
            assertThat(assertTimeoutPreemptively(PROMPTLY, () -> pool.createAndQueueTask(TestTasks.echo(),
                    List.of("x"), null, null, null, null, false, false, Duration.ZERO))).isEmpty();

            Files.createFile(gate);
            awaitAll(List.of(running, w1, w2));
            assertThat(running.taskResults()).isEqualTo("running");
            assertThat(w1.taskResults()).isEqualTo(1);
            assertThat(w2.taskResults()).isEqualTo(2);

            // the refused task can be queued later, and then runs
            assertThat(pool.queueTask(refused, false, false)).isTrue();
            assertThat(refused.future()).succeedsWithin(AWAIT).isEqualTo("later");
        }
    }

    @ParameterizedTest(name = "maxQueuedRequests = {0}")
    @ValueSource(ints = {0, -1})
    void zeroOrNegativeMaxQueuedRequestsMeansUnbounded(int maxQueued, @TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .maxQueuedRequests(maxQueued).build())) {
            ProcessTask running = occupyTheWorker(pool, gate);
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                ProcessTask t = ProcessTask.builder(TestTasks.echo()).args(i).build();
                assertThat(pool.queueTask(t, false, false)).as("task %d queued without blocking", i).isTrue();
                tasks.add(t);
            }
            assertThat(pool.getNumPendingTasks()).isEqualTo(40);
            assertThat(pool.isFull()).isFalse();
            Files.createFile(gate);
            tasks.add(running);
            awaitAll(tasks);
            for (int i = 0; i < 40; i++) {
                assertThat(tasks.get(i).taskResults()).isEqualTo(i);
            }
        }
    }

    @Test
    void aBlockedProducerHoldsNoLockThatGettersResultsOrOtherProducersNeed(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        AtomicInteger callbacks = new AtomicInteger();
        ExecutorService producers = Executors.newCachedThreadPool();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(1).build())) {
            awaitIdleWorkers(pool, 1);
            // a finished task whose callback waits for processResults()
            ProcessTask done = ProcessTask.builder(TestTasks.echo()).args("done")
                    .callback((t, r) -> callbacks.incrementAndGet()).build();
            pool.queueTask(done);
            assertThat(done.future()).succeedsWithin(AWAIT);

            ProcessTask running = occupyTheWorker(pool, gate);
            ProcessTask waiting = gated(gate, "waiting");
            assertThat(pool.queueTask(waiting, false, false)).isTrue();
            assertThat(pool.isFull()).isTrue();

            ProcessTask blocked = ProcessTask.builder(TestTasks.echo()).args("blocked").build();
            AtomicReference<Thread> producer = new AtomicReference<>();
            Future<Boolean> blockedResult = producers.submit(() -> {
                producer.set(Thread.currentThread());
                return pool.queueTask(blocked); // blocking, no time limit
            });
            await().atMost(AWAIT).until(() -> producer.get() != null
                    && producer.get().getState() == Thread.State.WAITING);
            assertThat(blockedResult).isNotDone();

            // while it waits, every getter answers at once
            assertTimeoutPreemptively(PROMPTLY, () -> {
                assertThat(pool.getNumWorkingProcesses()).isEqualTo(1);
                assertThat(pool.getNumIdleProcesses()).isZero();
                assertThat(pool.getNumProcesses()).isEqualTo(1);
                assertThat(pool.isFull()).isTrue();
                assertThat(pool.getFreeSlots()).isZero();
                assertThat(pool.hasPendingTasks()).isTrue();
                assertThat(pool.getNumPendingTasks()).isEqualTo(1);
                assertThat(pool.isWorking()).isTrue();
                assertThat(pool.getWorkers()).hasSize(1);
                assertThat(pool.isShutdown()).isFalse();
                assertThat(pool.toString()).isNotEmpty();
            });
            // result processing runs the pending callback
            assertThat(assertTimeoutPreemptively(PROMPTLY, pool::processResults)).isEqualTo(1);
            assertThat(callbacks.get()).isEqualTo(1);
            // another, non-blocking, producer is refused at once (from this thread and from another)
            ProcessTask other = ProcessTask.builder(TestTasks.echo()).args("other").build();
            assertThat(assertTimeoutPreemptively(PROMPTLY, () -> pool.queueTask(other, false, false))).isFalse();
            Future<Boolean> otherThread = producers.submit(() -> pool.queueTask(other, false, false));
            assertThat(otherThread.get(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS)).isFalse();
            // a producer with a time limit gives up after it, not before
            long start = System.nanoTime();
            boolean timed = assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> pool.queueTask(other, Duration.ofMillis(300), false));
            long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(timed).isFalse();
            assertThat(waitedMillis).isGreaterThanOrEqualTo(250);
            assertThat(other.getTaskID()).isNull();
            assertThat(blockedResult).isNotDone();

            // a slot frees: the blocked producer gets in, everything runs
            Files.createFile(gate);
            assertThat(blockedResult.get(60, TimeUnit.SECONDS)).isTrue();
            awaitAll(List.of(running, waiting, blocked));
            assertThat(blocked.taskResults()).isEqualTo("blocked");
            assertThat(pool.queueTask(other, Duration.ofSeconds(30), false)).isTrue();
            assertThat(other.future()).succeedsWithin(AWAIT).isEqualTo("other");
        } finally {
            producers.shutdownNow();
        }
    }

    @Test
    void aTimeLimitedProducerGetsInWhenASlotFreesWithinItsLimit(@TempDir Path dir) throws Exception {
        Path gate = dir.resolve("gate");
        ExecutorService producers = Executors.newSingleThreadExecutor();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(1).build())) {
            ProcessTask running = occupyTheWorker(pool, gate);
            ProcessTask waiting = gated(gate, "waiting");
            assertThat(pool.queueTask(waiting, false, false)).isTrue();
            ProcessTask late = ProcessTask.builder(TestTasks.echo()).args("late").build();
            AtomicReference<Thread> producer = new AtomicReference<>();
            Future<Boolean> result = producers.submit(() -> {
                producer.set(Thread.currentThread());
                return pool.queueTask(late, Duration.ofSeconds(60), false);
            });
            await().atMost(AWAIT).until(() -> producer.get() != null
                    && producer.get().getState() == Thread.State.TIMED_WAITING);
            assertThat(result).isNotDone();
            Files.createFile(gate);
            assertThat(result.get(60, TimeUnit.SECONDS)).isTrue();
            awaitAll(List.of(running, waiting, late));
            assertThat(late.taskResults()).isEqualTo("late");
        } finally {
            producers.shutdownNow();
        }
    }

    @Test
    void aBlockedProducerThatIsInterruptedGetsRejectedExecutionExceptionAndQueuesNothing(@TempDir Path dir)
            throws Exception {
        Path gate = dir.resolve("gate");
        ExecutorService producers = Executors.newSingleThreadExecutor();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(1).build())) {
            ProcessTask running = occupyTheWorker(pool, gate);
            ProcessTask waiting = gated(gate, "waiting");
            assertThat(pool.queueTask(waiting, false, false)).isTrue();
            ProcessTask blocked = ProcessTask.builder(TestTasks.echo()).args("blocked").build();
            AtomicReference<Thread> producer = new AtomicReference<>();
            Future<Throwable> outcome = producers.submit(() -> {
                producer.set(Thread.currentThread());
                try {
                    pool.queueTask(blocked);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            await().atMost(AWAIT).until(() -> producer.get() != null
                    && producer.get().getState() == Thread.State.WAITING);
            producer.get().interrupt();
            assertThat(outcome.get(30, TimeUnit.SECONDS)).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
            assertThat(blocked.getTaskID()).isNull();
            assertThat(pool.getNumPendingTasks()).isEqualTo(1);

            Files.createFile(gate);
            awaitAll(List.of(running, waiting));
            assertThat(pool.queueTask(blocked)).isTrue();
            assertThat(blocked.future()).succeedsWithin(AWAIT).isEqualTo("blocked");
        } finally {
            producers.shutdownNow();
        }
    }
}
