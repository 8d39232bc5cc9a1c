package dev.processpool.internal;

import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerUnresponsiveException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timeouts against a fake transport and a manual clock, to the millisecond: a task's timeout from its start,
 * its progress timeout from its last progress, a silent worker, and a worker that holds a task it does not
 * start.
 */
class EngineTimeoutTest {

    @Test
    void aTaskTimesOutExactlyItsTimeoutAfterItsStartNotItsQueueing() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1", 1_000, 0);
            f.advance(300); // queued, not started: no time counts
            f.worker(1).start();
            f.run();
            f.advance(999);
            assertThat(f.ended("t1")).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(1_000));
                assertThat(e.isProgressTimeout()).isFalse();
                assertThat(e.getWorkerPid()).isEqualTo(40001);
            });
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.events).containsSubsequence("started t1 on 40001 after 300 ms", "timeout TASK t1 on 40001",
                    "ended t1 TIMED_OUT in 1000 ms on 40001", "worker 1 ended TIMEOUT 137", "launching 2");
            assertThat(f.engine.numIdle()).as("replaced").isEqualTo(1);
            assertThat(f.outcomes("t1")).isEqualTo(1);
        }
    }

    /**
     * Issue 9, item 7, the timeout storm: a hundred tasks on a hundred workers time out at the same instant.
     * Every outcome is decided at its deadline, to the millisecond, with every killed worker still alive (a
     * dying worker's exit, and the reading of its last frames, come when they come); the worker's exit changes
     * nothing about its task's outcome, and every killed worker is replaced.
     */
    @Test
    void aHundredTasksTimingOutAtOnceEndAtTheirDeadlineWithoutWaitingForTheirWorkersExits() {
        int n = 100;
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(n).maxSize(n).build()).start()) {
            assertThat(f.engine.numIdle()).isEqualTo(n);
            f.transport.exitWhenStopped = false; // a killed worker exits when the test says so
            for (int i = 1; i <= n; i++) {
                f.submit("t" + i, 1_000, 0);
            }
            for (int i = 1; i <= n; i++) {
                f.worker(i).start();
            }
            f.run();
            f.advance(999);
            assertThat(f.events("ended")).isEmpty();
            f.advance(1);
            for (int i = 1; i <= n; i++) {
                String id = "t" + i;
                assertThat(f.failure(id)).as(id).isInstanceOf(TaskTimeoutException.class);
                assertThat(f.events).as(id).contains("ended " + id + " TIMED_OUT in 1000 ms on "
                        + f.failure(id).getWorkerPid());
                assertThat(f.worker(i).killed).as("worker %d killed", i).isTrue();
                assertThat(f.worker(i).exitReported()).as("worker %d still alive", i).isFalse();
            }
            for (int i = 1; i <= n; i++) {
                f.worker(i).exit(137);
            }
            f.advance(1);
            for (int i = 1; i <= n; i++) {
                assertThat(f.outcomes("t" + i)).as("outcomes of t%d", i).isEqualTo(1);
            }
            assertThat(f.events("worker ")).filteredOn(e -> e.contains("ended TIMEOUT 137")).hasSize(n);
            assertThat(f.engine.numIdle()).as("every killed worker replaced").isEqualTo(n);
            assertThat(f.engine.numProcesses()).as("the killed workers are gone").isEqualTo(n);
        }
    }

    @Test
    void progressPutsTheProgressTimeoutOffAndItsAbsenceEndsTheTask() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1", 0, 500);
            FakeTransport.Worker w = f.worker(1).start();
            f.run();
            f.advance(400);
            w.progress();
            f.advance(400);
            w.progress();
            f.advance(499);
            assertThat(f.ended("t1")).as("800 + 499 ms: 499 since the last progress").isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(TaskTimeoutException.class,
                    e -> assertThat(e.isProgressTimeout()).isTrue());
            assertThat(f.events).contains("timeout PROGRESS t1 on 40001", "ended t1 PROGRESS_TIMED_OUT in 1300 ms on 40001");
        }
    }

    @Test
    void aWorkerSilentForTheUnresponsiveTimeoutIsKilledWhateverItsTasksTimeout() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(100)).unresponsiveTimeout(Duration.ofMillis(2_000)).build())
                .start()) {
            f.submit("t1");
            FakeTransport.Worker w = f.worker(1).start();
            f.run();
            f.advance(1_000);
            w.heartbeat();
            f.advance(1_500);
            w.heartbeat(); // at 2500 ms
            f.advance(1_999);
            assertThat(f.ended("t1")).isFalse();
            f.advance(1);
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerUnresponsiveException.class,
                    e -> assertThat(e.getSilence()).isEqualTo(Duration.ofMillis(2_000)));
            assertThat(f.events).contains("timeout SILENCE t1 on 40001", "worker 1 ended UNRESPONSIVE 137");
        }
    }

    @Test
    void anIdleWorkerThatGoesSilentIsReplacedWithNoTaskOutcome() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1)
                .heartbeatInterval(Duration.ofMillis(100)).unresponsiveTimeout(Duration.ofMillis(2_000)).build())
                .start()) {
            f.advance(1_999);
            assertThat(f.worker(1).killed).isFalse();
            f.advance(1);
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.events).contains("timeout SILENCE null on 40001", "worker 1 ended UNRESPONSIVE 137");
            assertThat(f.events("ended")).isEmpty();
            assertThat(f.transport.launched).hasSize(2);
        }
    }

    @Test
    void aWorkerThatHoldsATaskAndDoesNotStartItIsKilledAtTheStartBoundAndTheTaskRunsElsewhere() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1");
            long bound = Duration.ofSeconds(Tuning.DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS).toMillis();
            f.advance(bound - 1);
            assertThat(f.worker(1).killed).isFalse();
            f.advance(1);
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.events).contains("timeout START null on 40001", "worker 1 ended UNRESPONSIVE 137");
            assertThat(f.ended("t1")).as("it never started: it runs elsewhere").isFalse();
            f.worker(2).start().answer("r1");
            f.run();
            assertThat(f.result("t1")).isEqualTo("r1");
        }
    }
}
