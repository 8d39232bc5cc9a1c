package dev.processpool;

import dev.processpool.protocol.ChannelStreams;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.FunctionCache;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.worker.WorkerMain;
import org.apache.commons.collections.functors.InvokerTransformer;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A worker main class for tests that plays a hostile (or broken) worker. Used through
 * {@code PoolConfig.builder().workerMainClass("dev.processpool.HostileWorkerMain")}.
 *
 * <h2>Choosing the behaviour, per launch</h2>
 * The environment variable {@value #MODE_FILE_ENV} names a file of modes, one per line. Each launch takes the
 * first line (under a file lock, rewriting the rest with an atomic rename), so a pool first gets hostile
 * workers and then honest ones. When the file is empty, missing or the variable unset, the mode is
 * {@code honest}. A line is {@code mode} or {@code mode argument}.
 *
 * <p>Every launch appends {@code <pid> launched <mode> <socket path>} to {@code <mode file>.log}, and
 * {@code <pid> acted <mode>} just before it does its mischief (after it, the parent may kill it at once), so a
 * test knows which pid played which part.
 *
 * <h2>Modes</h2>
 * <ul>
 *   <li>{@code honest}: delegates to the real {@link WorkerMain} (the pool stays usable);</li>
 *   <li>handshake: {@code wrong-version} (HELLO with version 99), {@code wrong-token}, {@code bad-magic},
 *       {@code hello-random-bytes} (random bytes instead of HELLO, then end of output),
 *       {@code hello-stall} (connects and says nothing);</li>
 *   <li>on the first TASK (later tasks are run honestly; heartbeats are sent as the WELCOME asks):
 *       {@code gadget-result} (RESULT = the serialised stand-in {@link InvokerTransformer} whose marker path is
 *       the argument), {@code gadget-nested} (the gadget inside a list and a map), {@code gadget-error} (ERROR
 *       whose serialised exception is the gadget), {@code deep-nesting} (RESULT = an Object[] nested 100,000
 *       deep), {@code array-bomb} (RESULT = 40 nested Object[] each announcing the argument's number of
 *       elements, in a few hundred bytes), {@code oversize} (a header announcing 2 GiB, then silence),
 *       {@code truncated} (header of 1000 bytes, 10 sent, channel closed, exit), {@code truncated-stall}
 *       (the same, but it stays silent: no heartbeat either), {@code random-bytes} (STARTED, then 4 KiB of
 *       seeded random bytes, seed = argument, then channel closed and exit), {@code random-bytes-before-started}
 *       (the same without STARTED), {@code bad-sequence} (RESULT for a sequence
 *       number never sent, then it hangs with heartbeats), {@code unknown-frame} (a frame of type 77),
 *       {@code huge-error} (an ERROR frame of the argument's number of MiB, sent whole; later tasks are run
 *       honestly), {@code late-answer} (every task whose first argument is
 *       {@code timed-<round>-<timeout ms>-<late µs>} is answered that late after its timeout, the task held
 *       behind it started at once; other tasks are answered at once).</li>
 * </ul>
 */
public final class HostileWorkerMain {

    static final String MODE_FILE_ENV = "HOSTILE_MODE_FILE";

    private static final long PID = ProcessHandle.current().pid();
    private static Path logFile;
    private static volatile boolean heartbeats = true;

    private HostileWorkerMain() {
    }

    public static void main(String[] argv) throws Exception {
        Path socket = Path.of(argv[0]);
        String line = pickMode(socket);
        String mode = line.contains(" ") ? line.substring(0, line.indexOf(' ')) : line;
        String arg = line.contains(" ") ? line.substring(line.indexOf(' ') + 1).strip() : null;
        if (mode.equals("honest")) {
            WorkerMain.main(argv);
            return;
        }
        watchParent();
        try {
            run(socket, mode, arg);
        } catch (Throwable t) {
            System.err.println("hostile worker (" + mode + ") ended: " + t);
        }
        Runtime.getRuntime().halt(0);
    }

    // ================================================================================== mode selection

    private static String pickMode(Path socket) throws IOException {
        String file = System.getenv(MODE_FILE_ENV);
        String fallback = "honest";
        if (file == null) {
            return fallback;
        }
        Path modes = Path.of(file);
        logFile = Path.of(file + ".log");
        try (FileChannel lockChannel = FileChannel.open(Path.of(file + ".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
             FileLock ignored = lockChannel.lock()) {
            String mode = fallback;
            if (Files.exists(modes)) {
                List<String> lines = new ArrayList<>();
                for (String l : Files.readAllLines(modes, StandardCharsets.UTF_8)) {
                    if (!l.isBlank()) {
                        lines.add(l.strip());
                    }
                }
                if (!lines.isEmpty()) {
                    mode = lines.remove(0);
                    Path tmp = Path.of(file + ".tmp");
                    Files.write(tmp, lines, StandardCharsets.UTF_8);
                    Files.move(tmp, modes, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            log("launched " + mode + " " + socket);
            return mode;
        }
    }

    private static void log(String what) {
        if (logFile == null) {
            return;
        }
        try {
            Files.writeString(logFile, PID + " " + what + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("hostile worker cannot log: " + e);
        }
    }

    /** Leaves at once when the parent goes away, whatever the mode is doing. */
    private static void watchParent() {
        long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(100);
                    if (ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != parent) {
                        Runtime.getRuntime().halt(3);
                    }
                }
            } catch (InterruptedException e) {
                Runtime.getRuntime().halt(3);
            }
        }, "hostile-parent-watch");
        t.setDaemon(true);
        t.start();
    }

    // ======================================================================================= handshake

    private static void run(Path socket, String mode, String arg) throws Exception {
        String token = readTokenLine(System.in);
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        InputStream in = ChannelStreams.input(channel);
        OutputStream out = ChannelStreams.output(channel);
        FrameReader reader = new FrameReader(in, Integer.MAX_VALUE - 8);
        FrameWriter writer = new FrameWriter(out);

        boolean handshakeMode = List.of("wrong-version", "wrong-token", "bad-magic", "hello-random-bytes",
                "hello-stall").contains(mode);
        if (handshakeMode) {
            log("acted " + mode); // before acting: the parent may kill this process at once
        }
        switch (mode) {
            case "wrong-version":
                hello(writer, Protocol.MAGIC, (short) 99, token);
                break;
            case "wrong-token":
                hello(writer, Protocol.MAGIC, Protocol.VERSION, HexFormat.of().formatHex(new byte[32]));
                break;
            case "bad-magic":
                hello(writer, 0xDEADBEEF, Protocol.VERSION, token);
                break;
            case "hello-random-bytes": {
                byte[] noise = new byte[512];
                new Random(7).nextBytes(noise);
                out.write(noise);
                channel.shutdownOutput();
                break;
            }
            case "hello-stall":
                break;
            default:
                hello(writer, Protocol.MAGIC, Protocol.VERSION, token);
                Frame answer = reader.read();
                if (answer == null || answer.type() != Protocol.FRAME_WELCOME) {
                    throw new IOException("no WELCOME: " + answer);
                }
                java.io.DataInputStream welcome = answer.fields();
                welcome.readShort();
                int heartbeatMillis = welcome.readInt();
                if (heartbeatMillis > 0) {
                    startHeartbeats(writer, heartbeatMillis);
                }
                serve(channel, reader, writer, out, mode, arg);
                return;
        }
        // Wait until the parent hangs up (it closes the channel, or kills this process).
        drain(in);
    }

    private static void hello(FrameWriter writer, int magic, short version, String token) throws IOException {
        ByteArrayOutputStream hello = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(hello);
        h.writeInt(magic);
        h.writeShort(version);
        h.writeLong(PID);
        FrameWriter.writeString(h, token);
        h.flush();
        writer.writeRaw(Protocol.FRAME_HELLO, hello.toByteArray());
    }

    private static void drain(InputStream in) {
        try {
            byte[] buf = new byte[8192];
            while (in.read(buf, 0, buf.length) >= 0) {
                // discard
            }
        } catch (IOException gone) {
            // the parent closed the channel
        }
    }

    private static void startHeartbeats(FrameWriter writer, int intervalMillis) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(intervalMillis);
                    synchronized (writer) {
                        if (!heartbeats) {
                            return;
                        }
                        writer.writeEmpty(Protocol.FRAME_HEARTBEAT);
                    }
                }
            } catch (InterruptedException | IOException e) {
                // channel gone
            }
        }, "hostile-heartbeat");
        t.setDaemon(true);
        t.start();
    }

    // ========================================================================================= tasks

    private static void serve(SocketChannel channel, FrameReader reader, FrameWriter writer, OutputStream out,
                              String mode, String arg) throws Exception {
        boolean first = true;
        while (true) {
            Frame frame = reader.read();
            if (frame == null || frame.type() == Protocol.FRAME_SHUTDOWN) {
                return;
            }
            if (frame.type() == Protocol.FRAME_CANCEL || frame.type() == Protocol.FRAME_RECLAIM) {
                continue; // tasks are read one at a time here: none waits unstarted to be cancelled or given back
            }
            if (frame.type() != Protocol.FRAME_TASK) {
                throw new IOException("unexpected frame " + frame);
            }
            long seq = frame.sequence();
            if (mode.equals("late-answer")) {
                Object tag = firstArgument(frame);
                if (tag instanceof String t && t.startsWith("timed-")) {
                    log("acted " + mode);
                    lateAnswer(reader, writer, frame, seq, t);
                } else {
                    runQuickly(writer, frame, seq); // the parent then pipelines tasks to this worker
                }
                continue;
            }
            if (first) {
                first = false;
                log("acted " + mode); // before acting: the parent may kill this process at once
                if (!misbehave(channel, reader, writer, out, mode, arg, seq)) {
                    drain(ChannelStreams.input(channel));
                    return;
                }
                continue;
            }
            runHonestly(writer, frame, seq);
        }
    }

    /**
     * Answers the first task in a hostile way.
     *
     * @return true if the channel is still in order and later tasks should be served honestly
     */
    private static boolean misbehave(SocketChannel channel, FrameReader reader, FrameWriter writer, OutputStream out,
                                     String mode, String arg, long seq) throws Exception {
        switch (mode) {
            case "huge-error": {
                // an ERROR frame of arg MiB (under maxFrameBytes), sent whole, a MiB at a time
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                int mib = Integer.parseInt(arg);
                synchronized (writer) {
                    heartbeats = false;
                    out.write(header(1 + 8 + (mib << 20), Protocol.FRAME_ERROR, seq, 0));
                    byte[] chunk = new byte[1 << 20];
                    for (int i = 0; i < mib; i++) {
                        out.write(chunk);
                    }
                    out.flush();
                    heartbeats = true;
                }
                return true;
            }
            case "gadget-result":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                writer.writeSequenced(Protocol.FRAME_RESULT, seq,
                        JavaSerialization.serialize(new InvokerTransformer(arg)), true);
                return true;
            case "gadget-nested": {
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                Map<String, Object> inner = new HashMap<>();
                inner.put("payload", new InvokerTransformer(arg));
                List<Object> result = new ArrayList<>(List.of("harmless", 42));
                result.add(inner);
                writer.writeSequenced(Protocol.FRAME_RESULT, seq, JavaSerialization.serialize(result), true);
                return true;
            }
            case "gadget-error": {
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                RemoteFailure failure = new RemoteFailure(RemoteFailure.TASK_THREW,
                        "java.lang.IllegalStateException: hostile failure\n",
                        List.of(new RemoteFailure.Level("java.lang.IllegalStateException", "hostile failure",
                                new StackTraceElement[0])),
                        JavaSerialization.serialize(new InvokerTransformer(arg)));
                writer.writeSequenced(Protocol.FRAME_ERROR, seq, failure.encode(), true);
                return true;
            }
            case "deep-nesting":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                writer.writeSequenced(Protocol.FRAME_RESULT, seq, nestedArrays(100_000, 1, false), true);
                return true;
            case "array-bomb":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                writer.writeSequenced(Protocol.FRAME_RESULT, seq, nestedArrays(40, Integer.parseInt(arg), true), true);
                return true;
            case "oversize":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                rawAfterSilencingHeartbeats(writer, out, header(Integer.MAX_VALUE, Protocol.FRAME_RESULT, seq, 0));
                return false;
            case "truncated":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                rawAfterSilencingHeartbeats(writer, out, header(1000, Protocol.FRAME_RESULT, seq, 1));
                channel.close();
                Runtime.getRuntime().halt(0);
                return false;
            case "truncated-stall":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                rawAfterSilencingHeartbeats(writer, out, header(1000, Protocol.FRAME_RESULT, seq, 1));
                return false;
            case "random-bytes":
            case "random-bytes-before-started": {
                if (mode.equals("random-bytes")) {
                    writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                }
                byte[] noise = new byte[4096];
                new Random(arg == null ? 1 : Long.parseLong(arg)).nextBytes(noise);
                rawAfterSilencingHeartbeats(writer, out, noise);
                channel.close();
                Runtime.getRuntime().halt(0);
                return false;
            }
            case "bad-sequence":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                writer.writeSequenced(Protocol.FRAME_RESULT, seq + 1_000_000, JavaSerialization.serialize("forged"),
                        true);
                // then it hangs on the real task, heartbeats going
                return false;
            case "flood-frames": {
                // heartbeats and output as fast as the channel takes them, for good, the task never answered
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                byte[] text = "flood\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                while (true) {
                    writer.writeEmpty(Protocol.FRAME_HEARTBEAT);
                    writer.writeOutput(seq, Protocol.STDOUT, text, 0, text.length);
                }
            }
            case "unknown-frame":
                writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
                writer.writeRaw((byte) 77, new byte[] {1, 2, 3});
                return false;
            default:
                throw new IllegalArgumentException("unknown hostile mode " + mode);
        }
    }

    /**
     * For a task whose argument is {@code timed-<round>-<timeout ms>-<late µs>}: waits until a second task is
     * held, starts this one, answers it that late after its timeout and starts the held one at once, as a
     * task that ends at its deadline does; "runs" the held one for a second (the parent kills this worker
     * meanwhile if it timed the first out), then answers it honestly.
     */
    private static void lateAnswer(FrameReader reader, FrameWriter writer, Frame frame, long seq, String tag)
            throws Exception {
        String[] f = tag.split("-");
        long timeoutMillis = Long.parseLong(f[2]);
        long lateMicros = Long.parseLong(f[3]);
        Frame held = readTaskWithin(reader, 2000);
        writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000 + lateMicros * 1_000;
        while (System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        writer.writeSequenced(Protocol.FRAME_RESULT, seq, JavaSerialization.serialize(answerOf(frame)), false);
        if (held != null) {
            writer.writeSequenced(Protocol.FRAME_STARTED, held.sequence(), null, true);
        }
        writer.flush();
        if (held != null) {
            Thread.sleep(1000);
            writer.writeSequenced(Protocol.FRAME_RESULT, held.sequence(), JavaSerialization.serialize(answerOf(held)),
                    true);
        }
    }

    private static Object firstArgument(Frame frame) {
        try {
            TaskPayload payload = TaskPayload.decode(frame.body(), 8);
            List<?> args = (List<?>) payload.decodeArguments(Thread.currentThread().getContextClassLoader())[0];
            return args.isEmpty() ? null : args.get(0);
        } catch (Exception e) {
            return null;
        }
    }

    /** The next TASK frame, if one arrives within {@code millis} (other frames are skipped). */
    private static Frame readTaskWithin(FrameReader reader, long millis) throws Exception {
        java.util.concurrent.CompletableFuture<Frame> next = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                Frame f;
                while ((f = reader.read()) != null) {
                    if (f.type() == Protocol.FRAME_TASK) {
                        return f;
                    }
                }
            } catch (IOException e) {
                // channel gone
            }
            return null;
        });
        try {
            return next.get(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        }
    }

    private static void rawAfterSilencingHeartbeats(FrameWriter writer, OutputStream out, byte[] bytes)
            throws IOException {
        synchronized (writer) {
            heartbeats = false;
            out.write(bytes);
            out.flush();
        }
    }

    /** A frame header (length, type, sequence) followed by {@code extra} zero bytes: a frame's beginning. */
    private static byte[] header(int length, byte type, long seq, int extra) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(bos);
        d.writeInt(length);
        d.writeByte(type);
        d.writeLong(seq);
        d.write(new byte[extra]);
        d.flush();
        return bos.toByteArray();
    }

    /**
     * A serialisation stream of {@code depth} Object[] arrays, each the only element of the one before, built
     * by hand (serialising it would overflow this thread's stack). Each array announces {@code length}
     * elements; when {@code cut} the stream ends right after the innermost array's header (an allocation bomb:
     * the reader allocates every array before it finds the stream ends), else the innermost element is null.
     */
    static byte[] nestedArrays(int depth, int length, boolean cut) throws IOException {
        byte[] one = JavaSerialization.serialize(new Object[] {null});
        // ... TC_ARRAY classDesc(handle 0x7E0000) int32 length TC_NULL: cut off the length and the null
        ByteArrayOutputStream bos = new ByteArrayOutputStream(depth * 10 + one.length);
        DataOutputStream d = new DataOutputStream(bos);
        d.write(one, 0, one.length - 5);
        d.writeInt(length);
        for (int i = 1; i < depth; i++) {
            d.writeByte(0x75); // TC_ARRAY
            d.writeByte(0x71); // TC_REFERENCE to the class descriptor of Object[]
            d.writeInt(0x7E0000);
            d.writeInt(length);
        }
        if (!cut) {
            d.writeByte(0x70); // TC_NULL
        }
        d.flush();
        return bos.toByteArray();
    }

    /**
     * Runs a task before saying it started, then answers at once: to the parent it took microseconds, so the
     * parent pipelines the next tasks to this worker.
     */
    private static void runQuickly(FrameWriter writer, Frame frame, long seq) throws IOException {
        Object answer = answerOf(frame);
        writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, false);
        writer.writeSequenced(Protocol.FRAME_RESULT, seq, JavaSerialization.serialize(answer), true);
    }

    /** What a (function) task returns; an exception's message if it throws. */
    @SuppressWarnings("unchecked")
    private static Object answerOf(Frame frame) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            TaskPayload payload = TaskPayload.decode(frame.body(), 8);
            Object[] both = payload.decodeArguments(loader);
            TaskFunction function = (TaskFunction) new FunctionCache().get(payload.functionBytes(), loader);
            return function.call((List<Object>) both[0], (Map<String, Object>) both[1]);
        } catch (Exception e) {
            return "failed: " + e;
        }
    }

    @SuppressWarnings("unchecked")
    private static void runHonestly(FrameWriter writer, Frame frame, long seq) throws IOException {
        writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            TaskPayload payload = TaskPayload.decode(frame.body(), 8);
            Object[] both = payload.decodeArguments(loader);
            List<Object> args = (List<Object>) both[0];
            Map<String, Object> kwargs = (Map<String, Object>) both[1];
            TaskFunction function = (TaskFunction) new FunctionCache().get(payload.functionBytes(), loader);
            Object result = function.call(args, kwargs);
            writer.writeSequenced(Protocol.FRAME_RESULT, seq, JavaSerialization.serialize(result), true);
        } catch (Exception e) {
            writer.writeSequenced(Protocol.FRAME_ERROR, seq, RemoteFailure.of(RemoteFailure.TASK_THREW, e).encode(),
                    true);
        }
    }

    private static String readTokenLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            sb.append((char) b);
        }
        return sb.toString().strip();
    }
}
