package dev.processpool.internal;

import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sizing, against a fake transport and a manual clock: the minimum from the start, growth to the maximum
 * while tasks wait, idle retirement at the idle timeout to the minimum, strict limits while killed workers
 * are replaced, and at most N launches at once. Literal milliseconds; no process, no sleep.
 */
class EngineSizingTest {

    @Test
    void startsTheMinimumGrowsToTheMaximumWhileTasksWaitAndRetiresIdleWorkersAtTheIdleTimeout() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(3)
                .idleTimeout(Duration.ofMillis(500)).build()).start()) {
            assertThat(f.engine.numProcesses()).isEqualTo(1);
            assertThat(f.engine.numIdle()).isEqualTo(1);
            assertThat(f.events).containsExactly("launching 1", "worker 1 started as 40001 in 0 ms");

            for (int i = 1; i <= 5; i++) {
                f.submit("t" + i);
            }
            // one ran at once, two more workers were started for the others, never more than three
            assertThat(f.transport.launched).hasSize(3);
            assertThat(f.engine.numProcesses()).isEqualTo(3);
            assertThat(f.engine.numWorking()).isEqualTo(3);
            assertThat(f.engine.numPending()).isEqualTo(2);
            for (int w = 1; w <= 3; w++) {
                f.worker(w).start().answer("r");
            }
            f.run();
            assertThat(f.engine.numPending()).isZero();
            f.worker(1).start().answer("r");
            f.worker(2).start().answer("r");
            f.run();
            assertThat(f.ended("t5")).isTrue();
            assertThat(f.engine.numIdle()).isEqualTo(3);

            // the last to become idle did so now: nothing retires before 500 ms
            f.advance(499);
            assertThat(f.engine.numProcesses()).isEqualTo(3);
            f.advance(1);
            assertThat(f.engine.numProcesses()).isEqualTo(1);
            assertThat(f.events("worker")).filteredOn(e -> e.contains("ended")).hasSize(2)
                    .allMatch(e -> e.endsWith("ended IDLE_RETIRED 0"));
            // the minimum stays, idle timeout after idle timeout
            f.advance(5_000);
            assertThat(f.engine.numProcesses()).isEqualTo(1);
            assertThat(f.transport.launched).hasSize(3);
        }
    }

    @Test
    void withoutKeepProcessesRunningEvenTheMinimumIdlesOutAndWorkersStartOnDemand() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(2).keepProcessesRunning(false)
                .idleTimeout(Duration.ofMillis(500)).build()).start()) {
            f.advance(500);
            assertThat(f.engine.numProcesses()).isZero();
            f.submit("t1");
            assertThat(f.transport.launched).hasSize(2);
            f.worker(2).start().answer("ok");
            f.run();
            assertThat(f.result("t1")).isEqualTo("ok");
            f.advance(500);
            assertThat(f.engine.numProcesses()).isZero();
        }
    }

    @Test
    void withStrictLimitsAKilledWorkersReplacementStartsOnlyOnceItHasExited() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            f.transport.exitWhenStopped = false; // kills take effect when the test says
            FakeTransport.Worker victim = f.workerOf(f.submit("slow", 1_000, 0)).start();
            f.run();
            f.advance(1_000);
            assertThat(f.failure("slow")).isInstanceOf(TaskTimeoutException.class);
            assertThat(victim.killed).isTrue();
            // it is still alive (its kill takes a while): it counts, and no third process is started
            assertThat(f.engine.numProcesses()).isEqualTo(2);
            f.submit("next");
            f.advance(10_000);
            assertThat(f.transport.launched).hasSize(2);
            victim.exit(137);
            f.run();
            assertThat(f.transport.launched).hasSize(3);
            assertThat(f.events).contains("worker " + victim.number + " ended TIMEOUT 137");
        }
    }

    @Test
    void withoutStrictLimitsAKilledWorkersReplacementStartsAtOnce() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).strictLimits(false)
                .build()).start()) {
            f.transport.exitWhenStopped = false;
            FakeTransport.Worker victim = f.workerOf(f.submit("slow", 1_000, 0)).start();
            f.run();
            f.advance(1_000);
            assertThat(victim.killed).isTrue();
            assertThat(f.transport.launched).as("over-committed by the one being killed").hasSize(3);
            assertThat(f.engine.numProcesses()).isEqualTo(3);
            victim.exit(137);
            f.run();
            assertThat(f.engine.numProcesses()).isEqualTo(2);
        }
    }

    @Test
    void atMostNLaunchesRunAtOnceAndTheOthersWaitInOrder() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(10).maxSize(10).build(), 3, null)) {
            f.engine.start();
            assertThat(f.engine.numProcesses()).isEqualTo(10);
            assertThat(f.clock.launchesHanded()).isEqualTo(3);
            assertThat(f.engine.launcher.waitingLaunches()).isEqualTo(7);
            assertThat(f.engine.workers()).allMatch(w -> w.state() == WorkerState.STARTING);
            f.run(); // each finished launch hands the next one on: never more than three at once
            assertThat(f.clock.launchesHanded()).isEqualTo(10);
            assertThat(f.engine.launcher.waitingLaunches()).isZero();
            assertThat(f.transport.launched).extracting(w -> w.number).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
            assertThat(f.engine.numIdle()).isEqualTo(10);
        }
    }

    @Test
    void aWorkerThatDiesIdleIsReplacedWithNoTaskOutcome() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            f.worker(1).exit(128 + 9);
            f.run();
            assertThat(f.transport.launched).hasSize(3);
            assertThat(f.engine.numIdle()).isEqualTo(2);
            assertThat(f.events).contains("worker 1 ended SIGNALLED 137");
            assertThat(f.events("ended")).isEmpty();
        }
    }
}
