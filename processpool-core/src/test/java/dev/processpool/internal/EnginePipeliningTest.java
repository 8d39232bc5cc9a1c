package dev.processpool.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pipelining and reclaim against a fake transport and a manual clock: a worker whose tasks are short (under
 * {@value Tuning#PIPELINE_TASK_MILLIS} ms on average) holds up to {@code pipelineDepth} of them, topped up when
 * down to half; none are added behind a task that has run that long; a worker whose running task has run
 * {@value Tuning#RECLAIM_AFTER_MILLIS} ms is asked for the others back, and they run elsewhere, in order.
 */
class EnginePipeliningTest {

    private static FakeEngine pool(int workers, int depth) {
        return new FakeEngine(FakeEngine.config().minSize(1).maxSize(workers).pipelineDepth(depth).build()).start();
    }

    /** The worker runs its next task for {@code millis} and answers it. */
    private static void runFor(FakeEngine f, FakeTransport.Worker w, long millis, Object answer) {
        w.start();
        f.run();
        f.advance(millis);
        w.answer(answer);
        f.run();
    }

    @Test
    void aWorkerWithShortTasksHoldsUpToTheDepthAndIsToppedUpAtHalf() {
        try (FakeEngine f = pool(1, 4)) {
            for (int i = 1; i <= 7; i++) {
                f.submit("t" + i);
            }
            FakeTransport.Worker w = f.worker(1);
            assertThat(w.received).as("no pipelining before a run time is known").hasSize(1);
            runFor(f, w, 1, "r1");
            // 1 ms on average: it now holds t2..t5, sent together
            assertThat(w.received).hasSize(5);
            assertThat(f.engine.numPending()).as("held tasks still wait").isEqualTo(5);
            runFor(f, w, 1, "r2");
            assertThat(w.received).as("it holds three: more than half, no top-up").hasSize(5);
            runFor(f, w, 1, "r3");
            assertThat(w.received).as("down to two: topped up to four").hasSize(7);
            for (int i = 4; i <= 7; i++) {
                runFor(f, w, 1, "r" + i);
            }
            assertThat(f.events("started")).extracting(e -> e.split(" ")[1])
                    .containsExactly("t1", "t2", "t3", "t4", "t5", "t6", "t7");
            for (int i = 1; i <= 7; i++) {
                assertThat(f.result("t" + i)).isEqualTo("r" + i);
            }
        }
    }

    @Test
    void noTaskIsAddedBehindOneThatHasRunForThePipeliningThreshold() {
        try (FakeEngine f = pool(1, 4)) {
            f.submit("t1");
            FakeTransport.Worker w = f.worker(1);
            runFor(f, w, 1, "r1");
            f.submit("t2");
            w.start();
            f.run();
            f.advance(Tuning.PIPELINE_TASK_MILLIS);
            f.submit("t3");
            assertThat(w.received).as("t3 waits in the queue, not behind t2").hasSize(2);
            f.advance(1);
            w.answer("r2");
            f.run();
            assertThat(w.received).hasSize(3);
        }
    }

    @Test
    void aWorkerWhoseTaskRunsLongGivesBackWhatItHoldsAndItRunsElsewhereInOrder() {
        try (FakeEngine f = pool(2, 4)) {
            FakeTransport.Worker w1 = f.worker(1);
            f.submit("t1");
            runFor(f, w1, 1, "r1");
            f.submitAll("t2", "t3", "t4");
            // t2 went to the idle worker with t3 and t4 behind it; a second worker was started for t3 and is idle
            assertThat(w1.received).hasSize(4);
            assertThat(f.transport.launched).hasSize(2);
            assertThat(f.engine.numIdle()).isEqualTo(1);
            w1.start();
            f.run();
            f.advance(Tuning.RECLAIM_AFTER_MILLIS - 1);
            assertThat(w1.reclaims).isZero();
            f.advance(Tuning.RECLAIM_SWEEP_MILLIS);
            assertThat(w1.reclaims).isEqualTo(1);
            // given back, they are queued again, at the head, and the idle worker takes the first
            FakeTransport.Worker w2 = f.worker(2);
            assertThat(w2.received).hasSize(1);
            for (int i = 3; i <= 4; i++) {
                runFor(f, w2, 1, "r" + i);
            }
            w1.answer("r2");
            f.run();
            assertThat(f.events("started")).extracting(e -> e.split(" ")[1] + "@" + e.split(" ")[3])
                    .containsExactly("t1@40001", "t2@40001", "t3@40002", "t4@40002");
            assertThat(f.events("ended")).hasSize(4).allMatch(e -> e.contains("SUCCEEDED"));
            assertThat(w1.reclaims).as("one reclaim per long task").isEqualTo(1);
        }
    }

    @Test
    void maxTasksPerWorkerBoundsWhatAWorkerIsGiven() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).pipelineDepth(8)
                .maxTasksPerWorker(3).build()).start()) {
            f.submit("t1");
            FakeTransport.Worker w = f.worker(1);
            runFor(f, w, 1, "r1");
            for (int i = 2; i <= 6; i++) {
                f.submit("t" + i);
            }
            assertThat(w.received).as("its last two tasks, no more").hasSize(3);
        }
    }
}
