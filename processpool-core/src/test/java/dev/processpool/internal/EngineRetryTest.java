package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerUnresponsiveException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bounded retries in the engine's plan, against a fake transport and literal milliseconds: a failed attempt
 * of a kind the task is retried for goes back to the head of the queue and nobody hears of it; the outcome
 * comes once, after the last attempt, with the attempts before it.
 */
class EngineRetryTest {

    private static FakeEngine oneWorker() {
        return new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start();
    }

    @Test
    void aTaskWhoseWorkerDiesOnItsFirstAttemptRunsAgainOnAnotherWorkerAndSucceedsInTwoAttempts() {
        try (FakeEngine f = oneWorker()) {
            Submission s = f.submit(f.submission("t", 0, 0).retries(2, null));
            f.worker(1).start();
            f.run();
            f.worker(1).exit(128 + 9);
            f.run();
            assertThat(f.ended("t")).as("not told of the first attempt").isFalse();
            assertThat(f.events).contains("retried t attempt 2 after WORKER_DIED");
            FakeTransport.Worker w2 = f.worker(2);
            assertThat(w2.payloads.get(w2.received.get(0)).attempt()).as("the worker is told the attempt").isEqualTo(2);
            w2.start().answer("ok");
            f.run();
            assertThat(f.result("t")).isEqualTo("ok");
            assertThat(f.outcomes("t")).isEqualTo(1);
            assertThat(s.attempts()).isEqualTo(2);
            assertThat(s.earlierFailures()).singleElement().isInstanceOf(WorkerDiedException.class);
            assertThat(s.quarantined()).isFalse();
        }
    }

    @Test
    void aTaskThatKillsEveryWorkerEndsOnceAfterRetriesPlusOneAttemptsQuarantined() {
        try (FakeEngine f = oneWorker()) {
            Submission s = f.submit(f.submission("t", 0, 0).retries(2, null));
            for (int i = 1; i <= 3; i++) {
                assertThat(f.ended("t")).as("before attempt %d", i).isFalse();
                f.worker(i).start();
                f.run();
                f.worker(i).exit(128 + 9);
                f.run();
            }
            assertThat(f.outcomes("t")).isEqualTo(1);
            assertThat(f.failure("t")).isInstanceOf(WorkerDiedException.class);
            assertThat(s.attempts()).isEqualTo(3);
            assertThat(s.earlierFailures()).hasSize(2).allMatch(e -> e instanceof WorkerDiedException);
            assertThat(s.quarantined()).isTrue();
            assertThat(f.events("retried")).hasSize(2);
            assertThat(f.events("ended t")).containsExactly("ended t WORKER_DIED in 0 ms on 40003");
            f.advance(60_000);
            assertThat(f.worker(4).received).as("never run again").isEmpty();
        }
    }

    @Test
    void anExceptionIsNotRetriedUnlessTheCallerNamedIt() {
        try (FakeEngine f = oneWorker()) {
            Submission plain = f.submit(f.submission("plain", 0, 0).retries(3, null));
            f.worker(1).start().fail("java.lang.IllegalStateException", "no");
            f.run();
            assertThat(f.failure("plain")).isInstanceOf(TaskExecutionException.class);
            assertThat(plain.attempts()).isEqualTo(1);
            assertThat(f.events("retried")).isEmpty();

            Submission named = f.submit(f.submission("named", 0, 0).retries(3, e ->
                    ((TaskExecutionException) e).getRemoteType().equals("java.io.IOException")));
            f.worker(1).start().fail("java.io.IOException", "flaky");
            f.run();
            f.worker(1).start().fail("java.lang.IllegalStateException", "broken");
            f.run();
            assertThat(f.failure("named")).isInstanceOfSatisfying(TaskExecutionException.class,
                    e -> assertThat(e.getRemoteType()).isEqualTo("java.lang.IllegalStateException"));
            assertThat(named.attempts()).isEqualTo(2);
            assertThat(named.quarantined()).as("its last failure was not one it is retried for").isFalse();
            assertThat(f.worker(1).killed).isFalse();
        }
    }

