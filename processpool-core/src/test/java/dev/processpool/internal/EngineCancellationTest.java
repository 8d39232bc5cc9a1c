package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Cancellation and the races around an outcome, against a fake transport: each interleaving is scripted
 * exactly (what the worker reports, in which order against the pool's decision), and every task ends in
 * exactly one outcome.
 */
class EngineCancellationTest {

    private static FakeEngine pool() {
        return new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start();
    }

    @Test
    void aTaskGivenToAWorkerButNotStartedIsWithdrawnWithACancelAndTheWorkerStays() {
        try (FakeEngine f = pool()) {
            Submission s = f.submit("t1");
            FakeTransport.Worker w = f.worker(1);
            assertThat(w.received).hasSize(1);
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.run();
            assertThat(w.cancelled).containsExactly(w.received.get(0));
            assertThat(f.failure("t1")).isInstanceOfSatisfying(TaskCancelledException.class,
                    e -> assertThat(e.getWorkerPid()).isEqualTo(40001));
            assertThat(w.killed).isFalse();
            assertThat(f.engine.numIdle()).isEqualTo(1);
            f.submit("t2");
            w.start().answer("r2");
            f.run();
            assertThat(f.result("t2")).isEqualTo("r2");
        }
    }

    @Test
    void aRunningTaskIsCancelledByKillingItsWorker() {
        try (FakeEngine f = pool()) {
            Submission s = f.submit("t1");
            f.worker(1).start();
            f.run();
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.run();
            assertThat(f.failure("t1")).isInstanceOf(TaskCancelledException.class);
            assertThat(f.worker(1).killed).isTrue();
            assertThat(f.events).contains("ended t1 CANCELLED in 0 ms on 40001", "worker 1 ended CANCELLED 137");
            assertThat(f.engine.cancel(s, "again")).as("it has its outcome").isFalse();
            assertThat(f.outcomes("t1")).isEqualTo(1);
        }
    }

    @Test
    void aWorkerThatStartsATaskWhoseCancellationCrossedItsStartIsKilled() {
        try (FakeEngine f = pool()) {
            Submission s = f.submit("t1");
            FakeTransport.Worker w = f.worker(1);
            w.start(); // its STARTED is on the way when the pool cancels
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.run();
            assertThat(w.killed).as("it must not run on with a task nobody waits for").isTrue();
            assertThat(f.failure("t1")).isInstanceOf(TaskCancelledException.class);
            assertThat(f.outcomes("t1")).isEqualTo(1);
            assertThat(f.events).contains("worker 1 ended CANCELLED 137");
            assertThat(f.events("started")).isEmpty();
        }
    }

    @Test
    void anAnswerThatArrivesAfterTheCancellationIsSkipped() {
        try (FakeEngine f = pool()) {
            Submission s = f.submit("t1");
            FakeTransport.Worker w = f.worker(1).start();
            f.run();
            w.answer("too late"); // on the way when the pool cancels
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.run();
            assertThat(f.failure("t1")).isInstanceOf(TaskCancelledException.class);
            assertThat(f.outcomes("t1")).isEqualTo(1);
            assertThat(f.events("bytes")).isEmpty();
        }
    }

    @Test
    void anAnswerThatArrivesJustBeforeTheDeadlineWinsAndOneJustAfterIsSkipped() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            FakeTransport.Worker w1 = f.workerOf(f.submit("before", 100, 0)).start();
            FakeTransport.Worker w2 = f.workerOf(f.submit("after", 100, 0)).start();
            f.run();
            f.advance(99);
            w1.answer("in time"); // delivered before the timer's turn at 100 ms
            f.advance(1);
            w2.answer("late");
            f.run();
            assertThat(f.result("before")).isEqualTo("in time");
            assertThat(f.failure("after")).isInstanceOf(dev.processpool.TaskTimeoutException.class);
            assertThat(f.outcomes("before")).isEqualTo(1);
            assertThat(f.outcomes("after")).isEqualTo(1);
            assertThat(w1.killed).isFalse();
            assertThat(w2.killed).isTrue();
        }
    }

    @Test
    void stoppingTheWorkersCancelsRunningAndWaitingTasksOnce() throws Exception {
        try (FakeEngine f = pool()) {
            f.submitAll("t1", "t2");
            f.worker(1).start();
            f.run();
            f.clock.inlineEvents = true; // stopWorkers waits for the exits
            f.engine.pause(); // as ProcessPool.stopProcessing does: no replacements
            int cancelled = f.engine.stopWorkers("stopped by the test", true);
            assertThat(cancelled).isEqualTo(2);
            assertThat(f.failure("t1")).isInstanceOf(TaskCancelledException.class).hasMessageContaining("stopped by the test");
            assertThat(f.failure("t2")).isInstanceOf(TaskCancelledException.class);
            assertThat(f.worker(1).terminated).isTrue();
            assertThat(f.engine.numProcesses()).isZero();
            assertThat(f.events).contains("worker 1 ended SHUTDOWN 143");
        }
    }
}
