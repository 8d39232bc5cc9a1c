package dev.processpool;

import dev.processpool.WorkerOutputListener.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * One thread reads every worker's channel, and one drains every worker's pipes. A worker that stalls in the
 * middle of a frame, or floods the channel, must not hold up the other workers' frames or deadlines; many
 * workers printing at once keep every line tagged with the task that printed it; a worker that fills its
 * native stdout pipe is drained and never blocked for good.
 */
class SharedReaderTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    static TaskFunction sleepLong() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            return null;
        };
    }

    /**
     * While the first worker stalls in the middle of a RESULT frame (its turn waits for bytes that never come;
     * its heartbeats stop, but the unresponsive timeout is a minute) or floods the channel with frames,
     * the other workers' tasks complete and their deadlines fire: each timed-out task's outcome comes well
     * before the hostile worker is dealt with.
     */
    @ParameterizedTest
    @ValueSource(strings = {"truncated-stall", "flood-frames"})
    void aHostileWorkerDoesNotHoldUpTheOthers(String mode) throws Exception {
        Path modes = tmp.resolve("modes");
        Files.write(modes, List.of(mode), StandardCharsets.UTF_8);
        PoolConfig config = PoolConfig.builder().minSize(3).maxSize(3).maxQueuedRequests(0)
                .workerMainClass("dev.processpool.HostileWorkerMain")
                .environment(HostileWorkerMain.MODE_FILE_ENV, modes.toString())
                .heartbeatInterval(Duration.ofMillis(500)).unresponsiveTimeout(Duration.ofMinutes(1))
                .outputListener((pid, taskId, stream, line) -> { })
                .build();
        try (ProcessPool pool = new ProcessPool(config)) {
            assertThat(pool.awaitReady(AWAIT)).isTrue();
            // one task per worker: the hostile one acts on its first
            List<ProcessTask> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(pool.createAndQueueTask(TestTasks.sleepThenReturn(), 300L));
            }
            Path log = tmp.resolve("modes.log");
            await().atMost(AWAIT).until(() -> Files.exists(log)
                    && Files.readString(log).contains(" acted " + mode));
            // the honest workers answer many tasks meanwhile
            List<ProcessTask> quick = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                quick.add(pool.createAndQueueTask(TestTasks.echo(), i));
            }
            for (int i = 0; i < quick.size(); i++) {
                assertThat(quick.get(i).future().get(AWAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i);
            }
            // and deadlines fire on time: the outcome is known within seconds, not after the minute it
            // takes to find the hostile worker unresponsive
            List<ProcessTask> timed = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ProcessTask t = ProcessTask.builder(sleepLong()).args(30_000L).timeout(Duration.ofMillis(300)).build();
                pool.queueTask(t);
                timed.add(t);
            }
            for (ProcessTask t : timed) {
                Throwable thrown = catchThrowable(() -> t.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
                assertThat(thrown).isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TaskTimeoutException.class);
                assertThat(t.getRunTime()).isLessThan(Duration.ofSeconds(10));
            }
            long answered = first.stream().filter(t -> t.future().isDone()).count();
            assertThat(answered).as("the two honest workers answered their first task").isEqualTo(2);
            // the hostile worker's task never ends by itself: the pool kills it at once
            pool.shutdown(Duration.ZERO);
        }
    }

    static TaskFunction tagged() {
        return (args, kwargs) -> {
            String id = (String) args.get(0);
            FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            for (int i = 0; i < 20; i++) {
                System.out.println(id + " out " + i);
                if (i % 4 == 0) {
                    System.err.println(id + " err " + i);
                }
                if (i % 5 == 0) {
                    Thread.yield();
                }
            }
            System.out.print(id + " partial ");
            System.out.println("line");
            fd1.write((id + " raw\n").getBytes(StandardCharsets.UTF_8));
            fd1.flush();
            return id;
        };
    }

    record Line(String taskId, Stream stream, String text) {
    }

    /**
     * 24 workers (twelve per core here) print at once, through System.out, System.err and fd 1: every line
     * reaches the listener with the id of the task that printed it. (The bench's w10 runs 64.)
     */
    @Test
    void outputOfManyWorkersAtOnceStaysTaggedToItsTask() throws Exception {
        Queue<Line> lines = new ConcurrentLinkedQueue<>();
        int workers = 24;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(workers).maxSize(workers)
                .maxQueuedRequests(0).outputListener((pid, taskId, stream, line) -> lines.add(new Line(taskId, stream, line)))
                .build())) {
            assertThat(pool.awaitReady(Duration.ofMinutes(2))).isTrue();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 2 * workers; i++) {
                ProcessTask t = ProcessTask.builder(tagged()).args("t" + i).taskId("t" + i).build();
                pool.queueTask(t);
                tasks.add(t);
            }
            assertThat(pool.processAllResults(Duration.ofMinutes(2))).isTrue();
            for (ProcessTask t : tasks) {
                assertThat(t.taskResults()).as("%s", t.taskException()).isEqualTo(t.getTaskID());
            }
            int perTask = 20 + 5 + 1 + 1;
            await().atMost(AWAIT).until(() -> lines.size() >= perTask * tasks.size());
            assertThat(lines).hasSize(perTask * tasks.size());
            for (Line l : lines) {
                String owner = l.text().substring(0, l.text().indexOf(' '));
                assertThat(l.taskId()).as("tag of %s", l).isEqualTo(owner);
                assertThat(l.stream()).as("stream of %s", l).isEqualTo(l.text().contains(" err ") ? Stream.STDERR
                        : Stream.STDOUT);
            }
            assertThat(lines).filteredOn(l -> l.text().endsWith(" partial line")).hasSize(tasks.size());
        }
    }

    static TaskFunction fillNativeStdout() {
        return (args, kwargs) -> {
            int n = (Integer) args.get(0);
            FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            byte[] filler = "y".repeat(90).getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < n; i++) {
                fd1.write(("raw " + i + " ").getBytes(StandardCharsets.UTF_8));
                fd1.write(filler);
                fd1.write('\n');
            }
            return "filled";
        };
    }

    /** 4 MB written straight to fd 1 (a pipe holds 64 KiB): the task ends, and every line arrives, in order. */
    @Test
    void aWorkerThatFillsItsNativeStdoutPipeIsNeverBlockedForGood() throws Exception {
        Queue<String> lines = new ConcurrentLinkedQueue<>();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .outputListener((pid, taskId, stream, line) -> {
                    if (stream == Stream.STDOUT) {
                        lines.add(line);
                    }
                }).build())) {
            int n = 40_000;
            ProcessTask t = pool.createAndQueueTask(fillNativeStdout(), n);
            assertThat(t.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("filled");
            await().atMost(AWAIT).until(() -> lines.size() >= n);
            List<String> got = new ArrayList<>(lines);
            assertThat(got).hasSize(n);
            for (int i = 0; i < n; i += 997) {
                assertThat(got.get(i)).startsWith("raw " + i + " ");
            }
        }
    }
}
