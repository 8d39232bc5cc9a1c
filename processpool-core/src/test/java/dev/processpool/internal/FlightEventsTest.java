package dev.processpool.internal;

import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pool's flight-recorder events, recorded from an engine on the fake transport and read back from the
 * recording's file: what each carries, to the millisecond of the fake clock, and that the engine computes
 * nothing for them while no recording enables them.
 */
class FlightEventsTest {

    private static final List<String> NAMES = List.of("dev.processpool.TaskExecuted", "dev.processpool.WorkerStarted",
            "dev.processpool.WorkerEnded", "dev.processpool.TimeoutFired");

    private static Recording recording(List<String> enabled) {
        Recording r = new Recording();
        enabled.forEach(name -> r.enable(name).withoutStackTrace());
        r.start();
        return r;
    }

    private static List<RecordedEvent> stop(Recording r, Path file) throws IOException {
        r.stop();
        r.dump(file);
        r.close();
        return RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("dev.processpool.")).toList();
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals("dev.processpool." + name)).toList();
    }

    @Test
    void aTimedOutTaskAndItsKilledWorkerAreRecordedWithTheirTimesCauseAndSignal(@TempDir Path dir) throws IOException {
        List<RecordedEvent> events;
        Recording r = recording(NAMES);
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build())) {
            f.engine.start();
            f.advance(40);
            f.submit("t1", 1_000, 0);
            f.submit("t2");
            f.advance(300); // t1 waits for its worker, which starts 340 ms after its launch
            f.worker(1).start();
            f.run();
            f.advance(1_000); // t1's timeout: the worker is killed, t2 runs on its replacement
            f.worker(2).start().answer("r2");
            f.run();
            assertThat(f.result("t2")).isEqualTo("r2");
        } finally {
            events = stop(r, dir.resolve("fake.jfr"));
        }
        RecordedEvent timedOut = named(events, "TaskExecuted").stream()
                .filter(e -> "t1".equals(e.getString("taskId"))).findFirst().orElseThrow();
        assertThat(timedOut.getString("pool")).isEqualTo("fake");
        assertThat(timedOut.getString("outcome")).isEqualTo("TIMED_OUT");
        assertThat(timedOut.getLong("workerPid")).isEqualTo(40001);
        assertThat(timedOut.getDuration("queueWait")).isEqualTo(Duration.ofMillis(300));
        assertThat(timedOut.getDuration("runTime")).isEqualTo(Duration.ofMillis(1_000));
        RecordedEvent succeeded = named(events, "TaskExecuted").stream()
                .filter(e -> "t2".equals(e.getString("taskId"))).findFirst().orElseThrow();
        assertThat(succeeded.getString("outcome")).isEqualTo("SUCCEEDED");
        assertThat(succeeded.getLong("workerPid")).isEqualTo(40002);
        assertThat(succeeded.getDuration("queueWait")).as("queued at 40 ms, started at 1340 ms")
                .isEqualTo(Duration.ofMillis(1_300));

        assertThat(named(events, "TimeoutFired")).singleElement().satisfies(e -> {
            assertThat(e.getString("kind")).isEqualTo("TASK");
            assertThat(e.getString("taskId")).isEqualTo("t1");
            assertThat(e.getLong("workerPid")).isEqualTo(40001);
        });
        assertThat(named(events, "WorkerStarted")).extracting(e -> e.getLong("pid"), e -> e.getDuration("startupTime"))
                .as("the fake transport's workers start the moment they are launched")
                .containsExactly(org.assertj.core.groups.Tuple.tuple(40001L, Duration.ZERO),
                        org.assertj.core.groups.Tuple.tuple(40002L, Duration.ZERO));
        RecordedEvent killed = named(events, "WorkerEnded").stream().filter(e -> e.getLong("pid") == 40001)
                .findFirst().orElseThrow();
        assertThat(killed.getLong("pid")).isEqualTo(40001);
        assertThat(killed.getString("cause")).isEqualTo("TIMEOUT");
        assertThat(killed.getBoolean("byPool")).isTrue();
        assertThat(killed.getInt("exitCode")).isEqualTo(137);
        assertThat(killed.getInt("signal")).isEqualTo(9);
        assertThat(events).allSatisfy(e -> assertThat(e.getStackTrace()).isNull());
    }

    @Test
    void whileNoRecordingEnablesThePoolsEventsTheEngineComputesNone(@TempDir Path dir) throws IOException {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(0).maxSize(1).build())) {
            PoolEngine quiet = new PoolEngine("quiet", FakeEngine.config().minSize(0).build(), f.transport, f.clock,
                    new ResultDelivery(f.clock::nanoTime), getClass().getClassLoader(), EngineListener.NONE);
            try {
                assertThat(Events.JFR).as("jdk.jfr is readable on the test class path").isTrue();
                assertThat(quiet.events.on()).isFalse();
                // like any event type, ours are on in every recording whose settings do not turn them off
                Recording other = recording(List.of("jdk.JavaMonitorEnter"));
                NAMES.forEach(other::disable);
                try {
                    assertThat(quiet.events.on()).as("a recording that turns ours off").isFalse();
                } finally {
                    stop(other, dir.resolve("other.jfr"));
                }
                Recording ours = recording(List.of("jdk.JavaMonitorEnter"));
                NAMES.stream().skip(1).forEach(ours::disable);
                try {
                    assertThat(quiet.events.on()).as("a recording that takes one of ours").isTrue();
                } finally {
                    stop(ours, dir.resolve("ours.jfr"));
                }
                assertThat(quiet.events.on()).as("after it stopped").isFalse();
            } finally {
                quiet.terminate();
            }
        }
    }

    /**
     * What users' recordings, JMC and the README name: each type's name and label, and its fields' names, labels
     * and order (after the recorder's own four), as they were when the events first shipped.
     */
    @Test
    void theEventTypesKeepTheirNamesLabelsAndFieldsInOrder() {
        assertThat(describe(FlightEvents.TaskExecuted.class)).isEqualTo("dev.processpool.TaskExecuted (Task Executed):"
                + " pool=Pool taskId=Task Id workerPid=Worker PID queueWait=Queue Wait runTime=Run Time outcome=Outcome");
        assertThat(describe(FlightEvents.WorkerStarted.class)).isEqualTo("dev.processpool.WorkerStarted (Worker Started):"
                + " pool=Pool worker=Worker pid=PID startupTime=Start-up Time");
        assertThat(describe(FlightEvents.WorkerEnded.class)).isEqualTo("dev.processpool.WorkerEnded (Worker Ended):"
                + " pool=Pool worker=Worker pid=PID cause=Cause byPool=By Pool exitCode=Exit Code signal=Signal");
        assertThat(describe(FlightEvents.TimeoutFired.class)).isEqualTo("dev.processpool.TimeoutFired (Timeout Fired):"
                + " pool=Pool kind=Kind taskId=Task Id workerPid=Worker PID");
    }

    private static String describe(Class<? extends jdk.jfr.Event> event) {
        EventType t = EventType.getEventType(event);
        List<ValueDescriptor> fields = t.getFields();
        assertThat(fields).extracting(ValueDescriptor::getName)
                .startsWith("startTime", "duration", "eventThread", "stackTrace");
        return t.getName() + " (" + t.getLabel() + "): " + fields.stream().skip(4)
                .map(f -> f.getName() + "=" + f.getLabel()).collect(Collectors.joining(" "));
    }
}
