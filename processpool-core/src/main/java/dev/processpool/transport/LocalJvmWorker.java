package dev.processpool.transport;

import dev.processpool.WorkerOutputListener.Stream;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM seen from the parent: its process, its channel and three threads: the channel reader,
 * which turns frames into {@link WorkerEvents} and, when the channel ends, waits for the process and reports
 * its exit; and one reader each for stdout and stderr.
 */
final class LocalJvmWorker implements WorkerChannel {

    private static final int STDERR_TAIL_LINES = 40;
    private static final int MAX_LINE_CHARS = 8192;

    private final int number;
    private final Process process;
    private final boolean groupLeader;
    private final WorkerEvents events;
    private final ArrayDeque<String> stderrTail = new ArrayDeque<>();
    /** Per stream, the task between whose output markers the pump is (each pump touches its own slot). */
    private final long[] markedTask = {-1, -1};
    private final Thread stdoutPump;
    private final Thread stderrPump;
    private volatile SocketChannel channel;
    private volatile FrameWriter writer;
    private volatile boolean shutdownRequested;
    private volatile long lastActivityNanos = System.nanoTime();
    /** The worker's own cgroup, or null: it is killed by process group only. */
    private final WorkerCgroups.Group cgroup;
    /** Where the worker's fatal error report and heap dump would be written; null for none. */
    private final java.nio.file.Path errorFile;
    private final java.nio.file.Path heapDump;
    /** What the worker left behind to say why it died, read once it has exited. */
    private volatile CrashReport crashReport;

    LocalJvmWorker(int number, Process process, boolean groupLeader, WorkerEvents events, WorkerCgroups.Group cgroup,
                   java.nio.file.Path errorFile, java.nio.file.Path heapDump) {
        this.number = number;
        this.process = process;
        this.groupLeader = groupLeader;
        this.events = events;
        this.cgroup = cgroup;
        this.errorFile = errorFile;
        this.heapDump = heapDump;
        this.stdoutPump = pump(process.getInputStream(), Stream.STDOUT);
        this.stderrPump = pump(process.getErrorStream(), Stream.STDERR);
    }

    private Thread pump(InputStream in, Stream stream) {
        Thread t = new Thread(() -> pumpLines(in, stream),
                "processpool-worker-" + number + "-" + stream.name().toLowerCase());
        t.setDaemon(true);
        t.start();
        return t;
    }

