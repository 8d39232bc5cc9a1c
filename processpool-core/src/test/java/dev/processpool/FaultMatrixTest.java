package dev.processpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The fault matrix: one test per fault. In every case the faulty task gets exactly one outcome (one callback
 * call and one future completion, nothing more later), the other tasks still complete, the pool keeps working
 * (its workers are replaced and a later task runs), the getters agree with the processes that really exist,
 * and no process is left behind (also checked by NoLeftoverProcessesExtension).
 */
class FaultMatrixTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);
    private static final int OTHERS = 4;

    /** Counts every delivery of an outcome per task and keeps the tasks of one test. */
    private static final class Harness {
        final ProcessPool pool;
        final List<ProcessTask> tasks = new CopyOnWriteArrayList<>();
        final Map<String, AtomicInteger> resultCalls = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> failureCalls = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> futureCompletions = new ConcurrentHashMap<>();
        final Map<String, TaskException> failures = new ConcurrentHashMap<>();

        Harness(ProcessPool pool) {
            this.pool = pool;
        }

        ProcessTask build(ProcessTask.Builder b) {
            return b.callback((t, r) -> count(resultCalls, t))
                    .exceptionCallback((t, f) -> {
                        count(failureCalls, t);
                        failures.put(t.getTaskID(), f);
                    }).build();
        }

        private static void count(Map<String, AtomicInteger> m, ProcessTask t) {
            m.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet();
        }

        ProcessTask queue(ProcessTask.Builder b) {
            return queue(build(b));
        }

        ProcessTask queue(ProcessTask t) {
            assertThat(pool.queueTask(t)).isTrue();
            watch(t);
            return t;
        }

        void watch(ProcessTask t) {
            tasks.add(t);
            t.future().whenComplete((v, e) -> count(futureCompletions, t));
        }

        /** Normal tasks that sleep {@code millis} and return their index. */
        List<ProcessTask> queueOthers(int n, long millis) {
            List<ProcessTask> others = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                others.add(queue(ProcessTask.builder(TestTasksA.sleepThenReturn()).args(millis, "other-" + i)));
            }
            return others;
        }

        /** Waits for every task's outcome and runs the callbacks. */
        void awaitAll() throws Exception {
            try {
                CompletableFuture.allOf(tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                        .get(AWAIT.toSeconds(), TimeUnit.SECONDS);
            } catch (ExecutionException expectedForTheFaultyTasks) {
                // checked per task
            }
            assertThat(pool.processAllResults(AWAIT)).isTrue();
        }

        /** Every task has exactly one outcome, delivered once by callback and once by its future. */
        void assertExactlyOnce() {
            assertThat(pool.processResults()).as("nothing more to deliver").isZero();
            for (ProcessTask t : tasks) {
                String id = t.getTaskID();
                assertThat(t.isDone()).as("%s done", id).isTrue();
                assertThat(get(resultCalls, id) + get(failureCalls, id)).as("callbacks for %s", id).isEqualTo(1);
                assertThat(get(futureCompletions, id)).as("future completions for %s", id).isEqualTo(1);
                assertThat(t.exceptionRaised()).isEqualTo(get(failureCalls, id) == 1);
                if (t.exceptionRaised()) {
                    assertThat(t.taskException()).isSameAs(failures.get(id));
                    assertThat(t.taskException().getTaskId()).isEqualTo(id);
                }
            }
        }

        void assertSucceeded(List<ProcessTask> others) {
            for (int i = 0; i < others.size(); i++) {
                ProcessTask t = others.get(i);
                assertThat(t.exceptionRaised()).as("%s failed: %s", t, t.taskException()).isFalse();
                assertThat(t.taskResults()).isEqualTo("other-" + i);
            }
        }

        TaskException failureOf(ProcessTask t) {
            assertThat(t.exceptionRaised()).as("%s should have failed, but returned %s", t, t.taskResults()).isTrue();
            return t.taskException();
        }

        static int get(Map<String, AtomicInteger> m, String id) {
            AtomicInteger n = m.get(id);
            return n == null ? 0 : n.get();
        }
    }

    // ================================================================================== pool checks

    private static PoolConfig.Builder config(int workers) {
        return PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0)
                .terminationGrace(Duration.ofMillis(500))
                .outputListener((pid, taskId, stream, line) -> { });
    }

    /** Waits until the pool has {@code n} idle workers, then checks every getter against the real processes. */
    private static List<WorkingProcess> assertSettledAndTruthful(ProcessPool pool, int n) {
        await().atMost(AWAIT).until(() -> {
            List<WorkingProcess> ws = pool.getWorkers();
            return ws.size() == n && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0)
                    && FaultTasks.workerPids().equals(pids(ws));
        });
        List<WorkingProcess> ws = pool.getWorkers();
        assertThat(pool.getNumProcesses()).isEqualTo(n);
        assertThat(pool.getNumIdleProcesses()).isEqualTo(n);
        assertThat(pool.getNumWorkingProcesses()).isZero();
        assertThat(pool.getNumPendingTasks()).isZero();
        assertThat(pool.hasPendingTasks()).isFalse();
        assertThat(pool.isWorking()).isFalse();
        assertThat(pool.isFull()).isFalse();
        assertThat(pool.getFreeSlots()).isEqualTo(pool.getMaxSize());
        assertThat(ws).allMatch(WorkingProcess::isAlive).noneMatch(WorkingProcess::isWorking)
                .allMatch(w -> w.currentTaskId().isEmpty());
        assertThat(pids(ws)).hasSize(n).allMatch(dev.processpool.testing.Processes::isRunning);
        return ws;
    }

    private static Set<Long> pids(List<WorkingProcess> ws) {
        return ws.stream().map(WorkingProcess::pid).collect(Collectors.toSet());
    }

    /** The pool still runs tasks, on workers other than the dead ones. */
    private static void assertKeepsWorking(ProcessPool pool, int n, long... deadPids) {
        List<WorkingProcess> ws = assertSettledAndTruthful(pool, n);
        for (long dead : deadPids) {
            assertThat(pids(ws)).doesNotContain(dead);
            assertThat(isRunning(dead)).as("dead worker %d", dead).isFalse();
        }
        List<ProcessTask> after = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            after.add(pool.createAndQueueTask(TestTasksA.workerPid()));
        }
        for (ProcessTask t : after) {
            assertThat(t.future()).succeedsWithin(AWAIT).isIn(pids(ws).toArray());
        }
    }

    /** The pool's shutdown leaves no worker process behind. */
    private static void assertShutDownClean(ProcessPool pool) {
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.getNumProcesses()).isZero();
        assertThat(pool.getWorkers()).isEmpty();
        assertThat(FaultTasks.workerPids()).isEmpty();
    }

    private static WorkingProcess awaitRunning(ProcessPool pool, ProcessTask t) {
        AtomicReference<WorkingProcess> found = new AtomicReference<>();
        await().atMost(AWAIT).until(() -> {
            for (WorkingProcess w : pool.getWorkers()) {
                if (w.currentTaskId().filter(t.getTaskID()::equals).isPresent() && w.pid() > 0) {
                    found.set(w);
                    return true;
                }
            }
            return false;
        });
        return found.get();
    }

    // ==================================================================================== SIGKILL

    @Test
    void sigkillOfABusyWorkerFailsOnlyItsTaskAndTakesItsChildrenToo(@TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasksA.spawnSleepChildThenSleep()).args(pidFile.toString()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 150);
            long pid = awaitRunning(pool, victim).pid();
            await().atMost(AWAIT).until(() -> Files.exists(pidFile));
            long child = FaultTasks.readPid(pidFile).orElseThrow();
            try {
                FaultTasks.signal(pid, "-KILL");
                h.awaitAll();
                h.assertExactlyOnce();
                h.assertSucceeded(others);
                assertThat(h.failureOf(victim)).isInstanceOfSatisfying(WorkerDiedException.class, d -> {
                    assertThat(d.getWorkerPid()).isEqualTo(pid);
                    assertThat(d.getSignal()).hasValue(9);
                });
                await().atMost(AWAIT).until(() -> !isRunning(child));
                assertKeepsWorking(pool, 2, pid);
            } finally {
                TestTasksA.killIfRunning(child);
            }
            assertShutDownClean(pool);
        }
    }

    @Test
    void sigkillOfAnIdleWorkerIsReplacedWithoutAnyTaskOutcome() throws Exception {
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            Set<Long> killed = new HashSet<>();
            for (int round = 0; round < 3; round++) {
                List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);
                long pid = ws.get(0).pid();
                killed.add(pid);
                Harness h = new Harness(pool);
                FaultTasks.signal(pid, "-KILL");
                // queued at once: the pool may not have noticed the death yet, and must not blame these tasks
                List<ProcessTask> others = h.queueOthers(OTHERS, 50);
                h.awaitAll();
                h.assertExactlyOnce();
                h.assertSucceeded(others);
                assertThat(others).allMatch(t -> t.getWorkerPid() != pid);
            }
            assertKeepsWorking(pool, 2, killed.stream().mapToLong(Long::longValue).toArray());
            assertShutDownClean(pool);
        }
    }

    @Test
    void sigkillOfAWorkerWhileItStartsIsRetriedAndTheWaitingTaskStillRuns() throws Exception {
        PoolConfig cfg = config(2).workerMainClass(FaultTasks.SlowStartWorker.class.getName())
                .addJvmOptions("-D" + FaultTasks.START_DELAY_PROPERTY + "=2500").build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(OTHERS, 20);
            // both launches are under way, neither has completed its handshake
            await().atMost(AWAIT).until(() -> FaultTasks.workerPids().size() == 2);
            assertThat(pool.getWorkers()).hasSize(2).allMatch(w -> w.state() == WorkerState.STARTING && w.pid() == -1);
            assertThat(pool.getNumProcesses()).isEqualTo(2);
            assertThat(pool.getNumIdleProcesses()).isZero();
            assertThat(pool.getNumWorkingProcesses()).isZero();
            assertThat(pool.getNumPendingTasks()).isEqualTo(OTHERS);
            Set<Long> first = FaultTasks.workerPids();
            long starting = first.iterator().next();
            FaultTasks.signal(starting, "-KILL");

            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);
            assertThat(pids(ws)).doesNotContain(starting);

            // and the replacement of a killed idle worker, killed in turn while it starts
            long idle = ws.get(0).pid();
            Set<Long> before = FaultTasks.workerPids();
            FaultTasks.signal(idle, "-KILL");
            AtomicReference<Long> replacement = new AtomicReference<>();
            await().atMost(AWAIT).until(() -> {
                Set<Long> now = FaultTasks.workerPids();
                now.removeAll(before);
                if (now.isEmpty()) {
                    return false;
                }
                replacement.set(now.iterator().next());
                return true;
            });
            assertThat(pool.getWorkers()).filteredOn(w -> w.state() == WorkerState.STARTING).hasSize(1);
            FaultTasks.signal(replacement.get(), "-KILL");
            List<ProcessTask> more = h.queueOthers(OTHERS, 20);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(more);
            assertKeepsWorking(pool, 2, starting, idle, replacement.get());
            assertShutDownClean(pool);
        }
    }

    // ========================================================================== exits inside a task

    @ParameterizedTest
    @ValueSource(strings = {"exit", "halt"})
    void systemExitAndRuntimeHaltInsideATaskFailOnlyThatTask(String how) throws Exception {
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.die()).args(how, 23));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            h.assertSucceeded(more);
            WorkerDiedException died = (WorkerDiedException) h.failureOf(victim);
            assertThat(died.getExitCode()).isEqualTo(23);
            assertThat(died.getStderrTail()).anyMatch(l -> l.startsWith("dying by " + how));
            assertKeepsWorking(pool, 2, died.getWorkerPid());
            assertShutDownClean(pool);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"exit", "halt", "sigkill"})
    void aChildProcessStartedByATaskDoesNotOutliveItsDeadWorker(String how, @TempDir Path dir) throws Exception {
        Path pidFile = dir.resolve("child.pid");
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.spawnChildThenDie()).args(pidFile.toString(), how));
            List<ProcessTask> others = h.queueOthers(OTHERS, 100);
            try {
                h.awaitAll();
                h.assertExactlyOnce();
                h.assertSucceeded(others);
                assertThat(h.failureOf(victim)).isInstanceOf(WorkerDiedException.class);
                long child = FaultTasks.readPid(pidFile).orElseThrow();
                // the child was re-parented when the worker died: only its pid can tell whether it survived
                await().atMost(Duration.ofSeconds(20)).until(() -> !isRunning(child));
                assertKeepsWorking(pool, 2, victim.taskException().getWorkerPid());
            } finally {
                FaultTasks.readPid(pidFile).ifPresent(TestTasksA::killIfRunning);
            }
            assertShutDownClean(pool);
        }
    }

    // =================================================================================== VM errors

    @Test
    void outOfMemoryErrorInAWorkerWithACappedHeapFailsOnlyThatTask() throws Exception {
        // one worker: the tasks queued behind the OOM task must not be given to the worker that is exiting
        try (ProcessPool pool = new ProcessPool(config(1).addJvmOptions("-Xmx64m").build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.allocateUntilOutOfMemory()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            TaskException f = h.failureOf(victim);
            if (f instanceof TaskExecutionException e) {
                assertThat(e.getRemoteType()).isEqualTo(OutOfMemoryError.class.getName());
            } else {
                assertThat(f).isInstanceOf(WorkerDiedException.class);
            }
            long pid = f.getWorkerPid();
            assertThat(pid).isPositive();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertThat(others).allMatch(t -> t.getWorkerPid() != pid);
            assertKeepsWorking(pool, 1, pid);
            assertShutDownClean(pool);
        }
    }

    @Test
    void stackOverflowErrorIsATaskExecutionExceptionAndTheWorkerSurvives() throws Exception {
        try (ProcessPool pool = new ProcessPool(config(1).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.recurseForever()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(TaskExecutionException.class,
                    e -> assertThat(e.getRemoteType()).isEqualTo(StackOverflowError.class.getName()));
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertThat(assertSettledAndTruthful(pool, 1).get(0).pid()).isEqualTo(pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aNativeCrashKillsOnlyItsWorkerAndFailsOnlyItsTask(@TempDir Path dir) throws Exception {
        List<String> output = new CopyOnWriteArrayList<>();
        PoolConfig cfg = config(2).addJvmOptions(FaultTasks.crashOptions(dir))
                .outputListener((pid, taskId, stream, line) -> output.add(pid + " " + line)).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.segfault()));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            h.assertSucceeded(more);
            WorkerDiedException died = (WorkerDiedException) h.failureOf(victim);
            long pid = died.getWorkerPid();
            // HotSpot reports the SIGSEGV (on stdout), writes hs_err and aborts: exit code 1 without a core
            // dump (-XX:-CreateCoredumpOnCrash), SIGABRT with one
            assertThat(died.getExitCode()).isIn(1, 128 + 6);
            assertThat(output).anyMatch(l -> l.startsWith(pid + " ") && l.contains("SIGSEGV"));
            try (var s = Files.list(dir)) {
                assertThat(s.map(p -> p.getFileName().toString())).contains("hs_err_" + pid + ".log");
            }
            assertKeepsWorking(pool, 2, pid);
            assertShutDownClean(pool);
        }
    }

    // ======================================================================================= hangs

    @ParameterizedTest
    @ValueSource(strings = {"busyLoop", "ignoresInterruptsAndSigterm"})
    void aTaskThatNeverEndsIsKilledAtItsTimeout(String kind) throws Exception {
        TaskFunction fn = kind.equals("busyLoop") ? FaultTasks.busyLoopForever() : FaultTasks.stubborn();
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            List<ProcessTask> others = h.queueOthers(1, 100);
            ProcessTask victim = h.queue(ProcessTask.builder(fn).timeout(Duration.ofMillis(700)));
            List<ProcessTask> more = h.queueOthers(OTHERS, 100);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            h.assertSucceeded(more);
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(TaskTimeoutException.class,
                    e -> assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(700)));
            long pid = victim.taskException().getWorkerPid();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertKeepsWorking(pool, 2, pid);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aWorkerStoppedWithSigstopIsKilledAsUnresponsiveWithoutAnyTaskTimeout() throws Exception {
        PoolConfig cfg = config(2).heartbeatInterval(Duration.ofMillis(200))
                // 2 s rather than 1 s: on a loaded machine the parent's own pauses must not look like silence
                .unresponsiveTimeout(Duration.ofSeconds(2)).build();
        long stopped = -1;
        long stoppedIdle = -1;
        try (ProcessPool pool = new ProcessPool(cfg)) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(TestTasksA.sleepForever()));
            stopped = awaitRunning(pool, victim).pid();
            FaultTasks.signal(stopped, "-STOP");
            List<ProcessTask> others = h.queueOthers(OTHERS, 100);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            long pid = stopped;
            assertThat(h.failureOf(victim)).isInstanceOfSatisfying(WorkerUnresponsiveException.class, e -> {
                assertThat(e.getWorkerPid()).isEqualTo(pid);
                assertThat(e.getSilence()).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
            });
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            List<WorkingProcess> ws = assertSettledAndTruthful(pool, 2);

            // an idle worker that stops answering is replaced too, without any task outcome
            stoppedIdle = ws.get(0).pid();
            FaultTasks.signal(stoppedIdle, "-STOP");
            long idlePid = stoppedIdle;
            await().atMost(AWAIT).until(() -> !isRunning(idlePid));
            assertKeepsWorking(pool, 2, pid, idlePid);
            assertThat(h.failures).hasSize(1);
            assertShutDownClean(pool);
        } finally {
            for (long p : new long[] {stopped, stoppedIdle}) {
                if (p > 0 && isRunning(p)) {
                    FaultTasks.signal(p, "-KILL");
                }
            }
        }
    }

    // ====================================================================================== output

    @Test
    void garbageWrittenStraightToFileDescriptorsOneAndTwoIsHarmless() throws Exception {
        Map<WorkerOutputListener.Stream, List<String>> lines = new ConcurrentHashMap<>();
        PoolConfig cfg = config(1).outputListener((pid, taskId, stream, line) ->
                lines.computeIfAbsent(stream, k -> new CopyOnWriteArrayList<>()).add(line)).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask garbage = h.queue(ProcessTask.builder(FaultTasks.garbageToStdoutAndStderr())
                    .args(2 << 20, 42L, "end-of-garbage"));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(garbage.taskResults()).isEqualTo("end-of-garbage");
            await().atMost(AWAIT).until(() -> lines.getOrDefault(WorkerOutputListener.Stream.STDOUT, List.of())
                    .contains("end-of-garbage") && lines.getOrDefault(WorkerOutputListener.Stream.STDERR, List.of())
                    .contains("end-of-garbage"));
            // lines are bounded, whatever was written
            assertThat(lines.values().stream().flatMap(List::stream)).allMatch(l -> l.length() <= 8192);
            // the same worker goes on
            assertThat(garbage.getWorkerPid()).isEqualTo(pid);
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    // ================================================================================ transfers

    @Test
    void aResultOfSeveralHundredMebibytesArrivesWhole() throws Exception {
        int mib = 300;
        try (ProcessPool pool = new ProcessPool(config(1).addJvmOptions("-Xmx2g").build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask big = h.queue(ProcessTask.builder(FaultTasks.bigResult()).args(mib));
            List<ProcessTask> others = h.queueOthers(2, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(big.exceptionRaised()).as("%s", big.taskException()).isFalse();
            byte[] b = (byte[]) big.taskResults();
            assertThat(b.length).isEqualTo(mib << 20);
            assertThat(b[0]).isEqualTo((byte) 1);
            assertThat(b[b.length - 1]).isEqualTo((byte) 2);
            assertThat(b[7 << 20]).isEqualTo((byte) 7);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void aResultLargerThanMaxFrameBytesFailsOnlyThatTask() throws Exception {
        try (ProcessPool pool = new ProcessPool(config(1).maxFrameBytes(1 << 20).build())) {
            assertSettledAndTruthful(pool, 1);
            Harness h = new Harness(pool);
            ProcessTask big = h.queue(ProcessTask.builder(FaultTasks.bigResult()).args(4));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(h.failureOf(big)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("maxFrameBytes");
            assertKeepsWorking(pool, 1, big.getWorkerPid());
            assertShutDownClean(pool);
        }
    }

    @Test
    void aResultThatCannotBeSerialisedIsAResultTransferExceptionAndTheWorkerGoesOn() throws Exception {
        try (ProcessPool pool = new ProcessPool(config(1).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask victim = h.queue(ProcessTask.builder(FaultTasks.unserializableResult()));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(h.failureOf(victim)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining(FaultTasks.NotSerializableThing.class.getName());
            assertThat(others).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    @Test
    void exceptionsAndResultsWhoseClassIsMissingInTheParentOrNotSerialisable(@TempDir Path dir) throws Exception {
        Path classes = FaultTasks.compileWorkerOnlyClasses(dir);
        assertThatThrownBy(() -> Class.forName("wonlyf.WorkerOnlyFaultException")).isInstanceOf(ClassNotFoundException.class);
        List<String> cp = new ArrayList<>(TestTasksA.thisClassPath());
        cp.add(classes.toString());
        try (ProcessPool pool = new ProcessPool(config(1).classPath(cp).build())) {
            long pid = assertSettledAndTruthful(pool, 1).get(0).pid();
            Harness h = new Harness(pool);
            ProcessTask missingException = h.queue(ProcessTask.builderForClassName("wonlyf.ThrowWorkerOnly").args("x"));
            ProcessTask missingResult = h.queue(ProcessTask.builderForClassName("wonlyf.ReturnWorkerOnly").args("y"));
            ProcessTask unserializable = h.queue(ProcessTask.builder(FaultTasks.throwUnserializable()).args("z"));
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            h.awaitAll();
            h.assertExactlyOnce();
            h.assertSucceeded(others);
            assertThat(h.failureOf(missingException)).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo("wonlyf.WorkerOnlyFaultException");
                assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class,
                        r -> assertThat(r.getRemoteType()).isEqualTo("wonlyf.WorkerOnlyFaultException"));
            });
            assertThat(h.failureOf(missingResult)).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("wonlyf.WorkerOnlyValue");
            assertThat(h.failureOf(unserializable)).isInstanceOfSatisfying(TaskExecutionException.class, e ->
                    assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class, r -> assertThat(r.getRemoteType())
                            .isEqualTo(TestTasksA.UnserializableTaskException.class.getName())));
            assertThat(h.tasks).allMatch(t -> t.getWorkerPid() == pid);
            assertKeepsWorking(pool, 1);
            assertShutDownClean(pool);
        }
    }

    // =================================================================================== callbacks

    @Test
    void aCallbackThatThrowsDoesNotStopResultProcessing() throws Exception {
        AtomicInteger poolCalls = new AtomicInteger();
        AtomicInteger poolFailureCalls = new AtomicInteger();
        PoolConfig cfg = config(2).poolCallback((t, r) -> {
            poolCalls.incrementAndGet();
            throw new IllegalStateException("pool callback throws for " + t.getTaskID());
        }).poolExceptionCallback((t, f) -> {
            poolFailureCalls.incrementAndGet();
            throw new AssertionError("pool exception callback throws an Error");
        }).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            Harness h = new Harness(pool);
            AtomicInteger ownCalls = new AtomicInteger();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                ProcessTask t = ProcessTask.builder(i % 2 == 0 ? TestTasksA.echo() : FaultTasks.throwIllegalState())
                        .args("v" + i).usePoolCallbacks(true)
                        .callback((task, r) -> {
                            ownCalls.incrementAndGet();
                            throw new RuntimeException("own callback " + n + " throws");
                        })
                        .exceptionCallback((task, f) -> {
                            ownCalls.incrementAndGet();
                            throw new StackOverflowError("own exception callback " + n + " throws");
                        }).build();
                tasks.add(h.queue(t));
            }
            List<ProcessTask> others = h.queueOthers(OTHERS, 10);
            CompletableFuture.allOf(h.tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                    .handle((v, e) -> v).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(pool.processResults()).isZero();
            assertThat(ownCalls.get()).isEqualTo(6);
            assertThat(poolCalls.get()).isEqualTo(3);
            assertThat(poolFailureCalls.get()).isEqualTo(3);
            for (int i = 0; i < tasks.size(); i++) {
                assertThat(tasks.get(i).exceptionRaised()).isEqualTo(i % 2 == 1);
            }
            for (ProcessTask t : others) {
                assertThat(Harness.get(h.resultCalls, t.getTaskID())).isEqualTo(1);
                assertThat(Harness.get(h.futureCompletions, t.getTaskID())).isEqualTo(1);
            }
            h.assertSucceeded(others);
            assertKeepsWorking(pool, 2);
            assertShutDownClean(pool);
        }
    }

    /** Throws a checked exception without declaring it, as Kotlin, Groovy or Lombok's {@code @SneakyThrows} do. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable t) throws E {
        throw (E) t;
    }

    /**
     * Issue 9, item 6: a callback that throws a checked exception (undeclared) must neither escape
     * {@code processAllResults} nor kill the daemon thread: it is logged, and every later callback still runs.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"caller", "daemon"})
    void aCallbackThatThrowsACheckedExceptionIsContainedAndLaterCallbacksStillRun(String where) throws Exception {
        try (ProcessPool pool = new ProcessPool(config(2).build())) {
            if (where.equals("daemon")) {
                pool.daemonize();
            }
            AtomicInteger laterCalls = new AtomicInteger();
            List<ProcessTask> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                all.add(ProcessTask.builder(TestTasksA.echo()).args("checked-" + i).callback((t, r) -> {
                    throw sneaky(new java.io.IOException("callback " + n + " throws a checked exception"));
                }).build());
                all.add(ProcessTask.builder(FaultTasks.throwIllegalState()).args("x" + i).exceptionCallback((t, f) -> {
                    throw sneaky(new Exception("exception callback " + n + " throws a checked exception"));
                }).build());
            }
            List<ProcessTask> later = new ArrayList<>();
            for (int i = 0; i < OTHERS; i++) {
                later.add(ProcessTask.builder(TestTasksA.echo()).args("later-" + i)
                        .callback((t, r) -> laterCalls.incrementAndGet()).build());
            }
            all.addAll(later);
            for (ProcessTask t : all) {
                assertThat(pool.queueTask(t)).isTrue();
            }
            Throwable escaped = null;
            boolean settled = false;
            try {
                settled = pool.processAllResults(AWAIT);
            } catch (Throwable t) {
                escaped = t;
            }
            assertThat(escaped).as("what escaped processAllResults").isNull();
            assertThat(settled).isTrue();
            await().atMost(AWAIT).until(() -> laterCalls.get() == OTHERS);
            assertThat(later).allMatch(t -> !t.exceptionRaised());
            if (where.equals("daemon")) {
                assertThat(pool.isDaemonized()).isTrue();
                // the daemon thread is alive and still delivers
                AtomicInteger more = new AtomicInteger();
                pool.queueTask(ProcessTask.builder(TestTasksA.echo()).args("more").callback((t, r) -> more.incrementAndGet()).build());
                await().atMost(AWAIT).until(() -> more.get() == 1);
                assertThat(Thread.getAllStackTraces().keySet()).anyMatch(t -> t.getName().endsWith("-callbacks"));
            }
            long start = System.nanoTime();
            assertThat(pool.shutdown(Duration.ofSeconds(30))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("shutdown").isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void aCallbackMayQueueTasksAndReadGettersButNotWaitForItsOwnPool() throws Exception {
        try (ProcessPool pool = new ProcessPool(config(2).maxQueuedRequests(1).build())) {
            pool.daemonize();
            List<String> seenInCallbacks = new CopyOnWriteArrayList<>();
            List<Throwable> callbackProblems = new CopyOnWriteArrayList<>();
            Map<Integer, ProcessTask> chain = new ConcurrentHashMap<>();
            Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
            int depth = 6;
            // each link's callback queues the next link (blocking, on a queue of one), reads every getter and
            // checks that waiting for the pool from a callback is refused
            chain.put(0, link(pool, 0, depth, chain, calls, seenInCallbacks, callbackProblems));
            assertThat(pool.queueTask(chain.get(0))).isTrue();
            await().atMost(AWAIT).until(() -> chain.size() == depth + 1 && chain.get(depth).isDone());
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            await().atMost(AWAIT).until(() -> calls.size() == depth + 1);
            assertThat(callbackProblems).isEmpty();
            for (int i = 0; i <= depth; i++) {
                ProcessTask t = chain.get(i);
                assertThat(t.taskResults()).isEqualTo("link-" + i);
                assertThat(calls.get(t.getTaskID()).get()).isEqualTo(1);
            }
            assertThat(seenInCallbacks).hasSize(depth + 1).allMatch(s -> s.startsWith("processpool-"));
            assertKeepsWorking(pool, 2);
            assertShutDownClean(pool);
        }
    }

    private static ProcessTask link(ProcessPool pool, int i, int depth, Map<Integer, ProcessTask> chain,
                                    Map<String, AtomicInteger> calls, List<String> seen, List<Throwable> problems) {
        return ProcessTask.builder(TestTasksA.echo()).args("link-" + i).callback((t, r) -> {
            calls.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet();
            try {
                seen.add(pool.toString());
                assertThat(pool.getNumProcesses()).isBetween(0, 2);
                assertThat(pool.getNumWorkingProcesses() + pool.getNumIdleProcesses()).isLessThanOrEqualTo(2);
                assertThat(pool.getNumPendingTasks()).isBetween(0, 1);
                assertThat(pool.getFreeSlots()).isBetween(0, 2);
                assertThat(pool.getWorkers()).hasSizeLessThanOrEqualTo(2);
                pool.isFull();
                pool.isWorking();
                pool.hasPendingTasks();
                assertThat(pool.isShutdown()).isFalse();
                assertThat(pool.processResults()).isGreaterThanOrEqualTo(0);
                assertThatThrownBy(() -> pool.processAllResults(Duration.ofSeconds(1)))
                        .isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(() -> pool.shutdown(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class);
                if (i < depth) {
                    ProcessTask next = link(pool, i + 1, depth, chain, calls, seen, problems);
                    chain.put(i + 1, next);
                    assertThat(pool.queueTask(next)).isTrue();
                }
            } catch (Throwable e) {
                problems.add(e);
            }
        }).build();
    }

    // ============================================================================ queue and shutdown

    @Test
    void aProducerBlockedOnAFullQueueWhileAllWorkersDieGetsItsTaskRun(@TempDir Path dir) throws Exception {
        try (ProcessPool pool = new ProcessPool(config(2).maxQueuedRequests(2).build())) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            Path started1 = dir.resolve("started1");
            Path started2 = dir.resolve("started2");
            ProcessTask run1 = h.queue(ProcessTask.builder(FaultTasks.touchThenSleepForever()).args(started1.toString()));
            ProcessTask run2 = h.queue(ProcessTask.builder(FaultTasks.touchThenSleepForever()).args(started2.toString()));
            await().atMost(AWAIT).until(() -> Files.exists(started1) && Files.exists(started2));
            long pid1 = FaultTasks.readPid(started1).orElseThrow();
            long pid2 = FaultTasks.readPid(started2).orElseThrow();
            assertThat(awaitRunning(pool, run1).pid()).isEqualTo(pid1);
            assertThat(awaitRunning(pool, run2).pid()).isEqualTo(pid2);
            // the waiting tasks kill their workers too
            ProcessTask wait1 = h.queue(ProcessTask.builder(FaultTasks.die()).args("halt", 31));
            ProcessTask wait2 = h.queue(ProcessTask.builder(FaultTasks.die()).args("exit", 32));
            assertThat(pool.isFull()).isTrue();
            ProcessTask blocked = h.build(ProcessTask.builder(TestTasksA.sleepThenReturn()).args(10, "other-0"));
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
            FaultTasks.signal(pid1, "-KILL");
            FaultTasks.signal(pid2, "-KILL");
            await().atMost(AWAIT).until(() -> !producer.isAlive());
            assertThat(producerFailure.get()).isNull();
            assertThat(queued).isTrue();
            h.watch(blocked);
            h.awaitAll();
            h.assertExactlyOnce();
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
        ProcessPool pool = new ProcessPool(config(3).build());
        try (pool) {
            assertSettledAndTruthful(pool, 3);
            Harness h = new Harness(pool);
            for (int i = 0; i < 12; i++) {
                h.queue(ProcessTask.builder(TestTasksA.sleepThenReturn()).args(300, "other-" + i));
            }
            await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 3);
            AtomicBoolean stop = new AtomicBoolean();
            Set<Long> killed = ConcurrentHashMap.newKeySet();
            Thread killer = new Thread(() -> {
                // six kills: the three first workers, then their replacements while the pool shuts down
                while (!stop.get() && killed.size() < 6) {
                    for (WorkingProcess w : pool.getWorkers()) {
                        long pid = w.pid();
                        if (pid > 0 && killed.size() < 6 && killed.add(pid)) {
                            FaultTasks.signal(pid, "-KILL");
                        }
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "worker-killer");
            killer.start();
            try {
                await().atMost(AWAIT).until(() -> killed.size() >= 3);
                long start = System.nanoTime();
                pool.shutdown(Duration.ofSeconds(30));
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(40));
            } finally {
                stop.set(true);
                killer.join(TimeUnit.SECONDS.toMillis(30));
            }
            assertThat(pool.isTerminated()).isTrue();
            h.awaitAll();
            h.assertExactlyOnce();
            for (ProcessTask t : h.tasks) {
                if (t.exceptionRaised()) {
                    assertThat(t.taskException()).isInstanceOfAny(WorkerDiedException.class, TaskCancelledException.class);
                } else {
                    assertThat((String) t.taskResults()).startsWith("other-");
                }
            }
            assertThat(pool.getNumProcesses()).isZero();
            assertThat(FaultTasks.workerPids()).isEmpty();
            assertThat(killed).allMatch(p -> !isRunning(p));
        }
    }

    @Test
    void shutdownWithATimeoutShorterThanTheRunningTasksCancelsThemAndKillsTheirWorkers() throws Exception {
        Set<Long> pids = new HashSet<>();
        ProcessPool pool = new ProcessPool(config(2).terminationGrace(Duration.ofMillis(500)).build());
        try (pool) {
            assertSettledAndTruthful(pool, 2);
            Harness h = new Harness(pool);
            // one ignores SIGTERM (needs the SIGKILL after the grace), one just sleeps; two wait in the queue
            ProcessTask stubborn = h.queue(ProcessTask.builder(FaultTasks.stubborn()).args("stubborn-in-"));
            ProcessTask sleeper = h.queue(ProcessTask.builder(TestTasksA.sleepThenReturn()).args(60_000, "late"));
            ProcessTask waiting1 = h.queue(ProcessTask.builder(TestTasksA.echo()).args("w1"));
            ProcessTask waiting2 = h.queue(ProcessTask.builder(TestTasksA.echo()).args("w2"));
            pids.add(awaitRunning(pool, stubborn).pid());
            pids.add(awaitRunning(pool, sleeper).pid());
            long start = System.nanoTime();
            boolean clean = pool.shutdown(Duration.ofMillis(500));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(clean).isFalse();
            assertThat(took).as("timeout + grace + slack").isLessThan(Duration.ofSeconds(15));
            assertThat(pool.isTerminated()).isTrue();
            assertThat(pool.getNumProcesses()).isZero();
            assertThat(FaultTasks.workerPids()).isEmpty();
            assertThat(pids).allMatch(p -> !isRunning(p));
            h.awaitAll();
            h.assertExactlyOnce();
            // the queued ones may have run in the moments before the deadline... but both workers were busy
            for (ProcessTask t : List.of(stubborn, sleeper, waiting1, waiting2)) {
                assertThat(h.failureOf(t)).isInstanceOf(TaskCancelledException.class);
            }
            assertThat(waiting1.getWorkerPid()).isEqualTo(-1);
            assertThatThrownBy(() -> pool.queueTask(ProcessTask.builder(TestTasksA.echo()).args(1).build()))
                    .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        }
    }

    @Test
    void shutdownWhileAWorkerIsStillStartingDoesNotWaitForItsStart() throws Exception {
        PoolConfig cfg = config(1).workerMainClass(FaultTasks.SlowStartWorker.class.getName())
                .addJvmOptions("-D" + FaultTasks.START_DELAY_PROPERTY + "=20000").build();
        ProcessPool pool = new ProcessPool(cfg);
        try (pool) {
            Harness h = new Harness(pool);
            ProcessTask waiting = h.queue(ProcessTask.builder(TestTasksA.echo()).args("never runs"));
            await().atMost(AWAIT).until(() -> FaultTasks.workerPids().size() == 1);
            long pid = FaultTasks.workerPids().iterator().next();
            assertThat(pool.getWorkers()).singleElement().satisfies(w -> assertThat(w.state()).isEqualTo(WorkerState.STARTING));
            long start = System.nanoTime();
            boolean clean = pool.shutdown(Duration.ofMillis(500));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertThat(clean).isFalse();
            assertThat(took).as("timeout (0.5 s) + grace (0.5 s) + slack, not the worker's 20 s start")
                    .isLessThan(Duration.ofSeconds(8));
            assertThat(isRunning(pid)).isFalse();
            assertThat(pool.getNumProcesses()).isZero();
            h.awaitAll();
            h.assertExactlyOnce();
            assertThat(h.failureOf(waiting)).isInstanceOf(TaskCancelledException.class);
        }
    }
}
