package dev.processpool.transport;

import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.TaskProgress;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM seen from the parent: its process, its channel and its pipes, with no thread of its own. Its
 * frames are read by the transport's {@link ChannelHub} (one thread for all workers), which calls
 * {@link #turn()} when the channel is readable; what its tasks print through {@code System.out} and
 * {@code System.err} arrives on the channel, tagged with the task. The stdout and stderr pipes (raw writes
 * to the file descriptors) are drained by the transport's {@link PipeDrainer}; {@link WorkerOutput} makes
 * lines of both. When the channel ends, the exit is waited for and reported on one of the transport's exit
 * threads.
 */
final class LocalJvmWorker implements WorkerChannel, ChannelHub.Endpoint {

    /** Frames read in one turn before the other channels get theirs. */
    static final int FRAMES_PER_TURN = 32;

    /** What the workers of one transport share: the hub, the pipe drainer, the exit threads, group signals. */
    record Shared(ChannelHub hub, PipeDrainer pipes, ExecutorService exits, ProcessTrees.GroupSignaller groups) {
    }

    private final int number;
    private final Process process;
    private final boolean groupLeader;
    private final WorkerEvents events;
    private final Shared shared;
    /** What it prints, from the channel and the pipes, as lines for the pool. */
    private final WorkerOutput output;
    private volatile ChannelIo io;
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

    LocalJvmWorker(int number, Process process, boolean groupLeader, WorkerEvents events, Shared shared,
                   WorkerCgroups.Group cgroup, java.nio.file.Path errorFile, java.nio.file.Path heapDump) {
        this.number = number;
        this.process = process;
        this.groupLeader = groupLeader;
        this.events = events;
        this.cgroup = cgroup;
        this.errorFile = errorFile;
        this.heapDump = heapDump;
        this.shared = shared;
        this.output = new WorkerOutput(process, events, shared.pipes());
    }

    List<String> stderrTail() {
        return output.stderrTail();
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

    @Override
    public java.util.Optional<RunQueueWaits> runQueueWaits() {
        return RunQueueWaits.ofProcess(process.pid());
    }

    /** The handshake succeeded: from now on the hub reads the channel's frames. */
    void connected(ChannelIo io, FrameReader reader, FrameWriter writer) throws IOException {
        this.io = io;
        this.writer = writer;
        this.reader = reader;
        reader.setGate(this::admit);
        shared.hub().register(io.channel(), this, reader.hasBufferedInput());
    }

    /** This worker's frame reader; read only by the thread whose turn it is. */
    private volatile FrameReader reader;
    /** The thread whose turn it is (null between turns). */
    private volatile Thread turnThread;
    /** Tasks were written, unflushed, during a turn that had more frames in hand. Touched only in turns. */
    private boolean flushDeferred;
    /** The channel has ended and its end was handed to an exit thread. Touched only in turns. */
    private boolean ended;

    /** The launch failed: kill what was started, and describe why it failed. */
    String abortLaunch(String reason) {
        kill();
        try {
            process.waitFor(2, TimeUnit.SECONDS);
            if (cgroup != null) {
                cgroup.remove();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        output.drainPipes(!process.isAlive());
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

    /** The turn's thread is in the pool's hands (waiting for memory): a kill interrupts it. */
    private volatile boolean waitingForPool;
    /** The pool found a protocol violation itself and has dealt with it. */
    private volatile boolean violationReported;

    /**
     * One turn of the hub: reads and reports up to {@link #FRAMES_PER_TURN} frames (the first read may wait
     * for the rest of a frame; the hub hands the other channels to another thread meanwhile). Whatever it
     * hits, an error included, the channel's end is handled: the worker is killed if it broke the protocol,
     * and its exit is reported. Never throws.
     *
     * @return whether frames are left in the buffer for another turn
     */
    @Override
    public boolean turn() {
        if (ended) {
            return false;
        }
        String broken = null;
        boolean ends = false;
        turnThread = Thread.currentThread();
        try {
            FrameReader r = reader;
            int frames = 0;
            do {
                Frame frame = r.read();
                if (frame == null) {
                    ends = true;
                    break;
                }
                dispatch(frame);
            } while (++frames < FRAMES_PER_TURN && r.hasBufferedInput());
            if (!ends) {
                if (flushDeferred) {
                    flushDeferred = false;
                    writer.flush();
                }
                return r.hasBufferedInput();
            }
        } catch (ProtocolException e) {
            ends = true;
            broken = violationReported ? null : e.getMessage();
        } catch (java.io.InterruptedIOException e) {
            ends = true; // killed while the pool made the reader wait: judged like an end of stream
        } catch (IOException e) {
            ends = true; // connection reset and the like: the worker is going away; judged like an end of stream
        } catch (OutOfMemoryError e) {
            ends = true;
            broken = "the parent ran out of memory reading the worker's frames (" + e.getMessage() + ")";
        } catch (Throwable e) {
            ends = true;
            broken = "channel reader failed: " + e;
        } finally {
            turnThread = null;
        }
        ended = true;
        io.close(); // deregisters it from the hub
        output.channelEnded();
        String reason = broken;
        try {
            shared.exits().execute(() -> finish(reason));
        } catch (RejectedExecutionException closing) {
            finish(reason);
        }
        return false;
    }

    /**
     * The channel has ended (on an exit thread): kill the worker if it broke the protocol, wait for it, report
     * its exit.
     */
    private void finish(String broken) {
        int exitCode = -1;
        try {
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
                shared.groups().signal(process.pid(), true);
            }
            crashReport = CrashReport.find(errorFile, heapDump);
            output.drainPipes(true);
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
            case Protocol.FRAME_PROGRESS: {
                TaskProgress.Report report = TaskProgress.Report.decode(frame.body(), 8);
                if (report == null) {
                    events.taskProgress(frame.sequence());
                } else {
                    events.taskProgress(frame.sequence(), report);
                }
                break;
            }
            case Protocol.FRAME_RESULT:
            case Protocol.FRAME_ERROR:
                events.answer(frame);
                break;
            case Protocol.FRAME_OUTPUT:
                output.channelOutput(frame.body(), frame.sequence());
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
        // A result makes the pool send this worker its next task from this worker's turn. When more frames
        // (more results) already wait in the reader's buffer, their tasks follow at once: one write for them
        // all, made before the turn ends.
        if (flush && Thread.currentThread() == turnThread && reader.hasBufferedInput()) {
            flush = false;
            flushDeferred = true;
        }
        output.taskSent();
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
            ProcessTrees.signal(process.toHandle(), groupLeader, false, shared.groups());
        }
    }

    @Override
    public void kill() {
        shutdownRequested = true;
        Thread reading = turnThread;
        if (waitingForPool && reading != null && reading != Thread.currentThread()) {
            reading.interrupt(); // it waits in the pool (for memory), not on the channel
        }
        if (groupLeader && process.isAlive()) {
            ProcessTrees.deprioritize(process.pid()); // its teardown must not starve the pool (a timeout storm)
        }
        if (cgroup != null) {
            cgroup.kill(); // one write: every process in the group, those that left the process group included
        }
        if (process.isAlive()) {
            ProcessTrees.signal(process.toHandle(), groupLeader, true, shared.groups());
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
