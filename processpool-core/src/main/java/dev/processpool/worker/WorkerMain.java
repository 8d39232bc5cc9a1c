package dev.processpool.worker;

import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.TaskProgress;
import dev.processpool.protocol.ValueCodec;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import dev.processpool.protocol.ChannelStreams;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The main class of a worker JVM. Started by the pool as
 * {@code java <options> -cp <class path> dev.processpool.worker.WorkerMain <socket path>}; reads its token
 * from stdin, connects to the socket, completes the handshake (see {@link Protocol}) and then runs the
 * tasks it receives one at a time, in order, until the parent says stop or goes away. A reader thread takes
 * frames off the channel while the main thread runs tasks.
 *
 * <p>Parent death is noticed twice over: the reader thread sees the channel's end-of-file at once, and a
 * watcher thread sees the worker re-parented (checked every {@value #PARENT_CHECK_MILLIS} ms). Either way
 * the worker kills the processes its tasks started (its whole process group, when it leads one) and halts.
 *
 * <p>With the single argument {@code --train} it runs a training session instead, against a parent inside
 * the same JVM (see {@link Training}), to have the JVM write a class-data archive when it exits.
 *
 * <p>Exits: a polite stop ({@code SHUTDOWN}) calls {@code System.exit} from the reader thread, while the
 * main thread waits in Java code; HotSpot waits up to 300 ms at exit for threads blocked in native code,
 * so no thread may sit in a native read then (stdin is never read after the token for the same reason).
 */
public final class WorkerMain {

    /** Buffer size of the worker's end of the channel, each way. */
    static final int WORKER_BUFFER_BYTES = 16 * 1024;

    /** Exit code when the parent went away. */
    static final int EXIT_PARENT_GONE = 3;
    /** Exit code when the handshake failed. */
    static final int EXIT_HANDSHAKE_FAILED = 4;
    /** How often the watcher checks that the parent is still there. */
    static final int PARENT_CHECK_MILLIS = 100;

    /** Exit code after a VirtualMachineError other than StackOverflowError (the JVM may be unusable). */
    static final int EXIT_AFTER_VM_ERROR = 5;

    private WorkerMain() {
    }

    public static void main(String[] argv) {
        if (argv.length == 1 && argv[0].equals(Protocol.CHECK_ARGUMENT)) {
            return; // the JVM started (with whatever class-data archive it was told to map): that is all
        }
        if (argv.length == 1 && argv[0].equals(Protocol.TRAIN_ARGUMENT)) {
            try {
                Training.run();
            } catch (Throwable t) {
                t.printStackTrace();
                Runtime.getRuntime().halt(1);
            }
            return;
        }
        if (argv.length != 1) {
            System.err.println("usage: WorkerMain <socket path>  (token on stdin); started by dev.processpool.ProcessPool");
            System.exit(2);
        }
        try {
            // The socket is opened on a thread of its own while this one reads the token: the JDK's first
            // Unix-domain socket initialises a SecureRandom and the security providers, some 30 ms of class
            // loading on a cold JVM, which need not wait for the token, nor the token for it.
            Opener opener = new Opener();
            opener.start();
            String token = readTokenLine(System.in);
            run(Path.of(argv[0]), token, true, opener);
        } catch (Throwable t) {
            System.err.println("processpool worker failed: " + t);
            t.printStackTrace();
            Runtime.getRuntime().halt(EXIT_HANDSHAKE_FAILED);
        }
    }

    /**
     * Connects, shakes hands and runs tasks until the parent says stop or goes away; never returns normally.
     * Without {@code watchParent} (training), only the channel tells that the parent is gone.
     */
    static void run(Path socketPath, String token, boolean watchParent) throws Exception {
        Opener opener = new Opener();
        opener.run();
        run(socketPath, token, watchParent, opener);
    }

    private static void run(Path socketPath, String token, boolean watchParent, Opener opener) throws Exception {
        if (watchParent) {
            Thread watcher = new Thread(new Loop(Loop.WATCH_PARENT, null, 0, null, null, null),
                    "processpool-parent-watch");
            watcher.setDaemon(true);
            watcher.start();
        }

        SocketChannel channel = opener.channel();
        channel.connect(UnixDomainSocketAddress.of(socketPath));
        Protocol.tuneSocket(channel);
        // Smaller buffers than the parent's: a worker receives a few tasks and sends a few results at a time,
        // and each buffer (with the JDK's direct-buffer copy of it per thread) stays resident in every worker.
        FrameReader reader = new FrameReader(ChannelStreams.input(channel), Integer.MAX_VALUE - 8, WORKER_BUFFER_BYTES);
        FrameWriter writer = new FrameWriter(ChannelStreams.output(channel), WORKER_BUFFER_BYTES);

        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(hello);
        h.writeInt(Protocol.MAGIC);
        h.writeShort(Protocol.VERSION);
        h.writeLong(ProcessHandle.current().pid());
        FrameWriter.writeString(h, token);
        h.flush();
        writer.writeRaw(Protocol.FRAME_HELLO, hello.toByteArray());

        Frame answer = reader.read();
        if (answer == null) {
            parentGone();
        }
        if (answer.type() == Protocol.FRAME_REJECT) {
            System.err.println("processpool worker rejected by the pool: " + FrameWriter.readString(answer.fields()));
            Runtime.getRuntime().halt(EXIT_HANDSHAKE_FAILED);
        }
        if (answer.type() != Protocol.FRAME_WELCOME) {
            throw new ProtocolException("expected WELCOME, got " + answer);
        }
        java.io.DataInputStream welcome = answer.fields();
        welcome.readShort();
        int heartbeatMillis = welcome.readInt();
        if (heartbeatMillis > 0) {
            Thread heartbeat = new Thread(new Loop(Loop.HEARTBEAT, writer, heartbeatMillis, null, null, null),
                    "processpool-heartbeat");
            heartbeat.setDaemon(true);
            heartbeat.start();
        }
        installTaskContext(writer);
        OutputMarks.install(writer);

        // The reader thread takes frames off the channel while the main thread runs tasks, so that the pool
        // can keep the next tasks waiting here (pipelining) and cancel them before they start.
        java.util.concurrent.LinkedBlockingDeque<Frame> tasks = new java.util.concurrent.LinkedBlockingDeque<>();
        Thread readerThread = new Thread(new Loop(Loop.READ_FRAMES, writer, 0, reader, channel, tasks),
                "processpool-channel-reader");
        readerThread.setDaemon(true);
        readerThread.start();
        while (true) {
            Frame task = tasks.poll();
            if (task == null) {
                writer.flush(); // a result held back for the next task's STARTED must not wait
                task = tasks.take();
            }
            runTask(task, writer, tasks);
        }
    }

    /** Opens the worker's socket (unconnected), on a thread of its own or, through {@link #run()}, in the caller's. */
    private static final class Opener extends Thread {
        private volatile SocketChannel channel;
        private volatile Throwable failure;

        Opener() {
            super("processpool-open");
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                boolean named = nameTheSelectorProvider();
                channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                if (named) {
                    System.clearProperty(SELECTOR_PROVIDER); // read once, just now: leave the task code none
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** The socket, once open; what opening it threw, if it failed. */
        SocketChannel channel() throws Exception {
            if (getState() != State.NEW) {
                join(); // started as a thread: wait for it (a thread never started has run in the caller)
            }
            if (failure instanceof Exception) {
                throw (Exception) failure;
            }
            if (failure != null) {
                throw new IOException("opening the channel failed", failure);
            }
            return channel;
        }
    }

    /**
     * The body of each of the worker's own threads. A named class, not lambdas: on JDK 17 every lambda's
     * first use spins a class at run time, about a millisecond each while the worker is still interpreted,
     * and these all run before the first task.
     */
    private static final class Loop implements Runnable {
        static final int WATCH_PARENT = 0;
        static final int HEARTBEAT = 1;
        static final int READ_FRAMES = 2;

        private final int kind;
        private final FrameWriter writer;
        private final int heartbeatMillis;
        private final FrameReader reader;
        private final SocketChannel channel;
        private final java.util.concurrent.BlockingDeque<Frame> tasks;

        Loop(int kind, FrameWriter writer, int heartbeatMillis, FrameReader reader,
             SocketChannel channel, java.util.concurrent.BlockingDeque<Frame> tasks) {
            this.kind = kind;
            this.writer = writer;
            this.heartbeatMillis = heartbeatMillis;
            this.reader = reader;
            this.channel = channel;
            this.tasks = tasks;
        }

        @Override
        public void run() {
            switch (kind) {
                case WATCH_PARENT:
                    watchParent();
                    break;
                case HEARTBEAT:
                    sendHeartbeats(writer, heartbeatMillis);
                    break;
                default:
                    readFrames(reader, writer, channel, tasks);
                    break;
            }
        }
    }

    /** Reads frames until the parent says stop or goes away. */
    private static void readFrames(FrameReader reader, FrameWriter writer, SocketChannel channel,
                                   java.util.concurrent.BlockingDeque<Frame> tasks) {
        try {
            while (true) {
                Frame frame = reader.read();
                if (frame == null) {
                    parentGone();
                    return;
                }
                switch (frame.type()) {
                    case Protocol.FRAME_TASK:
                        tasks.add(frame);
                        break;
                    case Protocol.FRAME_CANCEL: {
                        long seq = frame.sequence();
                        tasks.removeIf(t -> sequenceOf(t) == seq);
                        break;
                    }
                    case Protocol.FRAME_RECLAIM: {
                        // Atomic against the main thread's take: a task is either given back or started.
                        java.util.List<Frame> given = new java.util.ArrayList<>();
                        tasks.drainTo(given);
                        java.nio.ByteBuffer body = java.nio.ByteBuffer.allocate(4 + 8 * given.size());
                        body.putInt(given.size());
                        for (Frame t : given) {
                            body.putLong(sequenceOf(t));
                        }
                        writer.writeRaw(Protocol.FRAME_RECLAIMED, body.array());
                        break;
                    }
                    case Protocol.FRAME_SHUTDOWN:
                        channel.close();
                        System.exit(0);
                        return;
                    default:
                        throw new ProtocolException("unexpected frame from the pool: " + frame);
                }
            }
        } catch (Throwable e) {
            // the channel failed (or this thread did): the worker can no longer hear the pool, so it goes, with
            // what its tasks started; the pool sees its exit
            System.err.println("processpool worker: channel failed: " + e);
            parentGone();
        }
    }

    private static long sequenceOf(Frame frame) {
        try {
            return frame.sequence();
        } catch (ProtocolException e) {
            return -1;
        }
    }

    private static void runTask(Frame frame, FrameWriter writer, java.util.concurrent.BlockingDeque<Frame> next)
            throws IOException {
        long seq = frame.sequence();
        currentSequence = seq;
        OutputMarks.taskStarts(seq);
        writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
        Object result;
        try {
            TaskPayload payload = TaskPayload.decode(frame.body(), 8);
            result = TaskInvoker.invoke(payload);
            currentSequence = -1;
        } catch (Throwable t) {
            currentSequence = -1;
            markOutput(writer, seq);
            sendFailure(writer, seq, RemoteFailure.TASK_THREW, t, true);
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                // After an OutOfMemoryError or an InternalError the JVM may be in a bad state: start afresh.
                System.err.println("processpool worker exits after " + t);
                Runtime.getRuntime().halt(EXIT_AFTER_VM_ERROR);
            }
            return;
        }
        if (result instanceof byte[] array) {
            markOutput(writer, seq);
            writer.writeBytesResult(seq, array, next.isEmpty());
            return;
        }
        byte[] bytes;
        try {
            bytes = ValueCodec.encode(result);
        } catch (Throwable t) {
            markOutput(writer, seq);
            sendFailure(writer, seq, RemoteFailure.RESULT_NOT_SERIALIZABLE, t, next.isEmpty());
            return;
        }
        markOutput(writer, seq);
        // With the next task already here, its STARTED frame will flush this result too: one write, not two.
        writer.writeSequenced(Protocol.FRAME_RESULT, seq, bytes, next.isEmpty());
    }

    /** Marks where the task's output ends, if it printed (see {@link OutputMarks}). */
    private static void markOutput(FrameWriter writer, long seq) {
        try {
            OutputMarks.taskEnds(seq);
        } catch (RuntimeException | Error markFailed) {
            // best effort (the heap may be exhausted): lines are then tagged by arrival
        }
    }

    private static void sendFailure(FrameWriter writer, long seq, byte kind, Throwable t, boolean flush)
            throws IOException {
        byte[] body;
        try {
            body = RemoteFailure.of(kind, t).encode();
        } catch (Throwable describeFailed) {
            body = RemoteFailure.of(kind, new RuntimeException(t.getClass().getName()
                    + " (its description failed: " + describeFailed + ")")).encode();
        }
        writer.writeSequenced(Protocol.FRAME_ERROR, seq, body, flush);
    }

    /** The sequence number of the running task, for progress reports. */
    private static volatile long currentSequence = -1;
    private static volatile long lastProgressNanos;

    private static void sendHeartbeats(FrameWriter writer, int intervalMillis) {
        while (true) {
            try {
                Thread.sleep(intervalMillis);
                writer.writeEmpty(Protocol.FRAME_HEARTBEAT);
            } catch (InterruptedException | IOException e) {
                return; // the channel is gone: the main loop notices and leaves
            } catch (Throwable e) {
                // an error here (the heap exhausted by the task) must not end the heartbeats: try again
            }
        }
    }

    /**
     * Connects {@code TaskContext} to this worker's channel, through {@link TaskProgress} (rather than setting
     * TaskContext's fields by reflection at start-up, which cost the first result a few milliseconds).
     */
    private static void installTaskContext(FrameWriter writer) {
        TaskProgress.install(new ProgressReporter(writer));
    }

    /** Sends a PROGRESS frame for the running task, at most one per {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms. */
    private static final class ProgressReporter implements Runnable {
        private final FrameWriter writer;

        ProgressReporter(FrameWriter writer) {
            this.writer = writer;
        }

        @Override
        public void run() {
            long now = System.nanoTime();
            long seq = currentSequence;
            if (seq < 0 || now - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(Protocol.PROGRESS_INTERVAL_MILLIS)) {
                return;
            }
            lastProgressNanos = now;
            try {
                writer.writeSequenced(Protocol.FRAME_PROGRESS, seq, null, true);
            } catch (IOException e) {
                // the channel is gone: the main loop notices and leaves
            }
        }
    }

    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";
    private static final String LINUX_SELECTOR_PROVIDER = "sun.nio.ch.EPollSelectorProvider";

    /**
     * Names the platform's default selector provider (Linux) in the system property the JDK looks at first,
     * unless something is named there already. Without it, the first channel looks for a provider installed
     * as a service on the class path, opening every jar of it, and finds none: about 5 ms of a worker's
     * start (measured with 2 workers on 2 cores). A provider installed as a service is therefore not used in
     * a worker; name it with {@code -Djava.nio.channels.spi.SelectorProvider} in the pool's JVM options.
     *
     * @return whether the property was set (and is to be cleared once the first channel is open)
     */
    private static boolean nameTheSelectorProvider() {
        if (System.getProperty(SELECTOR_PROVIDER) != null) {
            return false;
        }
        try {
            Class.forName(LINUX_SELECTOR_PROVIDER, false, null);
        } catch (ClassNotFoundException | LinkageError notLinux) {
            return false;
        }
        System.setProperty(SELECTOR_PROVIDER, LINUX_SELECTOR_PROVIDER);
        return true;
    }

    private static String readTokenLine(InputStream in) throws IOException {
        // Byte by byte, up to the newline: System.in stays free for task code.
        StringBuilder sb = new StringBuilder(Protocol.TOKEN_LENGTH);
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (sb.length() > 4 * Protocol.TOKEN_LENGTH) {
                throw new ProtocolException("token line too long");
            }
            sb.append((char) b);
        }
        if (b == -1) {
            parentGone();
        }
        return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).strip();
    }

    /**
     * Watches for re-parenting. The first look at the parent happens here, on this thread, not in main():
     * the JDK's process API sets itself up on first use (an executor and its lambdas, milliseconds on a
     * fresh JVM), and the handshake need not wait for that.
     */
    private static void watchParent() {
        ProcStat stat = ProcStat.open();
        long parentPid = stat != null ? stat.parentPid() : parentPid();
        try {
            while (true) {
                Thread.sleep(PARENT_CHECK_MILLIS);
                long now = stat != null ? stat.parentPid() : parentPid();
                if (now != parentPid) {
                    parentGone();
                }
            }
        } catch (InterruptedException e) {
            parentGone();
        }
    }

    /**
     * The parent pid from {@code /proc/self/stat}, re-read into one buffer: the watch allocates nothing. (The
     * process API allocates about 100 bytes a call; ten calls a second filled an idle worker's young
     * generation, and so its resident memory, by some 56 MiB over a day.)
     */
    static final class ProcStat {
        private final java.io.RandomAccessFile file;
        private final byte[] buf = new byte[1024];

        private ProcStat(java.io.RandomAccessFile file) {
            this.file = file;
        }

        /** Null where there is no readable {@code /proc/self/stat} with a parent pid in it. */
        static ProcStat open() {
            try {
                ProcStat stat = new ProcStat(new java.io.RandomAccessFile("/proc/self/stat", "r"));
                return stat.parentPid() > 0 ? stat : null;
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }

        /** Field 4 of the stat line, after the command name in parentheses (which may hold anything). */
        long parentPid() {
            try {
                file.seek(0);
                int n = 0;
                int r;
                while (n < buf.length && (r = file.read(buf, n, buf.length - n)) > 0) {
                    n += r;
                }
                int i = n - 1;
                while (i >= 0 && buf[i] != ')') {
                    i--;
                }
                i += 4; // ") S " : state and its spaces
                long pid = 0;
                for (; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) {
                    pid = pid * 10 + (buf[i] - '0');
                }
                return pid;
            } catch (IOException e) {
                return -1;
            }
        }
    }

    private static long parentPid() {
        ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
        return parent == null ? -1L : parent.pid();
    }

    /**
     * The parent is gone: take down what our tasks started, the whole process group included (see
     * {@link OwnProcessGroup}), and leave at once, without shutdown hooks.
     */
    private static void parentGone() {
        OwnProcessGroup.killAll();
        Runtime.getRuntime().halt(EXIT_PARENT_GONE);
    }
}
