package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.WorkerStartException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failed launches against a fake transport and a manual clock: the back-off between launches
 * ({@value Tuning#FIRST_LAUNCH_BACKOFF_MILLIS} ms, doubling), the give-up after
 * {@value PoolConfig#START_FAILURES_TO_GIVE_UP} failures when no worker ever started or with the same error,
 * what waits then failing at once, and {@code resume()} trying again.
 */
class EngineStartGiveUpTest {

    @Test
    void launchesBackOffAndThePoolGivesUpWhenNoWorkerHasEverStarted() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build())) {
            f.transport.failLaunches("no java at /x (pid 101)", "no java at /x (pid 102)", "no java at /x (pid 103)");
            f.start();
            f.submit("t1");
            assertThat(f.transport.launchAttempts).isEqualTo(1);
            f.advance(Tuning.FIRST_LAUNCH_BACKOFF_MILLIS - 1);
            assertThat(f.transport.launchAttempts).isEqualTo(1);
            f.advance(1);
            assertThat(f.transport.launchAttempts).isEqualTo(2);
            f.advance(2L * Tuning.FIRST_LAUNCH_BACKOFF_MILLIS - 1);
            assertThat(f.transport.launchAttempts).isEqualTo(2);
            assertThat(f.ended("t1")).isFalse();
            f.advance(1);
            assertThat(f.transport.launchAttempts).isEqualTo(PoolConfig.START_FAILURES_TO_GIVE_UP);
            // given up: what waits ends at once, what comes later too, nothing more is launched
            assertThat(f.failure("t1")).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("no java at /x (pid 103)");
            f.submit("t2");
            assertThat(f.failure("t2")).isInstanceOf(WorkerStartException.class);
            f.advance(60_000);
            assertThat(f.transport.launchAttempts).isEqualTo(3);
            assertThat(f.events("worker")).containsExactly("worker 1 ended LAUNCH_FAILED -1",
                    "worker 2 ended LAUNCH_FAILED -1", "worker 3 ended LAUNCH_FAILED -1");
            assertThat(f.events).contains("queued t2", "ended t2 START_FAILED in 0 ms on -1");

            // resume() tries again
            assertThat(f.engine.resume()).isTrue();
            f.run();
            assertThat(f.transport.launchAttempts).isEqualTo(4);
            f.submit("t3");
            f.worker(4).start().answer("r3");
            f.run();
            assertThat(f.result("t3")).isEqualTo("r3");
        }
    }

    @Test
    void aPoolWhoseWorkersStartedGivesUpAfterTheSameErrorApartFromNumbersAndOnlyFailsWhatWaitsWhenNoneIsLeft() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            f.transport.failLaunches("disk full at block 1", "disk full at block 22", "disk full at block 333");
            f.worker(1).exit(1);
            f.run();
            f.advance(Tuning.FIRST_LAUNCH_BACKOFF_MILLIS);
            f.advance(2L * Tuning.FIRST_LAUNCH_BACKOFF_MILLIS);
            assertThat(f.transport.launchAttempts).isEqualTo(2 + 3);
            // worker 2 is still alive: it runs what comes
            f.submit("t1");
            f.worker(2).start().answer("r1");
            f.run();
            assertThat(f.result("t1")).isEqualTo("r1");
            f.submit("t2");
            f.worker(2).exit(1);
            f.run();
            assertThat(f.failure("t2")).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("disk full at block 333");
            assertThat(f.transport.launchAttempts).isEqualTo(5);
        }
    }
}
