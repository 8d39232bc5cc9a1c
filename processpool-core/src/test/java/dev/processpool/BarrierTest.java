package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** Promise 8: processAllResults(timeout) is a real barrier, in caller-thread and daemon mode. */
class BarrierTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    /** Queues 50 tasks with random short sleeps, some failing, some without callbacks. */
    private static List<ProcessTask> queueFifty(ProcessPool pool, Set<String> settledIds, AtomicInteger callbacks,
                                                boolean slowCallbacks) {
        List<ProcessTask> tasks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long sleep = ThreadLocalRandom.current().nextLong(0, 40);
            ProcessTask.Builder b = i % 10 == 7
                    ? ProcessTask.builder(TestTasks.thrower()).args("fail-" + i)
                    : ProcessTask.builder(TestTasks.sleepThenReturn()).args(sleep, i);
            b.callback((t, r) -> {
                if (slowCallbacks) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
                }
                settledIds.add(t.getTaskID());
                callbacks.incrementAndGet();
            }).exceptionCallback((t, e) -> {
                if (slowCallbacks) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
                }
                settledIds.add(t.getTaskID());
                callbacks.incrementAndGet();
            });
            ProcessTask t = b.build();
            pool.queueTask(t);
            tasks.add(t);
        }
        // A task without callbacks must be covered by the barrier too.
        ProcessTask silent = ProcessTask.builder(TestTasks.sleepThenReturn()).args(30L, "silent").build();
        pool.queueTask(silent);
        tasks.add(silent);
        return tasks;
    }

    private static void assertAllSettled(List<ProcessTask> tasks, Set<String> settledIds, AtomicInteger callbacks) {
        // Checked at once, with no waiting: the barrier promised it.
        assertThat(callbacks).hasValue(50);
        assertThat(tasks).allMatch(ProcessTask::isDone, "done");
        for (ProcessTask t : tasks.subList(0, 50)) {
            assertThat(settledIds).contains(t.getTaskID());
        }
        assertThat(tasks.get(50).taskResults()).isEqualTo("silent");
    }

    @Test
    void returnsTrueOnlyWhenEveryTaskQueuedBeforeHasFinishedAndItsCallbacksRan() {
        Set<String> settled = ConcurrentHashMap.newKeySet();
        AtomicInteger callbacks = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(3).maxSize(3)
                .maxQueuedRequests(0).build())) {
            List<ProcessTask> tasks = queueFifty(pool, settled, callbacks, false);
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertAllSettled(tasks, settled, callbacks);
            assertThat(pool.processResults()).isZero();
        }
    }

    @Test
    void worksAsABarrierWhenDaemonizedWithSlowCallbacks() {
        Set<String> settled = ConcurrentHashMap.newKeySet();
        AtomicInteger callbacks = new AtomicInteger();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(3).maxSize(3)
                .maxQueuedRequests(0).build())) {
            pool.daemonize();
            List<ProcessTask> tasks = queueFifty(pool, settled, callbacks, true);
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertAllSettled(tasks, settled, callbacks);
        }
    }

    @Test
    void waitsForACallbackThatAnotherThreadIsStillRunning() throws Exception {
        AtomicReference<String> state = new AtomicReference<>("not run");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            pool.daemonize();
            pool.queueTask(ProcessTask.builder(TestTasks.echo()).args("x").callback((t, r) -> {
                state.set("running");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
                state.set("finished");
            }).build());
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(state.get()).isEqualTo("finished");
        }
    }

    @Test
    void returnsFalseWhenTheTimeoutPassesFirst() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask slow = ProcessTask.builder(TestTasks.sleepThenReturn()).args(10_000L).build();
            pool.queueTask(slow);
            long t0 = System.nanoTime();
            boolean settled = pool.processAllResults(Duration.ofMillis(300));
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("processAllResults(300 ms) returned " + settled + " after " + ms + " ms");
            assertThat(settled).isFalse();
            assertThat(ms).isGreaterThanOrEqualTo(290).isLessThan(8_000);
            assertThat(slow.isDone()).isFalse();
            // Same in daemon mode.
            pool.daemonize();
            t0 = System.nanoTime();
            settled = pool.processAllResults(Duration.ofMillis(300));
            ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            System.out.println("daemonized processAllResults(300 ms) returned " + settled + " after " + ms + " ms");
            assertThat(settled).isFalse();
            assertThat(ms).isGreaterThanOrEqualTo(290).isLessThan(8_000);
            assertThat(pool.shutdown(Duration.ZERO)).isFalse(); // cancels the 10 s task
            assertThat(slow.taskException()).isInstanceOf(TaskCancelledException.class);
        }
    }

    @Test
    void coversOnlyTasksQueuedBeforeTheCall() {
        AtomicReference<ProcessTask> late = new AtomicReference<>();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build())) {
            ProcessTask first = ProcessTask.builder(TestTasks.echo()).args("first").callback((t, r) -> {
                // Queued while the barrier waits: it must not hold the barrier up.
                ProcessTask l = ProcessTask.builder(TestTasks.sleepThenReturn()).args(20_000L).build();
                pool.queueTask(l);
                late.set(l);
            }).build();
            pool.queueTask(first);
            long t0 = System.nanoTime();
            assertThat(pool.processAllResults(LONG)).isTrue();
            System.out.println("barrier returned after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " ms");
            assertThat(late.get()).isNotNull();
            assertThat(late.get().isDone()).isFalse();
            assertThat(pool.shutdown(Duration.ZERO)).isFalse();
            assertThat(late.get().taskException()).isInstanceOf(TaskCancelledException.class);
        }
    }
}
