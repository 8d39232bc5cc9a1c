package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Progress with a payload, end to end: what the task reports reaches its listener in the parent. */
class ProgressReportTest {

    @Test
    void theTasksReportsReachItsListenerInOrderAndTheLastOneAlways() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            List<String> heard = new CopyOnWriteArrayList<>();
            List<Double> fractions = new CopyOnWriteArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            ProcessTask t = ProcessTask.builder(TestTasks.reportSteps()).args(30)
                    .progressTimeout(Duration.ofMillis(500)) // the reports keep it alive
                    .progressListener((task, fraction, message) -> {
                        heard.add(message);
                        fractions.add(fraction);
                        threads.add(Thread.currentThread().getName());
                        if (message.equals("step 1 of 30")) {
                            throw new IllegalStateException("a listener that throws changes nothing");
                        }
                    }).build();
            pool.queueTask(t);
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            assertThat(t.taskResults()).isEqualTo(30);
            await().atMost(Duration.ofSeconds(10)).until(() -> heard.contains("done"));
            assertThat(heard.get(heard.size() - 1)).isEqualTo("done");
            assertThat(fractions).isSorted().last().isEqualTo(1.0);
            assertThat(heard).hasSizeGreaterThan(5).first().isEqualTo("step 0 of 30");
            assertThat(threads).allMatch(n -> n.endsWith("-progress"));
        }
    }

    @Test
    void aFractionOutsideZeroToOneIsRefusedInTheTaskAndOutsideAWorkerNothingHappens() {
        assertThatThrownBy(() -> TaskContext.reportProgress(1.5, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("between 0 and 1, was 1.5");
        assertThatThrownBy(() -> TaskContext.reportProgress(Double.NaN, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        TaskContext.reportProgress(0.5, null); // not in a worker: nothing
    }
}
