package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.TaskFunction;
import dev.processpool.TestTasks;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.transport.LocalJvmTransport;
import dev.processpool.transport.WorkerTransport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/** The transport contract, against the real transport: worker JVMs. */
class LocalJvmTransportContractTest extends TransportContract {

    private static TaskPayload payload(TaskFunction function, Object... args) throws IOException {
        return new TaskPayload(JavaSerialization.serialize(function), null,
                TaskPayload.encodeArguments(List.of(args), Map.of()));
    }

    @Override
    protected TaskPayload returning(Object value) throws IOException {
        return payload(TestTasks.echo(), value);
    }

    @Override
    protected TaskPayload throwing(String message) throws IOException {
        return payload(TestTasks.thrower(), message);
    }

    @Override
    protected TaskPayload runningOn() throws IOException {
        return payload(TestTasks.sleepForever());
    }

    @Override
    protected WorkerTransport transport() throws IOException {
        PoolConfig c = PoolConfig.builder().build();
        return new LocalJvmTransport(new LocalJvmTransport.Settings(c.getJavaExecutable(), c.getClassPath(),
                c.getJvmOptions(), c.getEnvironment(), c.getWorkingDirectory(), c.getWorkerStartTimeout(),
                c.getMaxFrameBytes(), c.getHeartbeatInterval(), c.getWorkerMainClass(), null));
    }

    @Override
    protected void awaitEvents(Recorder recorder, int n) {
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.events().size() >= n);
    }
}
