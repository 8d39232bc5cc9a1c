package dev.processpool.transport;

import dev.processpool.WorkerOutputListener.Stream;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * What one worker prints, as lines for the pool, each tagged with the task that printed it: lines from the
 * channel's OUTPUT frames (tagged by the worker), and raw writes to the file descriptors from the stdout and
 * stderr pipes (drained by the transport's {@link PipeDrainer}), tagged by the output markers around each
 * task's part (see {@link Protocol#OUTPUT_START_MARKER}). Keeps the last {@value #STDERR_TAIL_LINES} stderr
 * lines for death reports.
 */
final class WorkerOutput {

    static final int STDERR_TAIL_LINES = 40;

    private final WorkerEvents events;
    private final PipeDrainer drainer;
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
    /** Per stream, the task between whose output markers the pipe is (each pipe's splitter touches its own slot). */
    private final long[] markedTask = {-1, -1};
    /** Lines from the pipes (raw writes, with markers), one splitter per stream. */
    private final LineSplitter[] pipeLines = new LineSplitter[2];
    /** Lines from OUTPUT frames, one splitter per stream; touched only by the turn that holds the channel. */
    private final LineSplitter[] channelLines = new LineSplitter[2];
    private final PipeDrainer.Source[] pipes = new PipeDrainer.Source[2];

    /** Starts draining the process's stdout and stderr pipes. */
    WorkerOutput(Process process, WorkerEvents events, PipeDrainer drainer) {
        this.events = events;
        this.drainer = drainer;
        for (Stream stream : Stream.values()) {
            int i = stream.ordinal();
            pipeLines[i] = new LineSplitter((text, seq) -> emitRaw(stream, text));
            channelLines[i] = new LineSplitter((text, seq) -> deliver(stream, text, seq));
            InputStream in = stream == Stream.STDOUT ? process.getInputStream() : process.getErrorStream();
            LineSplitter lines = pipeLines[i];
            pipes[i] = drainer.add(in, (b, off, len) -> lines.feed(b, off, len, -1));
        }
    }

    /** Reads what the pipes hold now and, when {@code last} (the process has exited), their last lines. */
    void drainPipes(boolean last) {
        for (Stream stream : Stream.values()) {
            int i = stream.ordinal();
            drainer.drainNow(pipes[i], last);
            if (last) {
                synchronized (pipes[i]) {
                    pipeLines[i].finish();
                }
            }
        }
    }

    /** A task is being sent: pipes looked at rarely while the worker was idle are looked at sooner again. */
    void taskSent() {
        long now = System.nanoTime();
        drainer.hurry(pipes[0], now);
        drainer.hurry(pipes[1], now);
    }

    /** The body of an OUTPUT frame (after its sequence number): the stream, then the bytes the task printed. */
    void channelOutput(byte[] body, long sequence) throws ProtocolException {
        byte stream = body[8];
        if (stream != Protocol.STDOUT && stream != Protocol.STDERR) {
            throw new ProtocolException("OUTPUT frame for an unknown stream " + stream);
        }
        channelLines[stream == Protocol.STDOUT ? 0 : 1].feed(body, 9, body.length - 9, sequence);
    }

    /** The channel has ended: the last lines from OUTPUT frames, even without a line terminator. */
    void channelEnded() {
        for (LineSplitter lines : channelLines) {
            lines.finish();
        }
    }

    /** A line from a pipe: an output marker (stripped; it tags the raw lines after it), or a raw line. */
    private void emitRaw(Stream stream, String text) {
        int at = text.indexOf('\u0000');
        if (at >= 0 && (text.startsWith(Protocol.OUTPUT_START_MARKER, at) || text.startsWith(Protocol.OUTPUT_END_MARKER, at))) {
            boolean start = text.startsWith(Protocol.OUTPUT_START_MARKER, at);
            int prefix = (start ? Protocol.OUTPUT_START_MARKER : Protocol.OUTPUT_END_MARKER).length();
            long sequence = -1;
            try {
                sequence = Long.parseLong(text.substring(at + prefix).trim());
            } catch (NumberFormatException notOurs) {
                // looks like a marker but is not one: plain output
            }
            if (sequence >= 0) {
                if (at > 0) {
                    // the preceding line had no line terminator
                    deliver(stream, text.substring(0, at), markedTask[stream.ordinal()]);
                }
                markedTask[stream.ordinal()] = start ? sequence : -1;
                return;
            }
        }
        deliver(stream, text, markedTask[stream.ordinal()]);
    }

    /** A line for the pool (and, from stderr, for the tail kept for death reports). */
    private void deliver(Stream stream, String text, long sequence) {
        if (stream == Stream.STDERR) {
            synchronized (stderrTail) {
                if (stderrTail.size() == STDERR_TAIL_LINES) {
                    stderrTail.removeFirst();
                }
                stderrTail.addLast(text);
            }
        }
        try {
            events.output(stream, text, sequence);
        } catch (Throwable e) {
            // a listener's failure must not stop the reading
        }
    }

    /** The last stderr lines, oldest first. */
    List<String> stderrTail() {
        synchronized (stderrTail) {
            return new ArrayList<>(stderrTail);
        }
    }
}
