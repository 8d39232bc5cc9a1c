package dev.processpool;

import dev.processpool.testing.WorkerOnlyClasses;
import dev.processpool.testing.Processes;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Faulty tasks and process helpers for FaultMatrixTest and ChaosTest. Every task function is a lambda made
 * in a static method, so it captures only its (serialisable) arguments; classes that workers instantiate
 * are public static nested classes.
 */
public final class FaultTasks {

    /** The system property that makes {@link SlowStartWorker} wait before it starts the real worker. */
    static final String START_DELAY_PROPERTY = "faulttasks.startDelayMillis";

    private FaultTasks() {
    }

    // ====================================================================================== task functions

    /** Returns args[0] (any serialisable value). */
    static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    /** Throws an IllegalStateException with message args[0]. */
    static TaskFunction throwIllegalState() {
        return (args, kwargs) -> {
            throw new IllegalStateException((String) args.get(0));
        };
    }

    /** Spins on the CPU forever, never blocking (so never interruptible). */
    static TaskFunction busyLoopForever() {
        return (args, kwargs) -> {
            long n = 0;
            while (true) {
                n = n * 31 + 7;
                if (n == 42) {
                    return "unlikely";
                }
            }
        };
    }

    /**
     * Ignores everything polite: swallows interrupts, interrupts nobody, ignores SIGTERM (so even the
     * pool's terminate step does not end it) and keeps sleeping. Only SIGKILL ends it. Prints args[0] + pid
     * to stderr first, when given.
     */
    static TaskFunction stubborn() {
        return (args, kwargs) -> {
            ignoreSigterm();
            if (!args.isEmpty()) {
                System.err.println(String.valueOf(args.get(0)) + ProcessHandle.current().pid());
                System.err.flush();
            }
            while (true) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // ignored on purpose
                }
            }
        };
    }

    /** Allocates until the (capped) heap is exhausted. */
    static TaskFunction allocateUntilOutOfMemory() {
        return (args, kwargs) -> {
            List<long[]> hog = new ArrayList<>();
            while (true) {
                hog.add(new long[1 << 20]); // 8 MiB each
            }
        };
    }

    /** Recurses until the stack overflows. */
    static TaskFunction recurseForever() {
        return (args, kwargs) -> Recursion.down(0);
    }

    /** Crashes the worker JVM in native code: a write to address 0 through sun.misc.Unsafe (SIGSEGV). */
    static TaskFunction segfault() {
        return (args, kwargs) -> {
            System.err.println("about to segfault in worker " + ProcessHandle.current().pid());
            System.err.flush();
            Native.crash();
            return "survived a segfault?";
        };
    }

    /**
     * Writes {@code args[0]} bytes of random garbage (seed args[1]) straight to file descriptors 1 and 2,
     * bypassing System.out/err: NULs, lone CRs, invalid UTF-8, long runs without a newline. Then writes the
     * marker args[2] as a line to both and returns it.
     */
    static TaskFunction garbageToStdoutAndStderr() {
        return (args, kwargs) -> {
            int bytes = ((Number) args.get(0)).intValue();
            Random random = new Random(((Number) args.get(1)).longValue());
            String marker = (String) args.get(2);
            byte[] junk = new byte[bytes];
            random.nextBytes(junk);
            // a long stretch without any newline, and some nasty sequences
            for (int i = 0; i < Math.min(bytes, 20_000); i++) {
                if (junk[i] == '\n') {
                    junk[i] = 'x';
                }
            }
            byte[] nasty = {0, 0, '\r', (byte) 0xC3, (byte) 0x28, (byte) 0xFF, (byte) 0xFE, '\r', '\n', 0x1B, '[', '2', 'J'};
            @SuppressWarnings("resource") // must not close fd 1 and 2
            OutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            @SuppressWarnings("resource")
            OutputStream fd2 = new FileOutputStream(FileDescriptor.err);
            for (OutputStream fd : List.of(fd1, fd2)) {
                fd.write(nasty);
                fd.write(junk);
                fd.write(nasty);
                fd.write(("\n" + marker + "\n").getBytes(StandardCharsets.UTF_8));
                fd.flush();
            }
            return marker;
        };
    }

    /** Returns a byte[] of args[0] MiB whose first and last bytes are 1 and 2 (and every 1 MiB is (byte) i). */
    static TaskFunction bigResult() {
        return (args, kwargs) -> {
            int mib = ((Number) args.get(0)).intValue();
            byte[] b = new byte[mib << 20];
            for (int i = 0; i < mib; i++) {
                b[i << 20] = (byte) i;
            }
            b[0] = 1;
            b[b.length - 1] = 2;
            return b;
        };
    }

    /** Returns a value that cannot be serialised (a list holding a plain Object). */
    static TaskFunction unserializableResult() {
        return (args, kwargs) -> {
            List<Object> l = new ArrayList<>();
            l.add("fine");
            l.add(new NotSerializableThing());
            return l;
        };
    }

    /** Throws an exception that cannot be serialised (message args[0]). */
    static TaskFunction throwUnserializable() {
        return (args, kwargs) -> {
            throw new TestTasksA.UnserializableTaskException((String) args.get(0),
                    new IllegalArgumentException("inner reason"));
        };
    }

    /**
     * Starts {@code sleep 1000}, with stdout and stderr inherited from the worker (so it holds the worker's
     * output pipes), writes its pid to the file args[0] (atomically), then kills the worker the way args[1]
     * says: "halt", "exit" or "sigkill".
     */
    static TaskFunction spawnChildThenDie() {
        return (args, kwargs) -> {
            Process child = new ProcessBuilder("sleep", "1000")
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            writeAtomically(Paths.get((String) args.get(0)), Long.toString(child.pid()));
            dieBy((String) args.get(1), 17);
            return "not reached";
        };
    }

    /** Kills its own worker as args[0] says ("halt", "exit", "sigkill"; exit code args[1] where it applies). */
    static TaskFunction die() {
        return (args, kwargs) -> {
            dieBy((String) args.get(0), ((Number) args.get(1)).intValue());
            return "not reached";
        };
    }

    /** Stops its own worker with SIGSTOP (a hang the task's code cannot get out of). */
    static TaskFunction sigstopSelf() {
        return (args, kwargs) -> {
            signalSelf("-STOP");
            Thread.sleep(60_000); // if the signal is late
            return "not reached";
        };
    }

    /** Creates the file args[0] (so the test knows the task has started), then sleeps forever. */
    static TaskFunction touchThenSleepForever() {
        return (args, kwargs) -> {
            writeAtomically(Paths.get((String) args.get(0)), Long.toString(ProcessHandle.current().pid()));
            Thread.sleep(Long.MAX_VALUE);
            return "not reached";
        };
    }

    /** Sleeps args[0] ms and returns args[1]. */
    static TaskFunction sleepThenReturn() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            return args.get(1);
        };
    }

    // ================================================================================ worker-side helpers

    static void dieBy(String how, int code) throws Exception {
        System.err.println("dying by " + how + " in worker " + ProcessHandle.current().pid());
        System.err.flush();
        switch (how) {
            case "halt":
                Runtime.getRuntime().halt(code);
                break;
            case "exit":
                System.exit(code);
                break;
            case "sigkill":
                signalSelf("-KILL");
                Thread.sleep(60_000);
                break;
            default:
                throw new IllegalArgumentException(how);
        }
    }

    static void signalSelf(String signal) throws Exception {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(ProcessHandle.current().pid()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        kill.getOutputStream().close();
        kill.waitFor();
    }

    static void ignoreSigterm() {
        sun.misc.Signal.handle(new sun.misc.Signal("TERM"), sig -> { });
    }

    static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deep recursion with a frame that the JIT cannot turn into a loop. */
    public static final class Recursion {
        private Recursion() {
        }

        static long down(long depth) {
            return down(depth + 1) + depth;
        }
    }

    /** Reaches sun.misc.Unsafe through reflection. */
    public static final class Native {
        private Native() {
        }

        static void crash() throws ReflectiveOperationException {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
            unsafe.putAddress(0, 0);
            unsafe.getByte(0);
        }
    }

    /** Not serialisable. */
    public static final class NotSerializableThing {
        public final Object inside = new Object();

        @Override
        public String toString() {
            return "NotSerializableThing";
        }
    }

    /**
     * A worker main class that waits {@value #START_DELAY_PROPERTY} ms (a system property of the worker JVM)
     * before it runs the real {@code WorkerMain}: makes "killed while starting" deterministic.
     */
    public static final class SlowStartWorker {
        private SlowStartWorker() {
        }

        public static void main(String[] argv) throws Exception {
            Thread.sleep(Long.getLong(START_DELAY_PROPERTY, 0));
            dev.processpool.worker.WorkerMain.main(argv);
        }
    }

    // ================================================================================== parent helpers

    /** JVM options that keep a crashing worker from leaving core dumps or hs_err files in the project. */
    static String[] crashOptions(Path errorDir) {
        return new String[] {"-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorDir.resolve("hs_err_%p.log")};
    }

    /** The worker processes (of any pool) that are children of this JVM and alive, not zombies. */
    static List<ProcessHandle> workerProcesses() {
        return ProcessHandle.current().children()
                .filter(p -> Processes.isRunning(p.pid()))
                .filter(p -> p.info().commandLine().map(c -> c.contains("-Dprocesspool.worker=")).orElse(false))
                .collect(Collectors.toList());
    }

    /** The pids of {@link #workerProcesses()}. */
    static Set<Long> workerPids() {
        return workerProcesses().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Sends a signal ("-KILL", "-STOP", "-CONT") to one process this test started, by pid. */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.getOutputStream().close();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a pid file written by a task, if it is there. */
    static Optional<Long> readPid(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Open file descriptors of this JVM. */
    static int openFds() {
        try (var s = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Used heap after a few full collections. */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Classes known only to the workers: compiled at test time into {@code dir/classes}. */
    static Path compileWorkerOnlyClasses(Path dir) throws IOException {
        return WorkerOnlyClasses.compile(dir, Map.of(
                "wonlyf.WorkerOnlyFaultException", String.join("\n",
                        "package wonlyf;",
                        "public class WorkerOnlyFaultException extends RuntimeException {",
                        "    public WorkerOnlyFaultException(String m) { super(m); }",
                        "}"),
                "wonlyf.WorkerOnlyValue", String.join("\n",
                        "package wonlyf;",
                        "public class WorkerOnlyValue implements java.io.Serializable {",
                        "    private static final long serialVersionUID = 1L;",
                        "    public final String text;",
                        "    public WorkerOnlyValue(String text) { this.text = text; }",
                        "}"),
                "wonlyf.ThrowWorkerOnly", String.join("\n",
                        "package wonlyf;",
                        "public class ThrowWorkerOnly implements java.util.concurrent.Callable<Object> {",
                        "    private final String text;",
                        "    public ThrowWorkerOnly(String text) { this.text = text; }",
                        "    public Object call() { throw new WorkerOnlyFaultException(\"worker-only: \" + text); }",
                        "}"),
                "wonlyf.ReturnWorkerOnly", String.join("\n",
                        "package wonlyf;",
                        "public class ReturnWorkerOnly implements java.util.concurrent.Callable<Object> {",
                        "    private final String text;",
                        "    public ReturnWorkerOnly(String text) { this.text = text; }",
                        "    public Object call() { return new WorkerOnlyValue(text); }",
                        "}")));
    }
}
