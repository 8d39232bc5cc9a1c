package dev.processpool.worker;

import dev.processpool.protocol.ChannelStreams;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;

/**
 * The main class of a worker JVM. Started by the pool as
 * {@code java <options> -cp <class path> dev.processpool.worker.WorkerMain <socket path>}; reads its token
 * from stdin, connects to the socket, completes the handshake (see {@link Protocol}) and then runs the
 * tasks it receives one at a time, in order ({@link TaskRunner}), until the parent says stop or goes away. A
 * reader thread takes frames off the channel while the main thread runs tasks; a heartbeat thread also sends
 * the progress reports that came too soon ({@link ProgressReporter}).
 *
 * <p>Parent death is noticed twice over: the reader thread sees the channel's end-of-file at once, and a
 * watcher thread sees the worker re-parented (checked every {@value ParentWatch#PARENT_CHECK_MILLIS} ms).
 * Either way the worker kills the processes its tasks started (its whole process group, when it leads one)
 * and halts (see {@link ParentWatch}).
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

    /** Exit code when the handshake failed. */
    static final int EXIT_HANDSHAKE_FAILED = 4;

    private WorkerMain() {
    }

    /**
     * Whether these are the arguments of a class-data archive's training run ({@code --train}): a custom
     * worker main class may train its own start-up first, then calls {@link #main} with them.
     *
     * @param argv the main class's arguments
     * @return true for a training run
     */
    public static boolean isTraining(String[] argv) {
        return argv.length == 1 && argv[0].equals(Protocol.TRAIN_ARGUMENT);
    }

    public static void main(String[] argv) {
        if (argv.length == 1 && argv[0].equals(Protocol.CHECK_ARGUMENT)) {
            return; // the JVM started (with whatever class-data archive it was told to map): that is all
        }
        if (isTraining(argv)) {
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
        OwnProcessGroup.rememberCgroup();
        TaskRunner.init();
        if (watchParent) {
            Thread watcher = new Thread(new Loop(Loop.WATCH_PARENT, null, null, null, null),
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
            ParentWatch.parentGone();
        }
        if (answer.type() == Protocol.FRAME_REJECT) {
            System.err.println("processpool worker rejected by the pool: " + FrameWriter.readString(answer.fields()));
            Runtime.getRuntime().halt(EXIT_HANDSHAKE_FAILED);
        }
        if (answer.type() != Protocol.FRAME_WELCOME) {
            throw new ProtocolException("expected WELCOME, got " + answer);
        }
        DataInputStream welcome = answer.fields();
        welcome.readShort();
        int heartbeatMillis = welcome.readInt();
        int idleHeartbeatMillis = welcome.available() >= 4 ? welcome.readInt() : heartbeatMillis;
        Heartbeats heartbeats = null;
        if (heartbeatMillis > 0) {
            heartbeats = new Heartbeats(writer, heartbeatMillis, idleHeartbeatMillis);
            Thread heartbeat = new Thread(heartbeats, "processpool-heartbeat");
            heartbeat.setDaemon(true);
            heartbeat.start();
        }
        ProgressReporter.install(writer);
        OutputMarks.install(writer);

        // The reader thread takes frames off the channel while the main thread runs tasks, so that the pool
        // can keep the next tasks waiting here (pipelining) and cancel them before they start.
        LinkedBlockingDeque<Frame> tasks = new LinkedBlockingDeque<>();
        Thread readerThread = new Thread(new Loop(Loop.READ_FRAMES, writer, reader, channel, tasks),
                "processpool-channel-reader");
        readerThread.setDaemon(true);
        readerThread.start();
        while (true) {
            Frame task = tasks.poll();
            if (task == null) {
                writer.flush(); // a result held back for the next task's STARTED must not wait
                if (heartbeats != null) {
                    heartbeats.waiting();
                }
                task = tasks.take();
                if (heartbeats != null) {
                    heartbeats.working();
                }
            }
            TaskRunner.run(task, writer, tasks);
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
        static final int READ_FRAMES = 1;

        private final int kind;
        private final FrameWriter writer;
        private final FrameReader reader;
        private final SocketChannel channel;
        private final BlockingDeque<Frame> tasks;

        Loop(int kind, FrameWriter writer, FrameReader reader, SocketChannel channel, BlockingDeque<Frame> tasks) {
            this.kind = kind;
            this.writer = writer;
            this.reader = reader;
            this.channel = channel;
            this.tasks = tasks;
        }

        @Override
        public void run() {
            switch (kind) {
                case WATCH_PARENT:
                    ParentWatch.watch();
                    break;
                default:
                    readFrames(reader, writer, channel, tasks);
                    break;
            }
        }
    }

    /** Reads frames until the parent says stop or goes away. */
    private static void readFrames(FrameReader reader, FrameWriter writer, SocketChannel channel,
                                   BlockingDeque<Frame> tasks) {
        try {
            while (true) {
                Frame frame = reader.read();
                if (frame == null) {
                    ParentWatch.parentGone();
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
                        List<Frame> given = new ArrayList<>();
                        tasks.drainTo(given);
                        ByteBuffer body = ByteBuffer.allocate(4 + 8 * given.size());
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
            ParentWatch.parentGone();
        }
    }

    private static long sequenceOf(Frame frame) {
        try {
            return frame.sequence();
        } catch (ProtocolException e) {
            return -1;
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
            ParentWatch.parentGone();
        }
        return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8).strip();
    }
}