    @Test
    void aHardTimeoutIsRetriedAndEachAttemptHasItsWholeTimeout() {
        try (FakeEngine f = oneWorker()) {
            Submission s = f.submit(f.submission("slow", 100, 0).retries(1, null));
            f.worker(1).start();
            f.advance(99);
            assertThat(f.worker(1).killed).isFalse();
            f.advance(1);
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.ended("slow")).isFalse();
            f.worker(2).start();
            f.advance(99);
            assertThat(f.worker(2).killed).as("the second attempt's clock starts at its own start").isFalse();
            f.advance(1);
            assertThat(f.failure("slow")).isInstanceOf(TaskTimeoutException.class);
            assertThat(s.attempts()).isEqualTo(2);
            assertThat(s.earlierFailures()).singleElement().isInstanceOf(TaskTimeoutException.class);
            assertThat(s.quarantined()).isTrue();
        }
    }

    @Test
    void aTaskStoppedAtItsSoftTimeoutEndsThereAndIsNotRetried() {
        try (FakeEngine f = oneWorker()) {
            Submission s = f.submission("soft", 1000, 0).retries(3, null);
            s.payload = s.payload.with(1, java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300));
            f.submit(s);
            f.worker(1).start();
            f.advance(300);
            f.worker(1).failAfterSoftTimeout("java.lang.InterruptedException", "sleep interrupted");
            f.run();
            assertThat(f.failure("soft")).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.isSoftTimeout()).isTrue();
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(300));
                assertThat(e.getCause()).hasMessageContaining("sleep interrupted");
            });
            assertThat(s.attempts()).isEqualTo(1);
            assertThat(f.worker(1).killed).as("the worker lives on").isFalse();
            f.advance(1000);
            assertThat(f.outcomes("soft")).as("the hard deadline does not fire for an ended task").isEqualTo(1);
        }
    }

    @Test
    void anUnresponsiveWorkersTaskIsRetried() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(100)).unresponsiveTimeout(Duration.ofMillis(1000)).build())
                .start()) {
            Submission s = f.submit(f.submission("t", 0, 0).retries(1, null));
            f.worker(1).start();
            f.advance(1000);
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.ended("t")).isFalse();
            f.worker(2).start().answer(7);
            f.run();
            assertThat(f.result("t")).isEqualTo(7);
            assertThat(s.earlierFailures()).singleElement().isInstanceOf(WorkerUnresponsiveException.class);
        }
    }

    @Test
    void aCancelledTaskIsNeverRetriedAndACancelBetweenAttemptsEndsItOnce() {
        try (FakeEngine f = oneWorker()) {
            Submission s = f.submit(f.submission("t", 0, 0).retries(5, null));
            f.worker(1).start();
            f.run();
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.run();
            assertThat(f.failure("t")).isInstanceOf(TaskCancelledException.class);
            assertThat(s.attempts()).isEqualTo(1);

            // a retried task given to its next worker but not started there is withdrawn
            Submission u = f.submit(f.submission("u", 0, 0).retries(5, null));
            f.worker(2).start();
            f.run();
            f.worker(2).exit(1);
            f.run();
            assertThat(f.ended("u")).isFalse();
            assertThat(u.attempts()).isEqualTo(2);
            assertThat(f.engine.cancel(u, "test")).isTrue();
            f.advance(60_000);
            assertThat(f.outcomes("u")).isEqualTo(1);
            assertThat(f.failure("u")).isInstanceOf(TaskCancelledException.class);
        }
    }

    @Test
    void theShutdownsCancellationIsFinalEvenForAWorkerThatDiesMeanwhile() throws InterruptedException {
        try (FakeEngine f = oneWorker()) {
            f.submit(f.submission("t", 0, 0).retries(5, null));
            f.worker(1).start();
            f.run();
            f.transport.exitWhenStopped = false;
            f.engine.beginShutdown();
            f.engine.lock.lock();
            try {
                f.engine.retriesOver = true; // as stopWorkers(cancelPending) sets it, before it waits
            } finally {
                f.engine.lock.unlock();
            }
            f.worker(1).exit(137);
            f.run();
            assertThat(f.failure("t")).isInstanceOf(WorkerDiedException.class);
            assertThat(f.events("retried")).isEmpty();
        }
    }
}
