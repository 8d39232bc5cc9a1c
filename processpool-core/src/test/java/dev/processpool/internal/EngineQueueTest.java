package dev.processpool.internal;

import org.junit.jupiter.api.Test;

import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Queueing against a fake transport: order, the bound, and what a shutting-down pool accepts. */
class EngineQueueTest {

    @Test
    void tasksRunInTheOrderTheyWereQueued() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            for (int i = 1; i <= 4; i++) {
                f.submit("t" + i);
            }
            for (int i = 1; i <= 4; i++) {
                f.worker(1).start().answer(i);
                f.run();
            }
            assertThat(f.events("started")).extracting(e -> e.split(" ")[1]).containsExactly("t1", "t2", "t3", "t4");
            for (int i = 1; i <= 4; i++) {
                assertThat(f.result("t" + i)).isEqualTo(i);
            }
        }
    }

    @Test
    void aFullQueueRefusesANonBlockingTaskUntilASlotFrees() throws Exception {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).maxQueuedRequests(2).build())
                .start()) {
            f.submit("t1"); // given to the worker: running ones do not count
            assertThat(f.offer("t2")).isTrue();
            assertThat(f.offer("t3")).isTrue();
            assertThat(f.engine.isFull()).isTrue();
            assertThat(f.engine.numPending()).isEqualTo(2);
            assertThat(f.offer("t4")).as("the queue holds two").isFalse();
            assertThat(f.events("queued")).hasSize(3);

            f.worker(1).start().answer("r1");
            f.run();
            assertThat(f.engine.isFull()).isFalse();
            assertThat(f.offer("t4")).isTrue();
            assertThat(f.engine.numPending()).isEqualTo(2);
        }
    }

    @Test
    void aCancelledWaitingTaskFreesItsSlot() throws Exception {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).maxQueuedRequests(1).build())
                .start()) {
            f.submit("t1");
            Submission waiting = f.submit("t2");
            assertThat(f.offer("t3")).isFalse();
            assertThat(f.engine.cancel(waiting, "test")).isTrue();
            assertThat(f.offer("t3")).isTrue();
            assertThat(f.failure("t2")).isInstanceOfSatisfying(dev.processpool.TaskCancelledException.class,
                    c -> assertThat(c.getWorkerPid()).isEqualTo(-1));
            assertThat(f.worker(1).received).hasSize(1);
        }
    }

    @Test
    void aPoolThatShutsDownRunsWhatIsQueuedAndAcceptsNoMore() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.submit("t1");
            f.submit("t2");
            f.engine.beginShutdown();
            assertThatThrownBy(() -> f.offer("t3")).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("shutting down");
            f.worker(1).start().answer("r1").start().answer("r2");
            f.run();
            assertThat(f.result("t1")).isEqualTo("r1");
            assertThat(f.result("t2")).isEqualTo("r2");
            assertThat(f.events("queued")).hasSize(2);
        }
    }

    @Test
    void aPausedPoolKeepsItsTasksQueuedUntilItResumes() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            f.engine.pause();
            f.submit("t1");
            assertThat(f.worker(1).received).isEmpty();
            assertThat(f.engine.numPending()).isEqualTo(1);
            assertThat(f.engine.resume()).isTrue();
            f.run();
            assertThat(f.worker(1).received).hasSize(1);
        }
    }
}
