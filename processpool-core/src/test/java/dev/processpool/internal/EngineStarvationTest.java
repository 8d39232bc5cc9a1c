package dev.processpool.internal;

import dev.processpool.WorkerUnresponsiveException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9, item 1: a silent worker whose threads waited for a CPU is starved by its host, not unresponsive.
 * Against a fake transport and a manual clock, to the millisecond, with a heartbeat every 100 ms and an
 * unresponsive timeout of 2 s: the grace is then 1 s ({@link Tuning#MIN_STARVED_GRACE_MILLIS}), and a
 * starved worker is killed after {@link Tuning#MAX_STARVED_SILENCE_FACTOR} x 2 s of silence at the latest.
 */
class EngineStarvationTest {

    private static FakeEngine pool() {
        return new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).heartbeatInterval(Duration.ofMillis(100))
                .unresponsiveTimeout(Duration.ofMillis(2_000)).build()).start();
    }

    /** Queues t1 and starts it on worker 1, whose run-queue wait is then {@code wait} of the clock's nanoseconds. */
    private static FakeTransport.Worker running(FakeEngine f, java.util.function.LongUnaryOperator wait) {
        f.submit("t1");
        FakeTransport.Worker w = f.worker(1).start().runQueueWait(wait);
        f.run();
        return w;
    }

    /** A run-queue wait that grows by {@code share} of the time that passes from {@code since} (clock nanos). */
    private static java.util.function.LongUnaryOperator growing(long since, double share) {
        return t -> (long) ((t - since) * share);
    }

    @Test
    void aSilentWorkerThatWaitedForTheCpuAllAlongIsNotKilledAndItsTaskCompletesWhenItsAnswerComes() {
        try (FakeEngine f = pool()) {
            FakeTransport.Worker w = running(f, growing(f.clock.nanoTime(), 1.0));
            f.advance(2_000);
            assertThat(w.killed).as("at the silence deadline: starved, not unresponsive").isFalse();
            f.advance(1_000);
            assertThat(w.killed).as("after the grace: still starved").isFalse();
            f.advance(2_500);
            assertThat(w.killed).isFalse();
            w.answer("r1");
            f.run();
            assertThat(f.result("t1")).isEqualTo("r1");
            assertThat(f.outcomes("t1")).isEqualTo(1);
            assertThat(f.events("timeout")).isEmpty();

            // its answer reset the watch: silent again from 5500 ms, now with the CPU, it is killed 2 s + 1 s later
            w.runQueueWait(t -> 0);
            f.advance(2_999);
            assertThat(w.killed).isFalse();
            f.advance(1);
            assertThat(w.killed).isTrue();
            assertThat(f.events).contains("timeout SILENCE null on 40001", "worker 1 ended UNRESPONSIVE 137");
        }
    }

    @Test
    void aSilentWorkerWhoseRunQueueWaitStopsGrowingIsKilledAfterTheDeadlineAndTheGrace() {
        try (FakeEngine f = pool()) {
            long t0 = f.clock.nanoTime();
            long deadline = t0 + TimeUnit.MILLISECONDS.toNanos(2_000);
            // starved until the deadline, then (like a stopped worker) not runnable at all
            FakeTransport.Worker w = running(f, t -> Math.min(t, deadline) - t0);
            f.advance(2_999);
            assertThat(f.ended("t1")).isFalse();
            assertThat(w.killed).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(3_000)));
            assertThat(w.killed).isTrue();
            assertThat(f.events).contains("timeout SILENCE t1 on 40001", "worker 1 ended UNRESPONSIVE 137");
            assertThat(f.outcomes("t1")).isEqualTo(1);
        }
    }

    @Test
    void aSilentWorkerThatHadTheCpuMoreThanHalfTheGraceIsKilledAfterIt() {
        try (FakeEngine f = pool()) {
            FakeTransport.Worker w = running(f, growing(f.clock.nanoTime(), 0.4));
            f.advance(2_999);
            assertThat(w.killed).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(3_000)));
        }
    }

    @Test
    void aWorkerStarvedForLongerThanTheBoundIsKilledAtTheBound() {
        try (FakeEngine f = pool()) {
            FakeTransport.Worker w = running(f, growing(f.clock.nanoTime(), 1.0));
            long bound = Tuning.MAX_STARVED_SILENCE_FACTOR * 2_000L;
            f.advance(bound - 1);
            assertThat(w.killed).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(bound)));
            assertThat(w.killed).isTrue();
        }
    }

    @Test
    void aSilentWorkerWhoseRunQueueWaitCannotBeReadIsKilledAtTheDeadlineAsBefore() {
        try (FakeEngine f = pool()) {
            FakeTransport.Worker w = running(f, null);
            f.advance(1_999);
            assertThat(w.killed).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(2_000)));
            assertThat(w.killed).isTrue();
        }
    }

    @Test
    void aHeartbeatDuringTheGraceStartsTheSilenceAnew() {
        try (FakeEngine f = pool()) {
            FakeTransport.Worker w = running(f, growing(f.clock.nanoTime(), 1.0));
            f.advance(2_500); // starved past the deadline
            w.heartbeat();
            w.runQueueWait(t -> 0); // from now on it has the CPU and says nothing
            f.advance(2_999);
            assertThat(w.killed).as("silent 2999 ms since its heartbeat").isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(3_000)));
        }
    }
}
