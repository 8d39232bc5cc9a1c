package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Soft timeout, then hard, with a real worker: at the soft deadline the task is interrupted and may stop;
 * at the hard one its worker is killed; the outcome says which deadline ended it.
 */
class SoftTimeoutTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);

    @Test
    void theSoftDeadlineInterruptsTheTaskWhichStopsOrThrowsAndTheWorkerLivesOn() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask stops = ProcessTask.builder(TestTasks.stopAtSoftTimeout())
                    .softTimeout(Duration.ofMillis(300)).timeout(Duration.ofSeconds(30)).build();
            ProcessTask throwsOnInterrupt = ProcessTask.builder(TestTasks.sleepForever())
                    .softTimeout(Duration.ofMillis(200)).timeout(Duration.ofSeconds(30)).build();
            ProcessTask next = ProcessTask.builder(TestTasks.startsClean()).build();
            pool.queueTask(stops);
            pool.queueTask(throwsOnInterrupt);
            pool.queueTask(next);
            assertThat(pool.processAllResults(AWAIT)).isTrue();

            assertThat(stops.taskResults()).isEqualTo("stopped after some steps, soft timeout reached: true");
            assertThat(stops.getRunTime()).isGreaterThanOrEqualTo(Duration.ofMillis(300))
                    .isLessThan(Duration.ofSeconds(30));
            assertThat(throwsOnInterrupt.taskException()).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.isSoftTimeout()).isTrue();
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(200));
                assertThat(e.getCause()).isInstanceOf(InterruptedException.class);
                assertThat(e.getMessage()).contains("stopped at its soft timeout of 200 ms");
            });
            assertThat(next.taskResults()).as("the next task starts neither interrupted nor past a soft timeout")
                    .isEqualTo(true);
            assertThat(next.getWorkerPid()).as("one worker ran all three").isEqualTo(stops.getWorkerPid())
                    .isEqualTo(throwsOnInterrupt.getWorkerPid());
        }
    }

    @Test
    void aTaskThatIgnoresTheSoftDeadlineIsKilledAtTheHardOneAndTheOutcomeSaysSo() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask t = ProcessTask.builder(TestTasks.busyLoopForever())
                    .softTimeout(Duration.ofMillis(200)).timeout(Duration.ofMillis(800)).build();
            pool.queueTask(t);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(t.taskException()).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                assertThat(e.isSoftTimeout()).isFalse();
                assertThat(e.getTimeout()).isEqualTo(Duration.ofMillis(800));
                assertThat(e.getMessage()).contains("its hard timeout: the soft timeout of 200 ms did not stop it");
            });
        }
    }

    @Test
    void aSoftTimeoutMustBeShorterThanTheTimeout() {
        assertThatThrownBy(() -> ProcessTask.builder(TestTasks.noop()).softTimeout(Duration.ofSeconds(2))
                .timeout(Duration.ofSeconds(2)).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("softTimeout (2000 ms) must be shorter than the timeout (2000 ms)");
    }
}
