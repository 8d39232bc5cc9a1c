package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.AWAIT;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertSettledAndTruthful;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.awaitRunning;
import static dev.processpool.FaultMatrix.config;
import static dev.processpool.FaultMatrix.pids;

/**
 * The fault matrix, the queue and shutdown: a producer blocked while every worker dies, shutdown while workers
 * are killed, while tasks still run, while a worker still starts. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixShutdownTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

    // ============================================================================ queue and shutdown

    @Test
    void aProducerBlockedOnAFullQueueWhileAllWorkersDieGetsItsTaskRun(@TempDir Path dir) throws Exception {
        try (ProcessPool pool = matrix.start(config(2).maxQueuedRequests(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            Path started1 = dir.resolve("started1");
            Path started2 = dir.resolve("started2");
            ProcessTask run1 = h.queue(ProcessTask.builder(TestTasks.touchThenSleepForever()).args(started1.toString()));
            ProcessTask run2 = h.queue(ProcessTask.builder(TestTasks.touchThenSleepForever()).args(started2.toString()));
            await().atMost(AWAIT).until(() -> Files.exists(started1) && Files.exists(started2));
            long pid1 = Workers.readPid(started1).orElseThrow();
            long pid2 = Workers.readPid(started2).orElseThrow();
            assertThat(awaitRunning(pool, run1).pid()).isEqualTo(pid1);
            assertThat(awaitRunning(pool, run2).pid()).isEqualTo(pid2);
            // the waiting tasks kill their workers too
            ProcessTask wait1 = h.queue(ProcessTask.builder(TestTasks.die()).args("halt", 31));
            ProcessTask wait2 = h.queue(ProcessTask.builder(TestTasks.die()).args("exit", 32));
            assertThat(pool.isFull()).isTrue();
            ProcessTask blocked = h.build(ProcessTask.builder(TestTasks.sleepThenReturn()).args(10, "other-0"));
            AtomicBoolean queued = new AtomicBoolean();
            AtomicReference<Throwable> producerFailure = new AtomicReference<>();
            Thread producer = new Thread(() -> {
                try {
                    queued.set(pool.queueTask(blocked));
                } catch (Throwable e) {
                    producerFailure.set(e);
                }
            }, "blocked-producer");
            producer.start();
            await().atMost(AWAIT).until(() -> producer.getState() == Thread.State.WAITING);
            assertThat(queued).isFalse();
            Workers.signal(pid1, "-KILL");
            Workers.signal(pid2, "-KILL");
            await().atMost(AWAIT).until(() -> !producer.isAlive());
            assertThat(producerFailure.get()).isNull();
            assertThat(queued).isTrue();
            h.watch(blocked);
            h.settle();
            h.assertSucceeded(List.of(blocked));
            assertThat(h.failureOf(run1)).isInstanceOf(WorkerDiedException.class);
            assertThat(h.failureOf(run2)).isInstanceOf(WorkerDiedException.class);
            assertThat(((WorkerDiedException) h.failureOf(wait1)).getExitCode()).isEqualTo(31);
            assertThat(((WorkerDiedException) h.failureOf(wait2)).getExitCode()).isEqualTo(32);
            assertKeepsWorking(pool, 2, pid1, pid2, wait1.getWorkerPid(), wait2.getWorkerPid());
            assertShutDownClean(pool);
        }
    }

    @Test
    void shutdownWhileWorkersAreBeingKilledGivesEveryTaskOneOutcome() throws Exception {
        ProcessPool pool = matrix.start(config(3).build());
        try (pool) {
            assertSettledAndTruthful(pool, 3);
            Harness h = new Harness(pool);
            for (int i = 0; i < 12; i++) {
                h.queue(ProcessTask.builder(TestTasks.sleepThenReturn()).args(300, "other-" + i));
            }
            await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 3);
            Set<Long> killed = ConcurrentHashMap.newKeySet();
            // six kills: the three first workers, then their replacements while the pool shuts down; looked for
            // every 5 ms
            ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "worker-killer");
                t.setDaemon(true);
                return t;
            });
            killer.scheduleWithFixedDelay(() -> {
                for (WorkingProcess w : pool.getWorkers()) {
                    long pid = w.pid();
                    if (pid > 0 && killed.size() < 6 && killed.add(pid)) {
                        Workers.signal(pid, "-KILL");
                    }
                }
            }, 0, 5, TimeUnit.MILLISECONDS);
            try {
                await().atMost(AWAIT).until(() -> killed.size() >= 3);
                long start = System.nanoTime();
                pool.shutdown(Duration.ofSeconds(30));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
            } finally {
                killer.shutdown();
                killer.awaitTermination(30, TimeUnit.SECONDS);
            }
            assertThat(pool.isTerminated()).isTrue();
            h.settle();
            for (ProcessTask t : h.tasks) {
                if (t.exceptionRaised()) {
                    assertThat(t.taskException()).isInstanceOfAny(WorkerDiedException.class, TaskCancelledException.class);
                } else {
                    assertThat((String) t.taskResults()).startsWith("other-");
                }
            }
            assertThat(pool.getNumProcesses()).isZero();
            assertThat(Workers.workerPids()).isEmpty();
            assertThat(killed).allMatch(p -> !isRunning(p));
        }
    }

    @Test
    void shutdownWithATimeoutShorterThanTheRunningTasksCancelsThemAndKillsTheirWorkers() throws Exception {
        Set<Long> pids = new HashSet<>();
        ProcessPool pool = matrix.start(config(2).terminationGrace(Duration.ofMillis(500)).build());
        try (pool) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            // one ignores SIGTERM (needs the SIGKILL after the grace), one just sleeps; two wait in the queue
            ProcessTask stubborn = h.queue(ProcessTask.builder(TestTasks.stubborn()).args("stubborn-in-"));
            ProcessTask sleeper = h.queue(ProcessTask.builder(TestTasks.sleepThenReturn()).args(60_000, "late"));
            ProcessTask waiting1 = h.queue(ProcessTask.builder(TestTasks.echo()).args("w1"));
            ProcessTask waiting2 = h.queue(ProcessTask.builder(TestTasks.echo()).args("w2"));
            pids.add(awaitRunning(pool, stubborn).pid());
            pids.add(awaitRunning(pool, sleeper).pid());
            long start = System.nanoTime();
            boolean clean = pool.shutdown(Duration.ofMillis(500));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(clean).isFalse();
            assertThat(took).as("timeout + grace + slack").isLessThan(Duration.ofSeconds(15));
            assertThat(pool.isTerminated()).isTrue();
            assertThat(pool.getNumProcesses()).isZero();
            assertThat(Workers.workerPids()).isEmpty();
            assertThat(pids).allMatch(p -> !isRunning(p));
            h.settle();
            // the queued ones may have run in the moments before the deadline... but both workers were busy
            for (ProcessTask t : List.of(stubborn, sleeper, waiting1, waiting2)) {
                assertThat(h.failureOf(t)).isInstanceOf(TaskCancelledException.class);
            }
            assertThat(waiting1.getWorkerPid()).isEqualTo(-1);
            assertThatThrownBy(() -> pool.queueTask(ProcessTask.builder(TestTasks.echo()).args(1).build()))
                    .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        }
    }

    @Test
    void aGracefulShutdownEndsTheBootOfAWorkerItNoLongerNeedsInsteadOfWaitingForIt() throws Exception {
        // minSize 1: a worker boots (for 20 s) though no task waits for it; a shutdown with all the time it
        // wants must neither wait for that boot to end nor let the termination grace (5 s) run out first
        PoolConfig cfg = config(1).minSize(1).terminationGrace(Duration.ofSeconds(5))
                .workerMainClass(TestTasks.SlowStartWorker.class.getName())
                .addJvmOptions("-D" + TestTasks.START_DELAY_PROPERTY + "=20000").build();
        ProcessPool pool = matrix.start(cfg);
        try (pool) {
            await().atMost(AWAIT).until(() -> Workers.workerPids().size() == 1);
            long pid = Workers.workerPids().iterator().next();
            assertThat(pool.getWorkers()).singleElement().satisfies(w -> assertThat(w.state()).isEqualTo(WorkerState.STARTING));
            long start = System.nanoTime();
            boolean clean = pool.shutdown(Duration.ofSeconds(60));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(clean).as("nothing was cancelled: a clean shutdown").isTrue();
            assertThat(took).as("the boot ended at once, not after its 20 s or the 5 s grace")
                    .isLessThan(Duration.ofSeconds(3));
            assertThat(isRunning(pid)).isFalse();
            assertThat(pool.getNumProcesses()).isZero();
        }
    }

    @Test
    void shutdownWhileAWorkerIsStillStartingDoesNotWaitForItsStart() throws Exception {
        PoolConfig cfg = config(1).workerMainClass(TestTasks.SlowStartWorker.class.getName())
                .addJvmOptions("-D" + TestTasks.START_DELAY_PROPERTY + "=20000").build();
        ProcessPool pool = matrix.start(cfg);
        try (pool) {
            Harness h = new Harness(pool);
            ProcessTask waiting = h.queue(ProcessTask.builder(TestTasks.echo()).args("never runs"));
            await().atMost(AWAIT).until(() -> Workers.workerPids().size() == 1);
            long pid = Workers.workerPids().iterator().next();
            assertThat(pool.getWorkers()).singleElement().satisfies(w -> assertThat(w.state()).isEqualTo(WorkerState.STARTING));
            long start = System.nanoTime();
            boolean clean = pool.shutdown(Duration.ofMillis(500));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(clean).isFalse();
            assertThat(took).as("timeout (0.5 s) + grace (0.5 s) + slack, not the worker's 20 s start")
                    .isLessThan(Duration.ofSeconds(8));
            assertThat(isRunning(pid)).isFalse();
            assertThat(pool.getNumProcesses()).isZero();
            h.settle();
            assertThat(h.failureOf(waiting)).isInstanceOf(TaskCancelledException.class);
        }
    }
}
