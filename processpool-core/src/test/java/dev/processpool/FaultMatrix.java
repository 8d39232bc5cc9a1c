package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

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
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault matrix's harness, shared by its test classes (one per fault family, {@code FaultMatrix*Test}) as a
 * JUnit extension: in every case the faulty task gets exactly one outcome (one callback call and one future
 * completion, nothing more later), the other tasks still complete, the pool keeps working (its workers are
 * replaced and a later task runs), the getters agree with the processes that really exist, and no process is
 * left behind (also checked by NoLeftoverProcessesExtension). Pools started through {@link #start} that a
 * failing test leaves open are shut down at once after it, so that one failure does not spill workers into
 * the next test.
 */
final class FaultMatrix implements AfterEachCallback {

    static final Duration AWAIT = Duration.ofSeconds(60);
    static final int OTHERS = 4;

    private final List<ProcessPool> pools = new CopyOnWriteArrayList<>();

    /** A pool for this test, shut down after it if the test does not. */
    ProcessPool start(PoolConfig config) {
        ProcessPool pool = new ProcessPool(config);
        pools.add(pool);
        return pool;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (ProcessPool pool : pools) {
            if (!pool.isTerminated()) {
                pool.shutdown(Duration.ZERO);
            }
        }
        pools.clear();
    }

    /** Counts every delivery of an outcome per task and keeps the tasks of one test. */
    static final class Harness {
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
                others.add(queue(ProcessTask.builder(TestTasks.sleepThenReturn()).args(millis, "other-" + i)));
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

        /**
         * Waits for every task's outcome, checks that each was delivered exactly once, and that every task in
         * {@code succeeded} returned normally.
         */
        @SafeVarargs
        final void settle(List<ProcessTask>... succeeded) throws Exception {
            awaitAll();
            assertExactlyOnce();
            for (List<ProcessTask> s : succeeded) {
                assertSucceeded(s);
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


    static PoolConfig.Builder config(int workers) {
        return PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0)
                .terminationGrace(Duration.ofMillis(500))
                .outputListener((pid, taskId, stream, line) -> { });
    }

    /** Waits until the pool has {@code n} idle workers, then checks every getter against the real processes. */
    static List<WorkingProcess> assertSettledAndTruthful(ProcessPool pool, int n) {
        await().atMost(AWAIT).until(() -> {
            List<WorkingProcess> ws = pool.getWorkers();
            return ws.size() == n && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0)
                    && Workers.workerPids().equals(pids(ws));
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

    static Set<Long> pids(List<WorkingProcess> ws) {
        return ws.stream().map(WorkingProcess::pid).collect(Collectors.toSet());
    }

    /** The pool still runs tasks, on workers other than the dead ones. */
    static void assertKeepsWorking(ProcessPool pool, int n, long... deadPids) {
        List<WorkingProcess> ws = assertSettledAndTruthful(pool, n);
        for (long dead : deadPids) {
            assertThat(pids(ws)).doesNotContain(dead);
            assertThat(isRunning(dead)).as("dead worker %d", dead).isFalse();
        }
        List<ProcessTask> after = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            after.add(pool.createAndQueueTask(TestTasks.workerPid()));
        }
        for (ProcessTask t : after) {
            assertThat(t.future()).succeedsWithin(AWAIT).isIn(pids(ws).toArray());
        }
    }

    /** The pool's shutdown leaves no worker process behind. */
    static void assertShutDownClean(ProcessPool pool) {
        pool.close();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.getNumProcesses()).isZero();
        assertThat(pool.getWorkers()).isEmpty();
        assertThat(Workers.workerPids()).isEmpty();
    }

    static WorkingProcess awaitRunning(ProcessPool pool, ProcessTask t) {
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
}
