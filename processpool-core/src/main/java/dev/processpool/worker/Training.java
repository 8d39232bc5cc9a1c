package dev.processpool.worker;

import dev.processpool.TaskFunction;
import dev.processpool.protocol.ChannelStreams;
import dev.processpool.protocol.CompactLambda;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.TaskPayload;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The worker's training mode, for the parent's class-data cache ({@code transport.ClassDataCache}): the JVM
 * runs {@link WorkerMain}'s real start-up and task loop against a parent played by a thread of its own, over a Unix-domain socket in a private
 * temporary directory, and then exits normally, which is when the JVM writes the class-data archive it was
 * told to. The tasks cover what a worker does around its first results: the handshake, function tasks
 * (a compact lambda with no and with plain arguments, a Java-serialised one with keyword arguments), a
 * callable-class task, a task that throws, plain and serialised results.
 */
final class Training {

    private Training() {
    }

    static void run() throws Exception {
        Thread limit = new Thread(new Limit(), "processpool-training-limit");
        limit.setDaemon(true);
        limit.start();
        Path base = Paths.get(System.getProperty("java.io.tmpdir"));
        if (base.toString().length() > 60 && Files.isDirectory(Paths.get("/tmp"))) {
            base = Paths.get("/tmp"); // Unix socket paths are short
        }
        Path dir = Files.createTempDirectory(base, "processpool-training-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path socket = dir.resolve("t.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket), 1);
        Thread parent = new Thread(new Parent(server, socket, dir), "processpool-training-parent");
        parent.setDaemon(true);
        parent.start();
        WorkerMain.run(socket, "training", false); // exits when the parent sends SHUTDOWN
    }

    /** A callable-class task, as the pool's callable-class tasks are run. */
    public static final class Sample implements Callable<Object> {
        private final int n;

        public Sample(int n) {
            this.n = n;
        }

        @Override
        public Object call() {
            return new java.util.ArrayList<>(List.of(n, "done"));
        }
    }

    private static TaskFunction echo() {
        return (args, kwargs) -> args.isEmpty() ? kwargs.get("k") : args.get(0);
    }

    private static TaskFunction fail() {
        return (args, kwargs) -> {
            throw new IllegalStateException("a training failure");
        };
    }

    /** The parent's side of the session. */
    private static final class Parent implements Runnable {
        private final ServerSocketChannel server;
        private final Path socket;
        private final Path dir;

        Parent(ServerSocketChannel server, Path socket, Path dir) {
            this.server = server;
            this.socket = socket;
            this.dir = dir;
        }

        @Override
        public void run() {
            try {
                session();
            } catch (Throwable t) {
                t.printStackTrace();
                Runtime.getRuntime().halt(1); // no archive from a session that went wrong
            }
        }

        private void session() throws IOException {
            SocketChannel channel = server.accept();
            server.close();
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
            FrameReader reader = new FrameReader(ChannelStreams.input(channel), 64 << 20);
            FrameWriter writer = new FrameWriter(ChannelStreams.output(channel));
            Frame hello = reader.read();
            if (hello == null || hello.type() != Protocol.FRAME_HELLO) {
                throw new IOException("expected HELLO, got " + hello);
            }
            ByteArrayOutputStream welcome = new ByteArrayOutputStream();
            DataOutputStream fields = new DataOutputStream(welcome);
            fields.writeShort(Protocol.VERSION);
            fields.writeInt(60_000);
            writer.writeRaw(Protocol.FRAME_WELCOME, welcome.toByteArray());

            // as the pool sends them: a lambda that captures nothing in compact form, others Java-serialised
            byte[] compact = CompactLambda.encode(echo());
            byte[] serialised = JavaSerialization.serialize(echo());
            List<TaskPayload> tasks = new ArrayList<>();
            tasks.add(new TaskPayload(compact, null, TaskPayload.encodeArguments(List.of(), Map.of())));
            tasks.add(new TaskPayload(compact, null, TaskPayload.encodeArguments(List.of(1, "two"), Map.of())));
            Map<String, Object> kwargs = new LinkedHashMap<>();
            kwargs.put("k", new java.util.HashMap<>(Map.of("a", 1L)));
            tasks.add(new TaskPayload(serialised, null, TaskPayload.encodeArguments(List.of(), kwargs)));
            tasks.add(new TaskPayload(null, Sample.class.getName(), TaskPayload.encodeArguments(List.of(7), Map.of())));
            tasks.add(new TaskPayload(JavaSerialization.serialize(fail()), null,
                    TaskPayload.encodeArguments(List.of(), Map.of())));
            for (int i = 0; i < tasks.size(); i++) {
                writer.writeTask(i + 1, tasks.get(i), true);
            }
            int answered = 0;
            while (answered < tasks.size()) {
                Frame f = reader.read();
                if (f == null) {
                    throw new IOException("the worker closed the channel");
                }
                if (f.type() == Protocol.FRAME_RESULT || f.type() == Protocol.FRAME_ERROR) {
                    answered++;
                }
            }
            writer.writeEmpty(Protocol.FRAME_SHUTDOWN); // the worker exits normally: the archive is written
        }
    }

    /** Halts a training JVM that takes too long (it runs in the background, perhaps after its pool is gone). */
    private static final class Limit implements Runnable {
        @Override
        public void run() {
            try {
                Thread.sleep(Protocol.TRAINING_LIMIT_SECONDS * 1000L);
            } catch (InterruptedException ignored) {
                // halt anyway
            }
            Runtime.getRuntime().halt(1);
        }
    }
}
