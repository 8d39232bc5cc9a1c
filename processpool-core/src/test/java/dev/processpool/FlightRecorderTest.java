package dev.processpool;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool's flight-recorder events from a real worker, recorded and read back: a task that returns and one that
 * throws, the worker's start with its start-up time, and its end at shutdown. (What each event carries, to the
 * millisecond, a killed worker's cause and signal and a timeout among them, is tested against the fake transport
 * in {@code internal.FlightEventsTest}.)
 */
class FlightRecorderTest {

    @Test
    void aRecordingOfARealPoolHoldsItsTasksAndWorkersFromStartToShutdown(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pool.jfr");
        long firstPid;
        try (Recording r = new Recording()) {
            r.enable("dev.processpool.TaskExecuted");
            r.enable("dev.processpool.WorkerStarted");
            r.enable("dev.processpool.WorkerEnded");
            r.start();
            try (ProcessPool pool = new ProcessPool(PoolConfig.builder().name("jfr-pool").minSize(1).maxSize(1).build())) {
                ProcessTask echo = ProcessTask.builder(TestTasks.echo()).args("hello").taskId("echo").build();
                pool.queueTask(echo);
                assertThat(echo.future().get(60, TimeUnit.SECONDS)).isEqualTo("hello");
                firstPid = pool.getWorkers().get(0).pid();
                ProcessTask fails = ProcessTask.builder(TestTasks.thrower()).args("no").taskId("fails").build();
                pool.queueTask(fails);
                assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
                assertThat(fails.taskException()).isInstanceOf(TaskExecutionException.class);
            }
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> "jfr-pool".equals(e.getString("pool"))).toList();
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.processpool.TaskExecuted"))
                .extracting(e -> e.getString("taskId"), e -> e.getString("outcome"), e -> e.getLong("workerPid"))
                .as("a recording's file keeps each thread's order, not the order across threads")
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("echo", "SUCCEEDED", firstPid),
                        org.assertj.core.groups.Tuple.tuple("fails", "FAILED", firstPid));
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.processpool.TaskExecuted"))
                .allSatisfy(e -> {
                    assertThat(e.getDuration("runTime")).isPositive();
                    assertThat(e.getDuration("queueWait")).isGreaterThanOrEqualTo(Duration.ZERO);
                });
        List<RecordedEvent> started = events.stream()
                .filter(e -> e.getEventType().getName().equals("dev.processpool.WorkerStarted")).toList();
        assertThat(started).singleElement().satisfies(e -> {
            assertThat(e.getLong("pid")).isEqualTo(firstPid);
            assertThat(e.getDuration("startupTime")).isPositive();
        });
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("dev.processpool.WorkerEnded"))
                .extracting(e -> e.getLong("pid"), e -> e.getString("cause"), e -> e.getBoolean("byPool"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(firstPid, "SHUTDOWN", true));
    }
}
