package dev.processpool;

import static dev.processpool.testing.Processes.isRunning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Hang detection: workers send heartbeats; one silent for {@code unresponsiveTimeout} is killed and its task
 * ends with {@link WorkerUnresponsiveException}, whatever the task's timeout. A task may also have a progress
 * timeout, reset by {@link TaskContext#reportProgress()}, on top of its total timeout.
 */
class HangDetectionTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    // ========================================================================================== helpers

    /** Sends a signal to one process of ours, by pid, with the kill command. */
    static void signal(String sig, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Throwable failureOf(ProcessTask task) {
        Throwable thrown = catchThrowable(() -> task.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(thrown).as("outcome of %s", task).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    private static long awaitPidFile(Path file) throws IOException {
        await().atMost(AWAIT).until(() -> Files.exists(file));
        return Long.parseLong(Files.readString(file).trim());
    }

    /** A next task runs, on a worker other than {@code pid}. */
    private static void assertRunsOnAnotherWorker(ProcessPool pool, long pid) {
        ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
        assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
        assertThat(next.getWorkerPid()).isNotEqualTo(pid);
    }

    /** Ends a stopped worker the test left behind (it failed before the pool killed it). */
    private static void killIfRunning(long pid) throws Exception {
        if (pid > 0 && isRunning(pid)) {
            signal("KILL", pid);
        }
    }

    // ========================================================================================== tests

    @Test
    void aStoppedBusyWorkerIsKilledAsUnresponsiveWithoutAnyTaskTimeoutAndReplaced() throws Exception {
        List<TaskException> failures = new CopyOnWriteArrayList<>();
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(200)).unresponsiveTimeout(Duration.ofSeconds(1)).build();
        long stopped = -1;
        try (ProcessPool pool = new ProcessPool(config)) {
            Path pidFile = tmp.resolve("busy.pid");
            ProcessTask task = ProcessTask.builder(TestTasks.touchThenSleepForever()).args(pidFile.toString())
                    .exceptionCallback((t, e) -> failures.add(e)).build();
            assertThat(task.hasTimeOutSet()).isFalse();
            pool.queueTask(task);
            stopped = awaitPidFile(pidFile);

            signal("STOP", stopped);
            long stoppedAt = System.nanoTime();
            Throwable failure = failureOf(task);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);

            long pid = stopped;
            assertThat(failure).isInstanceOfSatisfying(WorkerUnresponsiveException.class, e -> {
                assertThat(e.getWorkerPid()).isEqualTo(pid);
                assertThat(e.getTaskId()).isEqualTo(task.getTaskID());
                assertThat(e.getSilence()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
                assertThat(e.getMessage()).contains(Long.toString(pid)).contains("unresponsive");
            });
            assertThat(tookMillis).as("noticed after about 1 s of silence").isLessThan(15_000);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(failures).singleElement().isSameAs(failure);
            await().atMost(AWAIT).until(() -> !isRunning(pid));

            // replaced: a new worker, which runs the next task
            await().atMost(AWAIT).until(() -> pool.getWorkers().stream()
                    .anyMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0 && w.pid() != pid));
            assertRunsOnAnotherWorker(pool, pid);
        } finally {
            killIfRunning(stopped);
        }
    }

    @Test
    void heartbeatsKeepABusyWorkerAliveLongerThanTheUnresponsiveTimeout() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(200)).unresponsiveTimeout(Duration.ofSeconds(1)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            ProcessTask task = pool.createAndQueueTask(TestTasks.sleepThenReturn(), 2500, "slept");
            assertThat(task.future()).succeedsWithin(AWAIT).isEqualTo("slept");
            assertThat(task.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(2500));
        }
    }

    @Test
    void aTaskThatInterruptsTheHeartbeatThreadDoesNotSilenceIt() throws Exception {
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(200)).unresponsiveTimeout(Duration.ofSeconds(1)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            ProcessTask task = pool.createAndQueueTask(TestTasks.interruptThreadsThenSleep(), 2000,
                    "processpool-heartbeat");
            assertThat(task.future()).succeedsWithin(AWAIT).isEqualTo("slept");
            ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
            assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
            assertThat(next.getWorkerPid()).as("the same worker lived on").isEqualTo(task.getWorkerPid());
        }
    }

    @Test
    void anIdleWorkerSlowsItsHeartbeatsButIsNotTakenForASilentOneWhileAStoppedIdleOneIsReplaced() throws Exception {
        // heartbeats every 200 ms; once a worker has waited 2 s for a task, every 500 ms (a third of 1.5 s)
        PoolConfig config = PoolConfig.builder().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(200)).unresponsiveTimeout(Duration.ofMillis(1500)).build();
        long stopped = -1;
        try (ProcessPool pool = new ProcessPool(config)) {
            ProcessTask first = pool.createAndQueueTask(TestTasks.echo(), "first");
            assertThat(first.future()).succeedsWithin(AWAIT).isEqualTo("first");
            long pid = first.getWorkerPid();

            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(20)).until(() -> isRunning(pid)
                    && pool.getWorkers().stream().anyMatch(w -> w.pid() == pid));
            ProcessTask second = pool.createAndQueueTask(TestTasks.echo(), "second");
            assertThat(second.future()).succeedsWithin(AWAIT).isEqualTo("second");
            assertThat(second.getWorkerPid()).as("the idle worker lived on").isEqualTo(pid);

            // idle again, past the 2 s: stopped, it is found silent all the same, and replaced
            await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(20)).until(() -> isRunning(pid));
            stopped = pid;
            signal("STOP", pid);
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertRunsOnAnotherWorker(pool, pid);
        } finally {
            killIfRunning(stopped);
        }
    }

    @Test
    void aTaskThatKeepsReportingProgressOutlivesItsProgressTimeout() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.reportProgress()).args(100, 2000)
                    .progressTimeout(Duration.ofMillis(500)).build();
            pool.queueTask(task);
            assertThat(task.future()).succeedsWithin(AWAIT).isInstanceOf(Integer.class)
                    .satisfies(n -> assertThat((Integer) n).isGreaterThanOrEqualTo(10));
            assertThat(task.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(2000));
        }
    }

    @Test
    void aTaskThatStopsReportingProgressIsKilledWithAProgressTimeout() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            // reports for 300 ms, then hangs; no total timeout
            ProcessTask task = ProcessTask.builder(TestTasks.reportProgress()).args(100, 300, true)
                    .progressTimeout(Duration.ofMillis(500)).build();
            pool.queueTask(task);
            Throwable failure = failureOf(task);
            assertThat(failure).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.isProgressTimeout()).isTrue();
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(500));
                assertThat(e.getMessage()).contains("reported no progress for 500 ms");
            });
            assertThat(task.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(700));
            long pid = task.getWorkerPid();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
            assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
        }
    }

    @Test
    void theTotalTimeoutStillAppliesToATaskThatReportsProgressForever() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.reportProgress()).args(100, -1)
                    .progressTimeout(Duration.ofMillis(500)).timeout(Duration.ofMillis(1500)).build();
            pool.queueTask(task);
            Throwable failure = failureOf(task);
            assertThat(failure).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.isProgressTimeout()).isFalse();
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(1500));
                assertThat(e.getMessage()).contains("timed out after 1500 ms");
            });
            assertThat(task.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        }
    }
}
