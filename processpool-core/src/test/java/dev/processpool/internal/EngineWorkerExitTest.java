package dev.processpool.internal;

import dev.processpool.ResultTransferException;
import dev.processpool.TaskExecutionException;
import dev.processpool.WorkerDiedException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker's end and its protocol violations, against a fake transport: the task it ran fails, the tasks it
 * held run elsewhere in order (unless workers keep dying before starting one), and a lying worker is killed.
 */
class EngineWorkerExitTest {

    @Test
    void aWorkerThatDiesFailsOnlyItsRunningTaskAndWhatItHeldRunsElsewhereInOrder() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).pipelineDepth(4).build())
                .start()) {
            FakeTransport.Worker w1 = f.worker(1);
            f.submit("warm");
            w1.start().answer("w");
            f.run();
            f.submitAll("t1", "t2", "t3");
            assertThat(w1.received).as("pipelined").hasSize(4);
            w1.start();
            f.run();
            w1.exit(128 + 11);
            f.run();
            assertThat(f.failure("t1")).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                assertThat(e.getSignal()).hasValue(11);
                assertThat(e.getWorkerPid()).isEqualTo(40001);
                assertThat(e.getStderrTail()).containsExactly("fake worker 1 exits with 139");
            });
            assertThat(f.events).contains("worker 1 ended SIGNALLED 139");
            FakeTransport.Worker w2 = f.worker(2);
            w2.start().answer("r2");
            f.run();
            w2.start().answer("r3");
            f.run();
            assertThat(f.events("started")).extracting(e -> e.split(" ")[1]).containsExactly("warm", "t1", "t2", "t3");
            assertThat(f.result("t3")).isEqualTo("r3");
        }
    }

    @Test
    void aTaskWhoseWorkersAllDieBeforeStartingItEndsWithTheirDeath() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("poison");
            for (int i = 1; i <= Tuning.MAX_HAND_BACKS; i++) {
                assertThat(f.ended("poison")).isFalse();
                f.worker(i).exit(1);
                f.run();
            }
            assertThat(f.ended("poison")).isFalse();
            f.worker(Tuning.MAX_HAND_BACKS + 1).exit(1);
            f.run();
            assertThat(f.failure("poison")).isInstanceOfSatisfying(WorkerDiedException.class,
                    e -> assertThat(e.getStderrTail()).last().asString().contains("given to 4 workers in turn"));
        }
    }

    @Test
    void aTaskHeldByWorkersThePoolKilledDoesNotCountTheirDeaths() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("held");
            long bound = Tuning.DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS * 1000L;
            for (int round = 1; round <= Tuning.MAX_HAND_BACKS + 2; round++) {
                f.advance(bound); // worker `round` never starts it: the pool kills it, the task goes back
                assertThat(f.worker(round).killed).isTrue();
            }
            assertThat(f.ended("held")).isFalse();
            f.worker(Tuning.MAX_HAND_BACKS + 3).start().answer("at last");
            f.run();
            assertThat(f.result("held")).isEqualTo("at last");
        }
    }

    @Test
    void aWorkerThatStartsATaskOutOfOrderIsKilledAndItsRunningTaskFails() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1");
            FakeTransport.Worker w = f.worker(1).start();
            f.run();
            w.startForged(w.received.get(0) + 1);
            f.run();
            assertThat(f.failure("t1")).isInstanceOf(ResultTransferException.class).hasMessageContaining("broke the protocol");
            assertThat(w.killed).isTrue();
            assertThat(f.events).contains("worker 1 ended PROTOCOL_VIOLATION 137");
        }
    }

    @Test
    void anAnswerForATaskTheWorkerDoesNotRunIsAViolation() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            Submission a = f.submit("a");
            Submission b = f.submit("b");
            FakeTransport.Worker wa = f.workerOf(a).start();
            FakeTransport.Worker wb = f.workerOf(b).start();
            f.run();
            wa.answerForged(wb.received.get(0), "forged"); // answers b, which runs on the other worker
            f.run();
            assertThat(f.failure("a")).isInstanceOf(ResultTransferException.class);
            assertThat(f.ended("b")).isFalse();
            wb.answer("real");
            f.run();
            assertThat(f.result("b")).isEqualTo("real");
        }
    }

    @Test
    void anExceptionOfTheTaskIsItsOutcomeAndTheWorkerGoesOn() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submitAll("t1", "t2");
            f.worker(1).start().fail("java.lang.IllegalStateException", "bad input").start().answer("r2");
            f.run();
            assertThat(f.failure("t1")).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.getRemoteMessage()).isEqualTo("bad input");
            });
            assertThat(f.result("t2")).isEqualTo("r2");
            assertThat(f.worker(1).killed).isFalse();
        }
    }

    @Test
    void aBrokenChannelFailsTheRunningTaskAndTheWorkerIsReplaced() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1");
            f.worker(1).start().breakChannel("garbage on the channel");
            f.run();
            assertThat(f.failure("t1")).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("garbage on the channel");
            assertThat(f.transport.launched).hasSize(2);
        }
    }
}
