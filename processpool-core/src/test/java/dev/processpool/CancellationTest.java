package dev.processpool;

import static dev.processpool.testing.Processes.isRunning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Cancellation: a queued task is removed (it never runs), a running one has its worker killed; both end with
 * {@link TaskCancelledException} through the exception callback, whether cancelled with
 * {@link ProcessPool#cancel} or through the task's future. A finished task cannot be cancelled.
 */
class CancellationTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    // ========================================================================================== helpers

    /** Counts callbacks. */
    private static final class Outcomes {
        final AtomicInteger results = new AtomicInteger();
        final List<TaskException> failures = new CopyOnWriteArrayList<>();

        ProcessTask.Builder watch(ProcessTask.Builder b) {
            return b.callback((t, r) -> results.incrementAndGet()).exceptionCallback((t, e) -> failures.add(e));
        }
    }

    private static boolean cancel(ProcessPool pool, ProcessTask task, String how) {
        return how.equals("pool") ? pool.cancel(task) : task.future().cancel(true);
    }

    /** The cancelled outcome: TaskCancelledException, recorded once and delivered once. */
    private static TaskCancelledException assertCancelled(ProcessPool pool, Outcomes outcomes, ProcessTask task,
                                                          String how) {
        // processResults, not processAllResults: another task may still be running
        await().atMost(AWAIT).until(() -> {
            pool.processResults();
            return !outcomes.failures.isEmpty();
        });
        assertThat(outcomes.results.get()).isZero();
        assertThat(outcomes.failures).singleElement().isInstanceOf(TaskCancelledException.class)
                .isSameAs(task.taskException());
        assertThat(task.exceptionRaised()).isTrue();
        assertThat(task.isDone()).isTrue();
        Throwable viaFuture = catchThrowable(() -> task.future().get(1, TimeUnit.SECONDS));
        if (how.equals("future")) {
            assertThat(viaFuture).isInstanceOf(CancellationException.class);
        } else {
            assertThat(viaFuture).cause().isSameAs(task.taskException());
        }
        assertThat(pool.processResults()).isZero();
        return (TaskCancelledException) task.taskException();
    }

    // ========================================================================================== tests

    @ParameterizedTest(name = "cancelled through the {0}")
    @ValueSource(strings = {"pool", "future"})
    void aQueuedTaskThatIsCancelledIsRemovedAndNeverRuns(String how) throws Exception {
        Outcomes outcomes = new Outcomes();
        Path gate = tmp.resolve("gate");
        Path marker = tmp.resolve("cancelled-task-ran");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask blocker = pool.createAndQueueTask(TestTasks.waitForGate(), gate.toString(), 60_000, "opened");
            ProcessTask queued = outcomes.watch(ProcessTask.builder(TestTasks.writeMarker()).args(marker.toString())).build();
            pool.queueTask(queued);
            await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 1);
            assertThat(pool.getNumPendingTasks()).isEqualTo(1);

            assertThat(cancel(pool, queued, how)).isTrue();
            assertThat(pool.getNumPendingTasks()).isZero();
            TaskCancelledException e = assertCancelled(pool, outcomes, queued, how);
            assertThat(e.getWorkerPid()).isEqualTo(-1);
            assertThat(e.getTaskId()).isEqualTo(queued.getTaskID());
            assertThat(e.getMessage()).contains(queued.getTaskID()).contains("cancelled");
            assertThat(queued.getWorkerPid()).isEqualTo(-1);

            // the running task is untouched, and what comes next runs; the cancelled one never does
            Files.writeString(gate, "open");
            assertThat(blocker.future()).succeedsWithin(AWAIT).isEqualTo("opened");
            ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
            assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
            assertThat(next.getWorkerPid()).isEqualTo(blocker.getWorkerPid());
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(marker).as("the cancelled task must never run").doesNotExist();
            assertThat(outcomes.failures).hasSize(1);
        }
    }

    @ParameterizedTest(name = "cancelled through the {0}")
    @ValueSource(strings = {"pool", "future"})
    void aRunningTaskThatIsCancelledHasItsWorkerKilled(String how) throws Exception {
        Outcomes outcomes = new Outcomes();
        Path pidFile = tmp.resolve("running.pid");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask running = outcomes.watch(ProcessTask.builder(TestTasks.touchThenSleepForever())
                    .args(pidFile.toString())).build();
            pool.queueTask(running);
            await().atMost(AWAIT).until(() -> Files.exists(pidFile));
            long pid = Long.parseLong(Files.readString(pidFile).trim());

            assertThat(cancel(pool, running, how)).isTrue();
            TaskCancelledException e = assertCancelled(pool, outcomes, running, how);
            assertThat(e.getWorkerPid()).isEqualTo(pid);
            assertThat(running.getWorkerPid()).isEqualTo(pid);
            await().atMost(AWAIT).until(() -> !isRunning(pid));

            // the worker is replaced
            ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
            assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
            assertThat(next.getWorkerPid()).isNotEqualTo(pid);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(outcomes.failures).hasSize(1);
        }
    }

    @Test
    void aFinishedTaskCannotBeCancelled() throws Exception {
        Outcomes outcomes = new Outcomes();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask done = outcomes.watch(ProcessTask.builder(TestTasks.echo()).args("done")).build();
            pool.queueTask(done);
            assertThat(done.future()).succeedsWithin(AWAIT).isEqualTo("done");
            long pid = done.getWorkerPid();

            assertThat(pool.cancel(done)).isFalse();
            assertThat(done.future().cancel(true)).isFalse();
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(done.taskResults()).isEqualTo("done");
            assertThat(done.exceptionRaised()).isFalse();
            assertThat(done.future()).isCompletedWithValue("done");
            assertThat(outcomes.results.get()).isEqualTo(1);
            assertThat(outcomes.failures).isEmpty();
            // its worker was not touched
            ProcessTask next = pool.createAndQueueTask(TestTasks.echo(), "next");
            assertThat(next.future()).succeedsWithin(AWAIT).isEqualTo("next");
            assertThat(next.getWorkerPid()).isEqualTo(pid);

            // a task never queued here cannot be cancelled either
            assertThat(pool.cancel(ProcessTask.builder(TestTasks.echo()).build())).isFalse();
        }
    }
}
