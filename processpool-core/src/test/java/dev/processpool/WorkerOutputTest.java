package dev.processpool;

import dev.processpool.WorkerOutputListener.Stream;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Promise 11: task output on stdout/stderr cannot corrupt the protocol and reaches the output listener, tagged. */
class WorkerOutputTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    record Line(long pid, String taskId, Stream stream, String text) {
    }

    @Test
    void printedAndRawFdOutputReachesTheListenerTaggedAndResultsStillArrive() throws Exception {
        Queue<Line> lines = new ConcurrentLinkedQueue<>();
        WorkerOutputListener listener = (pid, taskId, stream, line) -> lines.add(new Line(pid, taskId, stream, line));
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0)
                .outputListener(listener).build())) {
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ProcessTask t = ProcessTask.builder(TestTasks.noisy()).args("M" + i + ":").taskId("noisy-" + i).build();
                pool.queueTask(t);
                tasks.add(t);
            }
            assertThat(pool.processAllResults(LONG)).isTrue();
            for (ProcessTask t : tasks) {
                assertThat(t.exceptionRaised()).as("%s failed: %s", t, t.taskException()).isFalse();
                long pid = (Long) t.taskResults(); // the result arrived intact
                String m = (String) t.getArgs().get(0);
                List<Line> expected = List.of(
                        new Line(pid, t.getTaskID(), Stream.STDOUT, m + " out via System.out"),
                        new Line(pid, t.getTaskID(), Stream.STDERR, m + " err via System.err"),
                        new Line(pid, t.getTaskID(), Stream.STDOUT, m + " partial line completed"),
                        new Line(pid, t.getTaskID(), Stream.STDOUT, m + " raw fd1"),
                        new Line(pid, t.getTaskID(), Stream.STDERR, m + " raw fd2"));
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(lines)
                        .filteredOn(l -> l.text().startsWith(m)).containsAll(expected));
            }
            // The junk bytes arrived as lines too, not as protocol frames.
            assertThat(lines).filteredOn(l -> l.stream() == Stream.STDERR && l.text().contains("\u0000")).hasSize(6);
            // The workers are still the same, healthy processes.
            ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "still fine");
            assertThat(after.future().get(30, TimeUnit.SECONDS)).isEqualTo("still fine");
        }
    }

    @Test
    void aFloodOfOutputDoesNotBlockTheWorkerOrTheResult() throws Exception {
        Queue<Line> lines = new ConcurrentLinkedQueue<>();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .outputListener((pid, taskId, stream, line) -> lines.add(new Line(pid, taskId, stream, line)))
                .build())) {
            int n = 20_000; // ~2 MB, far more than a pipe buffer
            ProcessTask t = ProcessTask.builder(TestTasks.flood()).args(n).taskId("flood").build();
            pool.queueTask(t);
            assertThat(t.future().get(60, TimeUnit.SECONDS)).isEqualTo("flooded");
            await().atMost(LONG).until(() -> lines.size() >= n + n / 10);
            assertThat(lines).filteredOn(l -> l.stream() == Stream.STDOUT).hasSize(n);
            assertThat(lines).filteredOn(l -> l.stream() == Stream.STDERR).hasSize(n / 10);
            assertThat(lines).allMatch(l -> l.text().startsWith("flood"));
            // Each stream keeps its order.
            List<String> out = lines.stream().filter(l -> l.stream() == Stream.STDOUT).map(Line::text).toList();
            assertThat(out.get(0)).startsWith("flood 0 ");
            assertThat(out.get(n - 1)).startsWith("flood " + (n - 1) + " ");
        }
    }
}