    private void pumpLines(InputStream in, Stream stream) {
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            char[] buf = new char[4096];
            int n;
            while ((n = r.read(buf)) != -1) {
                for (int i = 0; i < n; i++) {
                    char c = buf[i];
                    if (c == '\n' || line.length() >= MAX_LINE_CHARS) {
                        emit(stream, line);
                        if (c == '\n') {
                            continue;
                        }
                    }
                    if (c != '\r') {
                        line.append(c);
                    }
                }
            }
            if (line.length() > 0) {
                emit(stream, line);
            }
        } catch (IOException ignored) {
            // the stream closes when the process dies
        } catch (Throwable e) {
            // whatever went wrong here, the pipe must still be drained, or the worker blocks on its next write
            drain(in);
        }
    }

    private static void drain(InputStream in) {
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) != -1) {
                // discarded
            }
        } catch (Throwable ignored) {
            // the stream closes when the process dies
        }
    }

    private void emit(Stream stream, StringBuilder line) {
        String text = line.toString();
        line.setLength(0);
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
                    line.append(text, 0, at); // the preceding line had no line terminator
                    emit(stream, line);
                }
                markedTask[stream.ordinal()] = start ? sequence : -1;
                return;
            }
        }
        if (stream == Stream.STDERR) {
            synchronized (stderrTail) {
                if (stderrTail.size() == STDERR_TAIL_LINES) {
                    stderrTail.removeFirst();
                }
                stderrTail.addLast(text);
            }
        }
        try {
            events.output(stream, text, markedTask[stream.ordinal()]);
        } catch (Throwable e) {
            // a listener's failure must not stop the pump (the pipe would fill and block the worker)
        }
    }

    List<String> stderrTail() {
        synchronized (stderrTail) {
            return new ArrayList<>(stderrTail);
        }
    }

    /** Wraps the channel's input so that every read counts as a sign of life (a large frame takes a while). */
    InputStream trackActivity(InputStream in) {
        return new java.io.FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                lastActivityNanos = System.nanoTime();
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                lastActivityNanos = System.nanoTime();
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                // the body of an answer too large to keep: a chunk at a time, each a sign of life
                long skipped = super.skip(Math.min(n, 64 * 1024));
                lastActivityNanos = System.nanoTime();
                return skipped;
            }
        };
    }

    @Override
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    @Override
    public java.util.OptionalLong residentBytes() {
        // VmRSS in /proc/<pid>/status, in kB: Linux only; elsewhere unknown.
        java.nio.file.Path status = java.nio.file.Paths.get("/proc", Long.toString(process.pid()), "status");
        try {
            for (String line : java.nio.file.Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return java.util.OptionalLong.of(Long.parseLong(kb) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return java.util.OptionalLong.empty();
    }

    /** The handshake succeeded: start reading frames. */
    void connected(SocketChannel channel, FrameReader reader, FrameWriter writer) {
        this.channel = channel;
        this.writer = writer;
        reader.setGate(this::admit);
        Thread t = new Thread(() -> readLoop(reader), "processpool-worker-" + number + "-channel");
        t.setDaemon(true);
        readerThread = t;
        this.reader = reader;
        t.start();
    }

    /** The thread that reads this worker's frames, and its reader. */
    private volatile Thread readerThread;
    private volatile FrameReader reader;
    /** Tasks were written, unflushed, by the reader thread while it had more frames in hand. */
    private boolean flushDeferred;

    /** The launch failed: kill what was started, and describe why it failed. */
    String abortLaunch(String reason) {
        kill();
        try {
            process.waitFor(2, TimeUnit.SECONDS);
            if (cgroup != null) {
                cgroup.remove();
            }
            stderrPump.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<String> tail = stderrTail();
        StringBuilder sb = new StringBuilder("worker ").append(number).append(" (pid ").append(process.pid())
                .append(") failed to start: ").append(reason);
        if (!process.isAlive()) {
            sb.append(" [exit code ").append(process.exitValue()).append(']');
        }
        if (!tail.isEmpty()) {
            sb.append("; stderr: ").append(String.join(" | ", tail.subList(Math.max(0, tail.size() - 8), tail.size())));
        }
        return sb.toString();
    }

    /**
     * The reader's gate: every frame's header is checked before its body is read, and a task's answer is
     * admitted by the pool (which may wait for memory to hold it, or have it skipped).
     */
    private boolean admit(byte type, long sequence, int bodyBytes) throws IOException, InterruptedException {
        if (type != Protocol.FRAME_RESULT && type != Protocol.FRAME_ERROR) {
            Protocol.checkFromWorker(type, bodyBytes);
            return true;
        }
        waitingForPool = true; // before looking at shutdownRequested: kill() sets that, then looks at this
        try {
            if (shutdownRequested) {
                throw new InterruptedException("the worker is being stopped");
            }
            return events.answerArriving(type, sequence, bodyBytes);
        } catch (ProtocolException e) {
            violationReported = true;
            throw e;
        } finally {
            waitingForPool = false;
        }
    }

    /** The reader thread is in the pool's hands (waiting for memory): a kill interrupts it. */
    private volatile boolean waitingForPool;
    /** The pool found a protocol violation itself and has dealt with it. */
    private volatile boolean violationReported;

    /**
     * Reads frames until the channel ends, then waits for the process and reports its exit. Whatever it hits,
     * an error included, the worker is killed and its exit reported: this thread never dies silently.
     */
    private void readLoop(FrameReader reader) {
        String broken = null;
        try {
            Frame frame;
            while ((frame = reader.read()) != null) {
                dispatch(frame);
                if (flushDeferred && !reader.hasBufferedInput()) {
                    flushDeferred = false;
                    writer.flush();
                }
            }
        } catch (ProtocolException e) {
            broken = violationReported ? null : e.getMessage();
        } catch (java.io.InterruptedIOException e) {
            // killed while the pool made the reader wait: judged below like an end of stream
        } catch (IOException e) {
            // connection reset and the like: the worker is going away; judged below like an end of stream
        } catch (OutOfMemoryError e) {
            broken = "the parent ran out of memory reading the worker's frames (" + e.getMessage() + ")";
        } catch (Throwable e) {
            broken = "channel reader failed: " + e;
        }
        finish(broken);
    }

    /** The channel has ended: kill the worker if it broke the protocol, wait for it, report its exit. */
    private void finish(String broken) {
        int exitCode = -1;
        Thread.interrupted(); // an interrupt that stopped a wait in the pool has done its work
        try {
            LocalJvmTransport.closeQuietly(channel);
            if (broken == null && !shutdownRequested && !violationReported && !process.waitFor(1, TimeUnit.SECONDS)) {
                broken = "worker closed its channel but kept running";
            }
            if (broken != null) {
                String reason = broken;
                kill();
                report(() -> events.channelBroken(reason));
            }
            if (violationReported) {
                kill();
            }
            waitUninterruptibly();
            if (cgroup != null) {
                // Whatever the worker's tasks started and left behind in its cgroup goes too, setsid or not.
                cgroup.remove();
            }
            if (groupLeader) {
                // Whatever the worker's tasks started and left behind in its process group goes too.
                ProcessTrees.signalGroup(process.pid(), true);
            }
            crashReport = CrashReport.find(errorFile, heapDump);
            stderrPump.join(500);
            stdoutPump.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            kill(); // whatever happened above, the worker goes
        } finally {
            try {
                exitCode = process.isAlive() ? -1 : process.exitValue();
            } catch (Throwable ignored) {
                // keep -1
            }
            int code = exitCode;
            report(() -> events.exited(code, stderrTail()));
        }
    }

    /** Waits for the process to exit (it has been killed or is exiting); an interrupt does not stop the wait. */
    private void waitUninterruptibly() {
        boolean interrupted = Thread.interrupted();
        while (true) {
            try {
                process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tells the pool; a failure to do so (an error while the heap is exhausted) is retried once. */
    private static void report(Runnable event) {
        try {
            event.run();
        } catch (Throwable first) {
            try {
                event.run();
            } catch (Throwable ignored) {
                // nothing more can be done from this thread
            }
        }
    }

    private void dispatch(Frame frame) throws IOException {
        switch (frame.type()) {
            case Protocol.FRAME_STARTED:
                events.taskStarted(frame.sequence());
                break;
            case Protocol.FRAME_HEARTBEAT:
                events.heartbeat();
                break;
            case Protocol.FRAME_PROGRESS:
                events.taskProgress(frame.sequence());
                break;
            case Protocol.FRAME_RESULT:
            case Protocol.FRAME_ERROR:
                events.answer(frame);
                break;
            case Protocol.FRAME_RECLAIMED: {
                java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(frame.body());
                int n = frame.body().length < 4 ? -1 : in.getInt();
                if (n < 0 || frame.body().length != 4 + 8L * n) {
                    throw new ProtocolException("malformed RECLAIMED frame of " + frame.body().length + " bytes");
                }
                long[] sequences = new long[n];
                for (int i = 0; i < n; i++) {
                    sequences[i] = in.getLong();
                }
                events.tasksGivenBack(sequences);
                break;
            }
            default:
                throw new ProtocolException("unexpected frame from worker: " + frame);
        }
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public void sendTask(long sequence, TaskPayload payload, boolean flush) throws IOException {
        FrameWriter w = writer;
        if (w == null) {
            throw new IOException("worker " + number + " is not connected");
        }
        // A result makes the pool send this worker its next task from this worker's reader thread. When more
        // frames (more results) already wait in the reader's buffer, their tasks follow at once: one write
        // for them all, made before the reader next blocks.
        if (flush && Thread.currentThread() == readerThread && reader.hasBufferedInput()) {
            flush = false;
            flushDeferred = true;
        }
        w.writeTask(sequence, payload, flush);
    }

    @Override
    public void reclaimUnstarted() {
        FrameWriter w = writer;
        if (w != null) {
            try {
                w.writeEmpty(Protocol.FRAME_RECLAIM);
            } catch (IOException ignored) {
                // the worker is going away: what it held is handed back when it has exited
            }
        }
    }

    @Override
    public void cancelTask(long sequence) {
        FrameWriter w = writer;
        if (w != null) {
            try {
                w.writeSequenced(Protocol.FRAME_CANCEL, sequence, null, true);
            } catch (IOException ignored) {
                // the worker is going away: the task never starts anyway
            }
        }
    }

    @Override
    public void requestShutdown() {
        shutdownRequested = true;
        FrameWriter w = writer;
        if (w != null) {
            try {
                w.writeEmpty(Protocol.FRAME_SHUTDOWN);
            } catch (IOException ignored) {
                // it is going away anyway
            }
        }
    }

    @Override
    public void terminate() {
        shutdownRequested = true;
        if (process.isAlive()) {
            ProcessTrees.signal(process.toHandle(), groupLeader, false);
        }
    }

    @Override
    public void kill() {
        shutdownRequested = true;
        Thread reading = readerThread;
        if (waitingForPool && reading != null && reading != Thread.currentThread()) {
            reading.interrupt(); // it waits in the pool (for memory), not on the channel
        }
        if (cgroup != null) {
            cgroup.kill(); // one write: every process in the group, those that left the process group included
        }
        if (process.isAlive()) {
            ProcessTrees.signal(process.toHandle(), groupLeader, true);
        }
    }

    @Override
    public java.util.Optional<CrashReport> crashReport() {
        CrashReport r = crashReport;
        return r == null || r.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(r);
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public String toString() {
        return "worker " + number + " (pid " + process.pid() + ")";
    }
}
