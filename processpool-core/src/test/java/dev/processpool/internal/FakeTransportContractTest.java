package dev.processpool.internal;

import dev.processpool.protocol.TaskPayload;
import dev.processpool.transport.WorkerTransport;

import java.util.IdentityHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The transport contract, against the fake transport of the engine's tests: its workers start what they are
 * sent as soon as they are free and answer as each payload says; events are delivered at once.
 */
class FakeTransportContractTest extends TransportContract {

    private final Map<TaskPayload, Object> answers = new IdentityHashMap<>();

    private TaskPayload task(Object answer) {
        TaskPayload p = FakeTransport.payload();
        answers.put(p, answer);
        return p;
    }

    @Override
    protected TaskPayload returning(Object value) {
        return task(value);
    }

    @Override
    protected TaskPayload throwing(String message) {
        return task(new IllegalStateException(message));
    }

    @Override
    protected TaskPayload runningOn() {
        return task(FakeTransport.RUNS_ON);
    }

    @Override
    protected WorkerTransport transport() {
        FakeTransport t = new FakeTransport(Runnable::run, System::nanoTime);
        t.autoStart = true;
        t.answerOf = answers::get;
        return t;
    }

    @Override
    protected void awaitEvents(Recorder recorder, int n) {
        assertThat(recorder.events()).hasSizeGreaterThanOrEqualTo(n);
    }
}
