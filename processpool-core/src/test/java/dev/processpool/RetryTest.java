package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounded retries end to end, with real workers: a task that kills its worker is run again on another; the
 * caller hears once, after the last attempt; a task that throws is not retried unless asked.
 */
class RetryTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);

    private static ProcessPool pool(int retries) {
        return new ProcessPool(PoolConfig.builder().minSize(1).maxSize(2).retries(retries).build());
    }

    /** Every outcome the callbacks and the future report, in order. */
    private static final class Heard {
        final List<String> outcomes = new CopyOnWriteArrayList<>();

        ProcessTask.Builder on(ProcessTask.Builder b) {
            return b.callback((t, r) -> outcomes.add("result " + r)).exceptionCallback((t, e) ->
                    outcomes.add("failure " + e.getClass().getSimpleName()));
        }

        void watch(ProcessTask t) {
            t.future().whenComplete((v, e) -> outcomes.add("future"));
        }
    }

    @Test
    void aTaskThatKillsItsWorkerOnTheFirstAttemptSucceedsOnTheSecond() {
        try (ProcessPool pool = pool(0)) {
            pool.daemonize();
            Heard heard = new Heard();
            ProcessTask t = heard.on(ProcessTask.builder(TestTasks.dieOnEarlyAttempts()).args(1).retries(2)).build();
            heard.watch(t);
            pool.queueTask(t);
            await().atMost(AWAIT).until(() -> heard.outcomes.size() >= 2);
            assertThat(t.taskResults()).isEqualTo("ok on attempt 2");
            assertThat(t.getAttempts()).isEqualTo(2);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(heard.outcomes).containsExactlyInAnyOrder("future", "result ok on attempt 2");
        }
    }

    @Test
    void aTaskThatAlwaysKillsItsWorkerFailsExactlyOnceAfterRetriesPlusOneAttempts() {
        try (ProcessPool pool = pool(2)) { // the pool's default
            Heard heard = new Heard();
            ProcessTask t = heard.on(ProcessTask.builder(TestTasks.dieOnEarlyAttempts()).args(99)).build();
            heard.watch(t);
            pool.queueTask(t);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(heard.outcomes).containsExactlyInAnyOrder("future", "failure WorkerDiedException");
            TaskException e = t.taskException();
            assertThat(e).isInstanceOf(WorkerDiedException.class);
            assertThat(e.getAttempts()).isEqualTo(3);
            assertThat(e.isQuarantined()).isTrue();
            assertThat(e.getSuppressed()).hasSize(2).allMatch(x -> x instanceof WorkerDiedException);
            assertThat(e.getMessage()).contains("quarantined: failed 3 times: attempt 1 ")
                    .contains("attempt 3 ").contains("SIGKILL");
            assertThat(t.getAttempts()).isEqualTo(3);
            assertThat(((WorkerDiedException) e).getSignal()).hasValue(9);
        }
    }

    @Test
    void anExceptionIsNotRetriedUnlessItsTypeIsNamed() {
        try (ProcessPool pool = pool(3)) {
            ProcessTask plain = ProcessTask.builder(TestTasks.throwOnEarlyAttempts()).args(1).build();
            ProcessTask named = ProcessTask.builder(TestTasks.throwOnEarlyAttempts()).args(1)
                    .retryOn(IllegalStateException.class).build();
            ProcessTask other = ProcessTask.builder(TestTasks.throwOnEarlyAttempts()).args(1)
                    .retryOn(java.io.IOException.class).build();
            pool.queueTask(plain);
            pool.queueTask(named);
            pool.queueTask(other);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(plain.taskException()).isInstanceOf(TaskExecutionException.class);
            assertThat(plain.getAttempts()).isEqualTo(1);
            assertThat(other.taskException()).isInstanceOf(TaskExecutionException.class);
            assertThat(other.getAttempts()).isEqualTo(1);
            assertThat(named.taskResults()).isEqualTo(2);
            assertThat(named.getAttempts()).isEqualTo(2);
            assertThat(pool.getWorkers()).as("no worker was killed for an exception").extracting(WorkingProcess::pid)
                    .contains(plain.getWorkerPid(), other.getWorkerPid(), named.getWorkerPid());
        }
    }
}
