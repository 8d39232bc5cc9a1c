package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Promise 5: a worker that dies mid-task completes that task with WorkerDiedException (pid, exit code or
 * signal, stderr tail); other tasks are unaffected, the worker is replaced, every task has exactly one outcome.
 */
class WorkerDeathTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int OTHERS = 6;

    /** Counts every outcome delivery per task: callbacks and future completions. */
    private static final class Outcomes {
        final Map<String, AtomicInteger> results = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> futureCompletions = new ConcurrentHashMap<>();
        final List<TaskException> failureList = new CopyOnWriteArrayList<>();

        ProcessTask.Builder callbacks(ProcessTask.Builder b) {
            return b.callback((t, r) -> results.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet())
                    .exceptionCallback((t, f) -> {
                        failures.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet();
                        failureList.add(f);
                    });
        }

        void watchFuture(ProcessTask t) {
            t.future().whenComplete((v, e) ->
                    futureCompletions.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet());
        }

        int count(Map<String, AtomicInteger> m, String id) {
            AtomicInteger n = m.get(id);
            return n == null ? 0 : n.get();
        }
    }

    /** Queues the dying task amid OTHERS normal ones, and returns them all, the dying one first. */
    private static List<ProcessTask> queueDyingAmidOthers(ProcessPool pool, Outcomes outcomes, ProcessTask.Builder dying) {
        List<ProcessTask> tasks = new ArrayList<>();
        ProcessTask victim = outcomes.callbacks(dying).build();
        tasks.add(victim);
        for (int i = 0; i < OTHERS; i++) {
            ProcessTask t = outcomes.callbacks(ProcessTask.builder(TestTasks.sleepThenReturn()).args(150, i)).build();
            tasks.add(t);
        }
        assertThat(pool.queueTask(tasks.get(1))).isTrue();
        assertThat(pool.queueTask(victim)).isTrue();
        for (ProcessTask t : tasks.subList(2, tasks.size())) {
            assertThat(pool.queueTask(t)).isTrue();
        }
        tasks.forEach(outcomes::watchFuture);
        return tasks;
    }

    /** Checks the normal tasks, the exactly-once outcomes, and returns the victim's WorkerDiedException. */
    private static WorkerDiedException checkOutcomes(ProcessPool pool, Outcomes outcomes, List<ProcessTask> tasks)
            throws Exception {
        try {
            CompletableFuture.allOf(tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                    .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException expected) {
            // the victim's
        }
        assertThat(pool.processAllResults(Duration.ofSeconds(30))).isTrue();
        ProcessTask victim = tasks.get(0);
        for (int i = 1; i < tasks.size(); i++) {
            ProcessTask t = tasks.get(i);
            assertThat(t.exceptionRaised()).as("%s failed: %s", t, t.taskException()).isFalse();
            assertThat(t.taskResults()).isEqualTo(i - 1);
        }
        // a second round of result processing delivers nothing more
        assertThat(pool.processResults()).isZero();
        for (ProcessTask t : tasks) {
            String id = t.getTaskID();
            int delivered = outcomes.count(outcomes.results, id) + outcomes.count(outcomes.failures, id);
            assertThat(delivered).as("callbacks for %s", id).isEqualTo(1);
            assertThat(outcomes.count(outcomes.futureCompletions, id)).as("future completions for %s", id).isEqualTo(1);
        }
        assertThat(outcomes.count(outcomes.failures, victim.getTaskID())).isEqualTo(1);
        assertThat(outcomes.failureList).hasSize(1);
        assertThat(victim.taskException()).isInstanceOf(WorkerDiedException.class)
                .isSameAs(outcomes.failureList.get(0));
        WorkerDiedException died = (WorkerDiedException) victim.taskException();
        assertThat(died.getTaskId()).isEqualTo(victim.getTaskID());
        assertThat(died.getWorkerPid()).isPositive();
        assertThat(isRunning(died.getWorkerPid())).isFalse();
        return died;
    }

    /** The pool is back to its size with live workers, none of them the dead one, and still runs tasks. */
    private static void checkReplaced(ProcessPool pool, long deadPid) {
        List<WorkingProcess> now = awaitIdleWorkers(pool, 2);
        Set<Long> pids = now.stream().map(WorkingProcess::pid).collect(Collectors.toSet());
        assertThat(pids).doesNotContain(deadPid).hasSize(2);
        assertThat(pids).allMatch(dev.processpool.testing.Processes::isRunning);
        ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "after");
        assertThat(after.future()).succeedsWithin(Duration.ofSeconds(30)).isEqualTo("after");
    }

    @ParameterizedTest(name = "{0}({1})")
    @CsvSource({"exit, 3", "halt, 7"})
    void aWorkerThatExitsMidTaskFailsOnlyThatTaskWithItsExitCodeAndStderr(String how, int code) throws Exception {
        Outcomes outcomes = new Outcomes();
        String marker = "dying-by-" + how + "-in-worker-";
        TaskFunction dying = how.equals("exit") ? TestTasks.printThenExit() : TestTasks.printThenHalt();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0).build())) {
            awaitIdleWorkers(pool, 2);
            List<ProcessTask> tasks = queueDyingAmidOthers(pool, outcomes, ProcessTask.builder(dying).args(marker, code));
            WorkerDiedException died = checkOutcomes(pool, outcomes, tasks);

            assertThat(died.getExitCode()).isEqualTo(code);
            assertThat(died.getSignal()).isEmpty();
            assertThat(died.getStderrTail()).contains(marker + died.getWorkerPid());
            assertThat(died.getMessage()).contains(Long.toString(died.getWorkerPid())).contains("exit code " + code);
            checkReplaced(pool, died.getWorkerPid());
        }
    }

    @Test
    void aWorkerKilledBySigkillMidTaskFailsOnlyThatTaskWithSignal9AndStderr() throws Exception {
        Outcomes outcomes = new Outcomes();
        String marker = "waiting-for-sigkill-in-worker-";
        Set<String> stderrLines = ConcurrentHashMap.newKeySet();
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0)
                .outputListener((pid, taskId, stream, line) -> {
                    if (stream == WorkerOutputListener.Stream.STDERR) {
                        stderrLines.add(line);
                    }
                }).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            awaitIdleWorkers(pool, 2);
            List<ProcessTask> tasks = queueDyingAmidOthers(pool, outcomes,
                    ProcessTask.builder(TestTasks.printThenSleepForever()).args(marker));
            ProcessTask victim = tasks.get(0);
            await().atMost(AWAIT).until(() -> stderrLines.stream().anyMatch(l -> l.startsWith(marker)));
            WorkingProcess running = pool.getWorkers().stream()
                    .filter(w -> w.currentTaskId().filter(victim.getTaskID()::equals).isPresent())
                    .findFirst().orElseThrow(() -> new AssertionError("no worker runs " + victim));
            long pid = running.pid();
            assertThat(stderrLines).contains(marker + pid);
            assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue();

            WorkerDiedException died = checkOutcomes(pool, outcomes, tasks);
            assertThat(died.getWorkerPid()).isEqualTo(pid);
            assertThat(died.getSignal()).hasValue(9);
            assertThat(died.getExitCode()).isEqualTo(128 + 9);
            assertThat(died.getStderrTail()).contains(marker + pid);
            assertThat(died.getMessage()).contains("signal 9");
            checkReplaced(pool, pid);
        }
    }
}
