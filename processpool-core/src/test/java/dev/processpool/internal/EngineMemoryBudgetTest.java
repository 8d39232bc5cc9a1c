package dev.processpool.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool-wide memory budget against a fake transport: while the workers' resident memory added up is over
 * it, no worker starts and tasks wait (the getter says why); when they use less, or one exits, workers start.
 */
class EngineMemoryBudgetTest {

    private static final long MIB = 1 << 20;

    @Test
    void noWorkerStartsWhileTheWorkersTogetherAreOverTheBudgetAndTasksWait() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(3).memoryBudget(100 * MIB).build())
                .start()) {
            FakeTransport.Worker w1 = f.worker(1);
            w1.rss(60 * MIB).heartbeat();
            f.run();
            f.submitAll("a", "b");
            assertThat(f.transport.launched).as("60 of 100 MiB: a second worker starts").hasSize(2);
            FakeTransport.Worker w2 = f.worker(2);
            w2.rss(50 * MIB).heartbeat();
            f.run();
            f.submitAll("c", "d");
            assertThat(f.transport.launched).as("110 of 100 MiB: no third worker").hasSize(2);
            assertThat(f.engine.numPending()).isEqualTo(2);
            assertThat(f.engine.startHold()).contains("110 MiB").contains("budget of 100 MiB");

            w1.start().answer("ra");
            f.run();
            assertThat(f.result("a")).isEqualTo("ra");
            assertThat(f.engine.startHold()).as("one task still waits for a worker").isNotNull();

            w2.rss(20 * MIB).heartbeat(); // 80 of 100 MiB
            f.run();
            assertThat(f.transport.launched).as("under the budget again: a worker starts").hasSize(3);
            assertThat(f.engine.startHold()).isNull();
        }
    }

    @Test
    void aWorkerThatExitsMakesRoomAndWithoutABudgetNothingIsHeld() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(2).memoryBudget(100 * MIB).build())
                .start()) {
            f.worker(1).rss(150 * MIB).heartbeat();
            f.run();
            f.submitAll("a", "b");
            assertThat(f.transport.launched).hasSize(1);
            f.worker(1).exit(137); // a's worker dies: its memory goes with it
            f.run();
            // its replacement starts; it counts as 150 MiB (the last worker measured) until it is measured
            assertThat(f.transport.launched).hasSize(2);
            f.worker(2).rss(40 * MIB).heartbeat();
            f.run();
            assertThat(f.transport.launched).hasSize(3);
            assertThat(f.engine.startHold()).isNull();
        }
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(2).build()).start()) {
            f.worker(1).rss(150 * MIB).heartbeat();
            f.run();
            f.submitAll("a", "b");
            assertThat(f.transport.launched).hasSize(2);
            assertThat(f.engine.startHold()).isNull();
        }
    }
    @Test
    void aTaskHeldBehindARunningOneStillWaitsForTheBudgetAndTheGetterSaysSo() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(2).memoryBudget(100 * MIB).build())
                .start()) {
            FakeTransport.Worker w1 = f.worker(1);
            w1.rss(150 * MIB).heartbeat();
            f.run();
            f.submitAll("a", "b"); // b may be pipelined to the one worker: it still waits, and the budget is why
            assertThat(f.transport.launched).hasSize(1);
            assertThat(f.engine.numPending()).isEqualTo(1);
            assertThat(f.engine.startHold()).contains("150 MiB").contains("budget of 100 MiB");
            w1.rss(40 * MIB).heartbeat(); // under the budget again: the reason is read afresh
            f.run();
            assertThat(f.engine.startHold()).isNull();
        }
    }
    /**
     * A burst of tasks while the workers are under the budget: one plan used to launch a worker for each waiting
     * task (up to maxSize), each counted at 0 bytes until it was measured, so 60 MiB of workers under a 100 MiB
     * budget became six workers at once. A worker that has not reported its memory yet counts as much as the
     * largest one measured: here one more worker starts, then the budget holds.
     */
    @Test
    void aBurstOfTasksStartsNoMoreWorkersThanTheBudgetHasRoomFor() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(6).memoryBudget(100 * MIB).build())
                .start()) {
            f.worker(1).rss(60 * MIB).heartbeat();
            f.run();
            f.submitAll("a", "b", "c", "d", "e", "f", "g");
            assertThat(f.transport.launched).as("60 MiB + one more like it is over 100 MiB").hasSize(2);
            assertThat(f.engine.startHold()).contains("budget of 100 MiB");

            f.worker(2).rss(30 * MIB).heartbeat(); // measured: 90 of 100 MiB, one more may start
            f.run();
            assertThat(f.transport.launched).hasSize(3);
            f.worker(3).rss(30 * MIB).heartbeat(); // 120 MiB
            f.run();
            assertThat(f.transport.launched).hasSize(3);
        }
    }

    /**
     * The same burst into a pool with no worker yet, so nothing measured: the first worker starts alone; once
     * its launch measure is known, the budget decides how many more. Before, all four started at once.
     */
    @Test
    void aBurstIntoAPoolWithNothingMeasuredYetStartsOneWorkerFirst() {
        FakeEngine f = new FakeEngine(FakeEngine.config().minSize(0).maxSize(4).memoryBudget(50 * MIB).build());
        f.transport.launchRss = 30 * MIB;
        try (f) {
            f.start();
            f.run();
            f.submitAll("a", "b", "c", "d");
            f.run();
            assertThat(f.transport.launched).as("30 MiB, and one more like it is over 50 MiB").hasSize(2);
            assertThat(f.engine.startHold()).contains("budget of 50 MiB");
        }
    }

    @Test
    void aWorkerCountsFromItsLaunchNotFromItsFirstHeartbeat() {
        FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(3).memoryBudget(100 * MIB).build());
        f.transport.launchRss = 150 * MIB;
        try (f) {
            f.start();
            f.run();
            f.submitAll("a", "b", "c"); // no heartbeat yet: the launch's own measure holds the others back
            assertThat(f.transport.launched).hasSize(1);
            assertThat(f.engine.startHold()).contains("150 MiB");
        }
    }
}
