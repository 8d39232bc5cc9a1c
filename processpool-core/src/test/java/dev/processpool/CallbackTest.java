package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Promise 7: callback order, the thread callbacks run in, mutual exclusion, failing callbacks, re-entrancy. */
class CallbackTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private static PoolConfig.Builder small(int workers) {
        return PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0);
    }

    @Test
    void ownCallbackRunsBeforePoolCallbackOnTheResultPath() {
        List<String> events = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        PoolConfig config = small(1)
                .poolCallback((t, r) -> {
                    events.add("pool:" + t.getTaskID() + "=" + r);
                    threads.add(Thread.currentThread());
                })
                .poolExceptionCallback((t, e) -> events.add("poolExc:" + t.getTaskID()))
                .build();
        try (ProcessPool pool = new ProcessPool(config)) {
            for (String id : List.of("a", "b")) {
                pool.queueTask(ProcessTask.builder(TestTasks.echo()).args(id + "-result").taskId(id)
                        .callback((t, r) -> {
                            events.add("own:" + t.getTaskID() + "=" + r);
                            threads.add(Thread.currentThread());
                        })
                        .exceptionCallback((t, e) -> events.add("ownExc:" + t.getTaskID()))
                        .build(), true, true);
            }
            // Not queued with usePoolCallbacks: only its own callback runs.
            pool.queueTask(ProcessTask.builder(TestTasks.echo()).args("c-result").taskId("c")
                    .callback((t, r) -> events.add("own:" + t.getTaskID() + "=" + r)).build());

            assertThat(pool.processAllResults(LONG)).isTrue();

            assertThat(events).containsExactlyInAnyOrder("own:a=a-result", "pool:a=a-result",
                    "own:b=b-result", "pool:b=b-result", "own:c=c-result");
            assertThat(events.indexOf("own:a=a-result")).isLessThan(events.indexOf("pool:a=a-result"));
            assertThat(events.indexOf("own:b=b-result")).isLessThan(events.indexOf("pool:b=b-result"));
            assertThat(threads).isNotEmpty().allMatch(t -> t == Thread.currentThread());
        }
    }

    @Test
    void ownExceptionCallbackRunsBeforePoolExceptionCallback() {
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicReference<TaskException> seenByPool = new AtomicReference<>();
        try (ProcessPool pool = new ProcessPool(small(1).build())) {
            // Pool callbacks set after construction, DIRAC's setPoolCallback/setPoolExceptionCallback.
            pool.setPoolCallback((t, r) -> events.add("pool:" + t.getTaskID()));
            pool.setPoolExceptionCallback((t, e) -> {
                events.add("poolExc:" + t.getTaskID());
                seenByPool.set(e);
            });
            ProcessTask failing = ProcessTask.builder(TestTasks.thrower()).args("kaboom").taskId("f")
                    .callback((t, r) -> events.add("own:" + t.getTaskID()))
                    .exceptionCallback((t, e) -> events.add("ownExc:" + t.getTaskID()))
                    .usePoolCallbacks(true)
                    .build();
            pool.queueTask(failing);
            ProcessTask ok = ProcessTask.builder(TestTasks.echo()).args(1).taskId("ok")
                    .callback((t, r) -> events.add("own:" + t.getTaskID()))
                    .usePoolCallbacks(true)
                    .build();
            pool.queueTask(ok);

            assertThat(pool.processAllResults(LONG)).isTrue();

            assertThat(events).containsExactlyInAnyOrder("ownExc:f", "poolExc:f", "own:ok", "pool:ok");
            assertThat(events.indexOf("ownExc:f")).isLessThan(events.indexOf("poolExc:f"));
            assertThat(events.indexOf("own:ok")).isLessThan(events.indexOf("pool:ok"));
            assertThat(seenByPool.get()).isInstanceOf(TaskExecutionException.class)
                    .hasMessageContaining("kaboom");
            assertThat(failing.exceptionRaised()).isTrue();
        }
    }

    @Test
    void callbacksRunOnlyInTheThreadThatCallsProcessResults() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Thread> ranIn = new AtomicReference<>();
        try (ProcessPool pool = new ProcessPool(small(1).build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.echo()).args("x")
                    .callback((t, r) -> {
                        calls.incrementAndGet();
                        ranIn.set(Thread.currentThread());
                    }).build();
            pool.queueTask(task);
            // The outcome is known (future completed) but nobody has processed results yet.
            assertThat(task.future().get(30, TimeUnit.SECONDS)).isEqualTo("x");
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 0);

            // Another thread processes the results: the callback runs there.
            AtomicInteger processed = new AtomicInteger();
            Thread other = new Thread(() -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (processed.get() == 0 && System.nanoTime() < end) {
                    processed.addAndGet(pool.processResults());
                }
            }, "result-processor");
            other.start();
            other.join(30_000);
            assertThat(other.isAlive()).isFalse();
            assertThat(processed).hasValue(1);
            assertThat(calls).hasValue(1);
            assertThat(ranIn.get()).isSameAs(other);
            assertThat(pool.processResults()).isZero();
        }
    }

    @Test
    void afterDaemonizeCallbacksRunInTheDaemonThread() {
        int n = 5;
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger calls = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(small(2).build())) {
            pool.daemonize();
            assertThat(pool.isDaemonized()).isTrue();
            for (int i = 0; i < n; i++) {
                pool.queueTask(ProcessTask.builder(TestTasks.echo()).args(i).callback((t, r) -> {
                    threads.add(Thread.currentThread());
                    calls.incrementAndGet();
                }).build());
            }
            // Nobody calls processResults: the daemon delivers.
            await().atMost(LONG).until(() -> calls.get() == n);
            assertThat(threads).hasSize(1);
            Thread daemon = threads.iterator().next();
            assertThat(daemon).isNotSameAs(Thread.currentThread());
            assertThat(daemon.isDaemon()).isTrue();
        }
    }

    @Test
    void callbacksNeverRunTwoAtOnceEvenWithSeveralProcessingThreads() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        AtomicInteger calls = new AtomicInteger();
        Set<Thread> threadsUsed = ConcurrentHashMap.newKeySet();
        ResultCallback cb = (t, r) -> {
            int now = inside.incrementAndGet();
            maxInside.accumulateAndGet(now, Math::max);
            threadsUsed.add(Thread.currentThread());
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // widen the window for an overlap
            calls.incrementAndGet();
            inside.decrementAndGet();
        };
        int queued = 0;
        try (ProcessPool pool = new ProcessPool(small(3).poolCallback(cb).build())) {
            pool.daemonize(); // the daemon thread competes as well
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> processors = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Thread th = new Thread(() -> {
                    while (!stop.get()) {
                        pool.processResults();
                        LockSupport.parkNanos(200_000);
                    }
                }, "processor-" + i);
                processors.add(th);
                th.start();
            }
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                // Batches until callbacks have demonstrably run in at least three different threads.
                while (queued < 40 || (threadsUsed.size() < 3 && System.nanoTime() < deadline)) {
                    for (int i = 0; i < 20; i++, queued++) {
                        // own callback and pool callback: two callbacks per task, under the same exclusion
                        pool.queueTask(ProcessTask.builder(TestTasks.sleepThenReturn()).args(queued % 7, queued)
                                .callback(cb).build(), true, true);
                    }
                    assertThat(pool.processAllResults(LONG)).isTrue();
                }
            } finally {
                stop.set(true);
                for (Thread th : processors) {
                    th.join(30_000);
                }
            }
            System.out.println("callbacks of " + queued + " tasks ran in " + threadsUsed.size() + " threads: "
                    + threadsUsed.stream().map(Thread::getName).sorted().toList());
            assertThat(calls).hasValue(2 * queued);
            assertThat(threadsUsed).hasSizeGreaterThanOrEqualTo(3);
            assertThat(maxInside).hasValue(1);
        }
    }

    @Test
    void aThrowingCallbackIsLoggedAndLaterCallbacksStillRun() {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        ResultCallback poolCb = (t, r) -> {
            events.add("pool:" + t.getTaskID());
            if (t.getTaskID().equals("t1")) {
                throw new IllegalStateException("pool callback fails on purpose");
            }
        };
        try (ProcessPool pool = new ProcessPool(small(1).poolCallback(poolCb).build())) {
            for (int i = 0; i < 5; i++) {
                String id = "t" + i;
                pool.queueTask(ProcessTask.builder(TestTasks.echo()).args(i).taskId(id).callback((t, r) -> {
                    events.add("own:" + t.getTaskID());
                    if (t.getTaskID().equals("t1") || t.getTaskID().equals("t3")) {
                        throw new RuntimeException("own callback fails on purpose");
                    }
                    if (t.getTaskID().equals("t2")) {
                        throw new AssertionError("an Error from a callback is contained too");
                    }
                }).build(), true, true);
            }
            ProcessTask failing = ProcessTask.builder(TestTasks.thrower()).args("x").taskId("bad")
                    .exceptionCallback((t, e) -> {
                        events.add("ownExc:" + t.getTaskID());
                        throw new IllegalArgumentException("exception callback fails on purpose");
                    }).build();
            pool.queueTask(failing);
            ProcessTask last = ProcessTask.builder(TestTasks.echo()).args("last").taskId("last")
                    .callback((t, r) -> events.add("own:last")).build();
            pool.queueTask(last);

            assertThat(pool.processAllResults(LONG)).isTrue();

            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                expected.add("own:t" + i);
                expected.add("pool:t" + i);
            }
            expected.add("ownExc:bad");
            expected.add("own:last");
            assertThat(events).containsExactlyInAnyOrderElementsOf(expected);
            // The pool still works after all that.
            ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "after");
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(after.taskResults()).isEqualTo("after");
        }
    }

    @Test
    void aCallbackMayQueueTasksAndReadGettersWithoutDeadlock() {
        List<String> events = new CopyOnWriteArrayList<>();
        AtomicReference<ProcessTask> child = new AtomicReference<>();
        // Bounded queue of 1 with 1 worker: queueing from a callback must not need the callback lock.
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .maxQueuedRequests(1).build())) {
            ProcessTask parent = ProcessTask.builder(TestTasks.echo()).args("parent").callback((t, r) -> {
                events.add("getters:" + pool.getNumWorkingProcesses() + "," + pool.getNumIdleProcesses() + ","
                        + pool.getFreeSlots() + "," + pool.isFull() + "," + pool.hasPendingTasks() + ","
                        + pool.isWorking() + "," + pool.getWorkers().size());
                assertThat(pool.processResults()).isZero(); // re-entrant processing is harmless
                ProcessTask c = ProcessTask.builder(TestTasks.echo()).args("child")
                        .callback((t2, r2) -> events.add("child:" + r2)).build();
                child.set(c);
                pool.queueTask(c);
                events.add("queued-from-callback");
            }).build();
            pool.queueTask(parent);
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(events).contains("queued-from-callback");
            // The child was queued after the barrier began; a second barrier covers it.
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(events).contains("child:child");
            assertThat(child.get().taskResults()).isEqualTo("child");
            assertThat(events.get(0)).startsWith("getters:");
        }
    }

    @Test
    void aDaemonCallbackMayQueueTasksToo() {
        AtomicInteger generation = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(small(1).build())) {
            pool.daemonize();
            ResultCallback[] chain = new ResultCallback[1];
            chain[0] = (t, r) -> {
                if (generation.incrementAndGet() < 5) {
                    pool.queueTask(ProcessTask.builder(TestTasks.echo()).args(r).callback(chain[0]).build());
                }
            };
            pool.queueTask(ProcessTask.builder(TestTasks.echo()).args("gen").callback(chain[0]).build());
            await().atMost(LONG).until(() -> generation.get() == 5);
            assertThat(pool.processAllResults(LONG)).isTrue();
        }
    }
}
