package dev.processpool;

import dev.processpool.FaultMatrix.Harness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import static dev.processpool.FaultMatrix.AWAIT;
import static dev.processpool.FaultMatrix.OTHERS;
import static dev.processpool.FaultMatrix.assertKeepsWorking;
import static dev.processpool.FaultMatrix.assertShutDownClean;
import static dev.processpool.FaultMatrix.config;

/**
 * The fault matrix, callbacks: that throw (also checked exceptions, undeclared), that queue tasks and read
 * getters. The checks of every case are {@link FaultMatrix}'s.
 */
class FaultMatrixCallbackTest {

    @RegisterExtension
    final FaultMatrix matrix = new FaultMatrix();

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
        try (ProcessPool pool = matrix.start(cfg)) {
            Harness h = new Harness(pool);
            AtomicInteger ownCalls = new AtomicInteger();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                int n = i;
                ProcessTask t = ProcessTask.builder(i % 2 == 0 ? TestTasks.echo() : TestTasks.thrower())
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
        try (ProcessPool pool = matrix.start(config(2).build())) {
            if (where.equals("daemon")) {
                pool.daemonize();
            }
            AtomicInteger laterCalls = new AtomicInteger();
            List<ProcessTask> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int n = i;
                all.add(ProcessTask.builder(TestTasks.echo()).args("checked-" + i).callback((t, r) -> {
                    throw sneaky(new java.io.IOException("callback " + n + " throws a checked exception"));
                }).build());
                all.add(ProcessTask.builder(TestTasks.thrower()).args("x" + i).exceptionCallback((t, f) -> {
                    throw sneaky(new Exception("exception callback " + n + " throws a checked exception"));
                }).build());
            }
            List<ProcessTask> later = new ArrayList<>();
            for (int i = 0; i < OTHERS; i++) {
                later.add(ProcessTask.builder(TestTasks.echo()).args("later-" + i)
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
                pool.queueTask(ProcessTask.builder(TestTasks.echo()).args("more").callback((t, r) -> more.incrementAndGet()).build());
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
        try (ProcessPool pool = matrix.start(config(2).maxQueuedRequests(1).build())) {
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
        return ProcessTask.builder(TestTasks.echo()).args("link-" + i).callback((t, r) -> {
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
}
