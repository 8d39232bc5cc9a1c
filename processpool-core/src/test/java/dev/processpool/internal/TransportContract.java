package dev.processpool.internal;

import dev.processpool.WorkerOutputListener;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.ValueCodec;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerEvents;
import dev.processpool.transport.WorkerTransport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the engine relies on from a transport, checked against the real one (child JVMs) and the fake one the
 * engine's tests script, so that the two cannot drift apart: a launched worker has a pid and reports nothing
 * before it gets a task; it runs the tasks it is sent one at a time, in order, each reported STARTED, then
 * its answer's header (with the body's size) before the answer itself, a value or an error; a withdrawn task
 * it has not started never starts; a reclaim gives back, in order, what it holds unstarted; asked to stop it
 * exits with 0, killed with 137; its exit is reported once, last; every frame is a sign of life.
 */
abstract class TransportContract {

    /** A task that returns {@code value}. */
    protected abstract TaskPayload returning(Object value) throws IOException;

    /** A task that throws an IllegalStateException with this message. */
    protected abstract TaskPayload throwing(String message) throws IOException;

    /** A task that runs until its worker is killed. */
    protected abstract TaskPayload runningOn() throws IOException;

    /** A new transport (closed after the test). */
    protected abstract WorkerTransport transport() throws IOException;

    /** Waits until the recorder holds {@code n} events (the real one: a while; the fake one: at once). */
    protected abstract void awaitEvents(Recorder recorder, int n);

    private WorkerTransport transport;

    @BeforeEach
    void open() throws IOException {
        transport = transport();
    }

    @AfterEach
    void close() {
        transport.killAll();
        transport.close();
    }

    /** The events a worker reported, one line each (heartbeats and output left out: their timing is free). */
    static final class Recorder implements WorkerEvents {
        final List<String> events = new ArrayList<>();
        final List<Integer> announcedBytes = new ArrayList<>();
        final List<Integer> bodyBytes = new ArrayList<>();

        synchronized List<String> events() {
            return List.copyOf(events);
        }

        private synchronized void add(String e) {
            events.add(e);
        }

        @Override
        public void taskStarted(long sequence) {
            add("started " + sequence);
        }

        @Override
        public void taskProgress(long sequence) {
            add("progress " + sequence);
        }

        @Override
        public void heartbeat() {
        }

        @Override
        public synchronized boolean answerArriving(byte type, long sequence, int valueBytes) {
            announcedBytes.add(valueBytes);
            add("arriving " + Protocol.frameName(type) + " " + sequence);
            return true;
        }

        @Override
        public void answer(Frame frame) {
            String text;
            try {
                if (frame.type() == Protocol.FRAME_RESULT) {
                    text = String.valueOf(ValueCodec.decodeResult(frame, getClass().getClassLoader(), null));
                } else {
                    var in = frame.fields();
                    in.skipNBytes(8);
                    RemoteFailure f = RemoteFailure.decode(in);
                    text = f.levels().get(0).type() + ": " + f.levels().get(0).message();
                }
                synchronized (this) {
                    bodyBytes.add(frame.body().length - 8);
                }
                add("answer " + Protocol.frameName(frame.type()) + " " + frame.sequence() + " " + text);
            } catch (Exception e) {
                add("unreadable answer " + e);
            }
        }

        @Override
        public void tasksGivenBack(long[] sequences) {
            add("gave back " + java.util.Arrays.toString(sequences));
        }

        @Override
        public void channelBroken(String reason) {
            add("broken " + reason);
        }

        @Override
        public void output(WorkerOutputListener.Stream stream, String line, long sequence) {
        }

        @Override
        public void exited(int exitCode, List<String> stderrTail) {
            add("exited " + exitCode);
        }
    }

    @Test
    void aWorkerRunsItsTasksOneAtATimeInOrderAndAnswersEachAfterItsHeader() throws Exception {
        Recorder r = new Recorder();
        WorkerChannel ch = transport.launch(1, r);
        assertThat(ch.pid()).isPositive();
        assertThat(ch.isAlive()).isTrue();
        assertThat(r.events()).as("nothing before a task").isEmpty();
        long before = ch.lastActivityNanos();

        ch.sendTask(1001, returning("forty-two"), true);
        awaitEvents(r, 3);
        assertThat(r.events()).containsExactly("started 1001", "arriving RESULT 1001", "answer RESULT 1001 forty-two");
        assertThat(r.announcedBytes).isEqualTo(r.bodyBytes);
        assertThat(ch.lastActivityNanos()).as("a frame is a sign of life").isGreaterThan(before);

        ch.sendTask(1002, throwing("bad input"), true);
        awaitEvents(r, 6);
        assertThat(r.events()).endsWith("started 1002", "arriving ERROR 1002",
                "answer ERROR 1002 java.lang.IllegalStateException: bad input");

        ch.sendTask(1003, returning(1), false);
        ch.sendTask(1004, returning(2), false);
        ch.sendTask(1005, returning(3), true);
        awaitEvents(r, 15);
        assertThat(r.events().subList(6, 15)).containsExactly(
                "started 1003", "arriving RESULT 1003", "answer RESULT 1003 1",
                "started 1004", "arriving RESULT 1004", "answer RESULT 1004 2",
                "started 1005", "arriving RESULT 1005", "answer RESULT 1005 3");
        assertThat(r.announcedBytes).isEqualTo(r.bodyBytes);
    }

    @Test
    void aWithdrawnTaskNeverStartsAReclaimGivesBackWhatIsHeldAndAKilledWorkerExitsLast() throws Exception {
        Recorder r = new Recorder();
        WorkerChannel ch = transport.launch(2, r);
        ch.sendTask(2001, runningOn(), false);
        ch.sendTask(2002, returning("withdrawn"), false);
        ch.sendTask(2003, returning("given back"), false);
        ch.sendTask(2004, returning("given back too"), true);
        awaitEvents(r, 1);
        assertThat(r.events()).containsExactly("started 2001");
        ch.cancelTask(2002);
        ch.reclaimUnstarted();
        awaitEvents(r, 2);
        assertThat(r.events()).containsExactly("started 2001", "gave back [2003, 2004]");
        ch.kill();
        awaitEvents(r, 3);
        assertThat(r.events()).containsExactly("started 2001", "gave back [2003, 2004]", "exited 137");
        assertThat(ch.isAlive()).isFalse();
    }

    @Test
    void aWorkerAskedToStopExitsWithZeroAndItsExitIsItsLastEvent() throws Exception {
        Recorder r = new Recorder();
        WorkerChannel ch = transport.launch(3, r);
        ch.sendTask(3001, returning("done"), true);
        awaitEvents(r, 3);
        ch.requestShutdown();
        awaitEvents(r, 4);
        assertThat(r.events()).containsExactly("started 3001", "arriving RESULT 3001", "answer RESULT 3001 done",
                "exited 0");
    }

    @Test
    void endingALaunchThatHasReturnedOrNeverBeganChangesNothing() throws Exception {
        Recorder r = new Recorder();
        transport.abortLaunch(9); // no such launch
        WorkerChannel ch = transport.launch(4, r);
        transport.abortLaunch(4); // it has returned: the worker is the pool's
        ch.sendTask(4001, returning("still here"), true);
        awaitEvents(r, 3);
        ch.requestShutdown();
        awaitEvents(r, 4);
        assertThat(r.events()).containsExactly("started 4001", "arriving RESULT 4001",
                "answer RESULT 4001 still here", "exited 0");
    }
}
