package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.TestTasks;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.transport.LocalJvmTransport;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real worker's heartbeats: at the busy interval until it has waited 2 s for a task, then at the idle
 * interval the WELCOME gave it, and at the busy one again as soon as it has a task. Counted from the
 * channel's last-activity time (a heartbeat is the only frame an idle worker sends).
 */
class IdleHeartbeatTransportTest {

    private WorkerTransport transport;

    @AfterEach
    void close() {
        if (transport != null) {
            transport.killAll();
            transport.close();
        }
    }

    /** The times (ms since {@code t0}) at which the channel's activity moved, sampled every 10 ms for {@code millis}. */
    private static List<Long> activity(WorkerChannel ch, long t0, long millis) {
        List<Long> at = new ArrayList<>();
        long last = ch.lastActivityNanos();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < end) {
            long now = ch.lastActivityNanos();
            if (now != last) {
                at.add(TimeUnit.NANOSECONDS.toMillis(now - t0));
                last = now;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a sampling period, not a wait for anything
        }
        return at;
    }

    @Test
    void anIdleWorkerSendsHeartbeatsAtTheIdleIntervalAndABusyOneAtTheBusyInterval() throws Exception {
        PoolConfig c = PoolConfig.builder().build();
        transport = new LocalJvmTransport(new LocalJvmTransport.Settings(c.getJavaExecutable(), c.getClassPath(),
                c.getJvmOptions(), c.getEnvironment(), c.getWorkingDirectory(), c.getWorkerStartTimeout(),
                c.getMaxFrameBytes(), Duration.ofMillis(100), Duration.ofMillis(1000), c.getWorkerMainClass(), null,
                true, 0, 0, null, 0));
        TransportContract.Recorder r = new TransportContract.Recorder();
        WorkerChannel ch = transport.launch(1, r);
        long t0 = System.nanoTime();

        List<Long> early = activity(ch, t0, 1000);
        assertThat(early).as("heartbeats every 100 ms while the worker has waited less than 2 s: %s", early)
                .hasSizeGreaterThanOrEqualTo(5);

        await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(3500));
        List<Long> idle = activity(ch, t0, 3000);
        assertThat(idle).as("heartbeats every 1 s once it has waited 2 s: %s", idle).hasSizeBetween(1, 5);

        ch.sendTask(1, new TaskPayload(JavaSerialization.serialize(TestTasks.echo()), null,
                TaskPayload.encodeArguments(List.of("x"), Map.of())), true);
        await().atMost(Duration.ofSeconds(30)).until(() -> r.events().size() >= 3);
        List<Long> busyAgain = activity(ch, t0, 1000);
        assertThat(busyAgain).as("every 100 ms again after a task: %s", busyAgain).hasSizeGreaterThanOrEqualTo(5);
        assertThat(ch.isAlive()).isTrue();
    }
}
