package dev.processpool;

import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.TaskProgress;
import dev.processpool.worker.WorkerMain;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The catalogue of the core tests' task functions, and the classes workers load for them. Every task function
 * is a lambda made in a static method, so that it captures nothing but its (serialisable) arguments; classes
 * that workers instantiate are public static nested classes with public constructors. A {@code Thread.sleep}
 * here is what a task does (it runs, or hangs, in a worker), never a test waiting for something.
 */
public final class TestTasks {

    /** The system property that makes {@link SlowStartWorker} wait before it starts the real worker. */
    static final String START_DELAY_PROPERTY = "faulttasks.startDelayMillis";

    private TestTasks() {
    }

    // =============================================================================== plain values

    /** Returns args[0]. */
    public static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    /** Returns the given (serialisable) value. */
    static TaskFunction constant(Object value) {
        return (args, kwargs) -> value;
    }

    /** Returns null, whatever the arguments. */
    static TaskFunction noop() {
        return (args, kwargs) -> null;
    }

    /** Returns the pid of the worker that ran it. */
    static TaskFunction workerPid() {
        return (args, kwargs) -> ProcessHandle.current().pid();
    }

    /** Returns kwargs[args[0]]. */
    static TaskFunction kwarg() {
        return (args, kwargs) -> kwargs.get((String) args.get(0));
    }

    /** Returns kwargs[args[0]] and the number of kwargs, as "value/n". */
    static TaskFunction kwargAndCount() {
        return (args, kwargs) -> kwargs.get((String) args.get(0)) + "/" + kwargs.size();
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

    /** Returns a byte[] of args[0] bytes (a Number), all zero. */
    static TaskFunction zeroBytes() {
        return (args, kwargs) -> new byte[((Number) args.get(0)).intValue()];
    }

    // ==================================================================================== waiting

    /** Sleeps args[0] milliseconds (a Number), then returns args[1] if given, else the worker's pid. */
    static TaskFunction sleepThenReturn() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            return args.size() > 1 ? args.get(1) : ProcessHandle.current().pid();
        };
    }

    /**
     * Interrupts the threads of its JVM named args[1] (say, the worker's heartbeat thread) ten times, 100 ms
     * apart, then sleeps args[0] milliseconds and returns "slept".
     */
    static TaskFunction interruptThreadsThenSleep() {
        return (args, kwargs) -> {
            for (int i = 0; i < 10; i++) {
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().equals(args.get(1))) {
                        t.interrupt();
                    }
                }
                Thread.sleep(100);
            }
            Thread.sleep(((Number) args.get(0)).longValue());
            return "slept";
        };
    }

    /** Sleeps (practically) forever. */
    public static TaskFunction sleepForever() {
        return (args, kwargs) -> {
            Thread.sleep(Long.MAX_VALUE);
            return "woke up";
        };
    }

    /**
     * Waits in the worker until the file args[0] exists (a gate the test opens), at most args[1] ms, then
     * returns args[2] if given, else the worker's pid. Fails if the gate never opened.
     */
    static TaskFunction waitForGate() {
        return (args, kwargs) -> {
            Path gate = Paths.get((String) args.get(0));
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(((Number) args.get(1)).longValue());
            while (!Files.exists(gate)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("gate " + gate + " never opened");
                }
                Thread.sleep(20);
            }
            return args.size() > 2 ? args.get(2) : ProcessHandle.current().pid();
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

    /**
     * Registers a JVM shutdown hook that never returns (so SIGTERM and System.exit cannot end the worker),
     * then sleeps args[0] milliseconds and returns its pid.
     */
    static TaskFunction hangingShutdownHookThenSleep() {
        return (args, kwargs) -> {
            Thread hook = new Thread(() -> {
                while (true) {
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException ignored) {
                        // keep hanging
                    }
                }
            }, "never-ending-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            Thread.sleep(((Number) args.get(0)).longValue());
            return ProcessHandle.current().pid();
        };
    }

    /** Creates the marker file args[0] and returns "ran". */
    static TaskFunction writeMarker() {
        return (args, kwargs) -> {
            Files.writeString(Paths.get((String) args.get(0)), "ran", StandardCharsets.US_ASCII);
            return "ran";
        };
    }

    /**
     * Reports progress every args[0] ms for args[1] ms (forever if negative), then sleeps forever; returns the
     * number of reports if it gets there.
     */
    static TaskFunction reportProgress() {
        return (args, kwargs) -> {
            long every = ((Number) args.get(0)).longValue();
            long forMillis = ((Number) args.get(1)).longValue();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(forMillis);
            int reports = 0;
            while (forMillis < 0 || System.nanoTime() < end) {
                TaskContext.reportProgress();
                reports++;
                Thread.sleep(every);
            }
            if (args.size() > 2 && Boolean.TRUE.equals(args.get(2))) {
                Thread.sleep(Long.MAX_VALUE);
            }
            return reports;
        };
    }

    // ================================================================================= exceptions

    /** Throws an IllegalStateException with the message args[0]. */
    public static TaskFunction thrower() {
        return (args, kwargs) -> {
            throw new IllegalStateException(String.valueOf(args.get(0)));
        };
    }

    /** Throws an exception with a two-level cause chain from {@link Thrower#throwingMethodOfTestTasks}. */
    static TaskFunction throwChain() {
        return (args, kwargs) -> Thrower.throwingMethodOfTestTasks((String) args.get(0));
    }

    /** Throws {@link UnserializableTaskException} (with a serialisable cause) from a named method. */
    static TaskFunction throwUnserializable() {
        return (args, kwargs) -> Thrower.unserializableThrowingMethodOfTestTasks((String) args.get(0));
    }

    /** Throws a {@link CustomTaskException} (serialisable, known to both sides). */
    static TaskFunction throwCustom() {
        return (args, kwargs) -> {
            throw new CustomTaskException((String) args.get(0), 42);
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

    /** A lambda that captures a non-serialisable object (it cannot be sent to a worker). */
    static TaskFunction capturingNonSerialisable() {
        Object lock = new Object();
        return (args, kwargs) -> lock.hashCode();
    }

    // ===================================================================================== memory

    /**
     * Allocates args[0] MiB in 1 MiB chunks, touching every page, and keeps them in a static list; then sleeps
     * args[1] ms (forever if negative) and returns the worker's pid.
     */
    static TaskFunction allocateAndKeep() {
        return (args, kwargs) -> {
            int mib = (Integer) args.get(0);
            for (int i = 0; i < mib; i++) {
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 1);
                Kept.CHUNKS.add(chunk);
            }
            long sleep = ((Number) args.get(1)).longValue();
            Thread.sleep(sleep < 0 ? Long.MAX_VALUE : sleep);
            return ProcessHandle.current().pid();
        };
    }

    /** The worker JVM's maximum heap. */
    static TaskFunction maxHeap() {
        return (args, kwargs) -> Runtime.getRuntime().maxMemory();
    }

    /** Keeps allocating 16 MiB chunks up to args[0] MiB. */
    static TaskFunction exhaustHeap() {
        return (args, kwargs) -> {
            List<long[]> hog = new ArrayList<>();
            for (int i = 0; i < (Integer) args.get(0) / 16; i++) {
                hog.add(new long[2 << 20]);
            }
            return hog.size();
        };
    }

    static TaskFunction slowToRead() {
        return (args, kwargs) -> new SlowToRead(((Number) args.get(0)).intValue(), ((Number) args.get(1)).longValue());
    }

    // ===================================================================================== output

    /**
     * Writes to stdout and stderr through System.out/System.err and straight to file descriptors 1 and 2,
     * including bytes that look like binary protocol data, then returns its pid. Lines are prefixed with
     * args[0] (a marker).
     */
    static TaskFunction noisy() {
        return (args, kwargs) -> {
            String m = (String) args.get(0);
            System.out.println(m + " out via System.out");
            System.err.println(m + " err via System.err");
            System.out.print(m + " partial ");
            System.out.println("line completed");
            FileOutputStream fd1 = new FileOutputStream(FileDescriptor.out);
            FileOutputStream fd2 = new FileOutputStream(FileDescriptor.err);
            // Junk that resembles frames: a length prefix, NULs and high bytes, then a newline.
            fd1.write(new byte[] {0, 0, 0, 12, 'P', 'P', 0x7f, (byte) 0xff, 1, 2, 3, '\n'});
            fd2.write(new byte[] {(byte) 0xca, (byte) 0xfe, (byte) 0xba, (byte) 0xbe, 0, '\n'});
            fd1.write((m + " raw fd1\n").getBytes(StandardCharsets.UTF_8));
            fd2.write((m + " raw fd2\n").getBytes(StandardCharsets.UTF_8));
            fd1.flush();
            fd2.flush();
            System.out.flush();
            System.err.flush();
            return ProcessHandle.current().pid();
        };
    }

    /** Writes args[0] lines of about 100 characters to stdout and to fd 2 directly, then returns "flooded". */
    static TaskFunction flood() {
        return (args, kwargs) -> {
            int n = (Integer) args.get(0);
            String filler = "x".repeat(90);
            FileOutputStream fd2 = new FileOutputStream(FileDescriptor.err);
            for (int i = 0; i < n; i++) {
                System.out.println("flood " + i + " " + filler);
                if (i % 10 == 0) {
                    fd2.write(("flood-err " + i + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            System.out.flush();
            return "flooded";
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

    /** Prints args[0] plus the worker's pid to stderr, then System.exit(args[1]). */
    static TaskFunction printThenExit() {
        return (args, kwargs) -> {
            System.err.println(String.valueOf(args.get(0)) + ProcessHandle.current().pid());
            System.err.flush();
            System.exit((Integer) args.get(1));
            return "not reached";
        };
    }

    /** Prints args[0] plus the worker's pid to stderr, then Runtime.halt(args[1]). */
    static TaskFunction printThenHalt() {
        return (args, kwargs) -> {
            System.err.println(String.valueOf(args.get(0)) + ProcessHandle.current().pid());
            System.err.flush();
            Runtime.getRuntime().halt((Integer) args.get(1));
            return "not reached";
        };
    }

    /** Prints args[0] plus the worker's pid to stderr, then sleeps forever (to be killed from outside). */
    static TaskFunction printThenSleepForever() {
        return (args, kwargs) -> {
            System.err.println(String.valueOf(args.get(0)) + ProcessHandle.current().pid());
            System.err.flush();
            Thread.sleep(Long.MAX_VALUE);
            return "not reached";
        };
    }

    // ================================================================= deaths, hangs and children

    /** Kills its own worker as args[0] says ("halt", "exit", "sigkill"; exit code args[1] where it applies). */
    static TaskFunction die() {
        return (args, kwargs) -> {
            dieBy((String) args.get(0), ((Number) args.get(1)).intValue());
            return "not reached";
        };
    }

    /**
     * Kills its own worker by SIGKILL on attempts up to args[0] ({@link TaskContext#attempt()}); on a later
     * attempt returns {@code "ok on attempt N"}.
     */
    static TaskFunction dieOnEarlyAttempts() {
        return (args, kwargs) -> {
            int attempt = TaskContext.attempt();
            if (attempt <= ((Number) args.get(0)).intValue()) {
                dieBy("sigkill", 0);
            }
            return "ok on attempt " + attempt;
        };
    }

    /**
     * Works in steps of 10 ms until its soft timeout passes (it sees the interrupt or
     * {@link TaskContext#softTimeoutReached()}), then returns what it did.
     */
    static TaskFunction stopAtSoftTimeout() {
        return (args, kwargs) -> {
            int steps = 0;
            while (!TaskContext.softTimeoutReached()) {
                try {
                    Thread.sleep(10);
                    steps++;
                } catch (InterruptedException e) {
                    break;
                }
            }
            return "stopped after " + (steps > 0 ? "some" : "no") + " steps, soft timeout reached: "
                    + TaskContext.softTimeoutReached();
        };
    }

    /**
     * Reports progress with a payload args[0] times, 10 ms apart ("step i of n"), then 1.0 "done" and returns
     * the number of steps.
     */
    static TaskFunction reportSteps() {
        return (args, kwargs) -> {
            int n = ((Number) args.get(0)).intValue();
            for (int i = 0; i < n; i++) {
                TaskContext.reportProgress((double) i / n, "step " + i + " of " + n);
                Thread.sleep(10);
            }
            TaskContext.reportProgress(1.0, "done");
            return n;
        };
    }

    /** Returns whether it starts interrupted or past a soft timeout, after sleeping 20 ms. */
    static TaskFunction startsClean() {
        return (args, kwargs) -> {
            boolean clean = !Thread.currentThread().isInterrupted() && !TaskContext.softTimeoutReached();
            Thread.sleep(20);
            return clean;
        };
    }

    /** For a map: kills its worker by SIGKILL on the input 37, doubles any other. */
    static MapFunction<Integer, Integer> doubleButDieOn37() {
        return x -> {
            if (x == 37) {
                dieBy("sigkill", 0);
            }
            return 2 * x;
        };
    }

    /** Doubles its input, but hangs (sleeps until killed) on 37. */
    static MapFunction<Integer, Integer> doubleButHangOn37() {
        return x -> {
            if (x == 37) {
                Thread.sleep(Long.MAX_VALUE);
            }
            return 2 * x;
        };
    }

    /** Throws an IllegalStateException on attempts up to args[0]; on a later one returns its attempt number. */
    static TaskFunction throwOnEarlyAttempts() {
        return (args, kwargs) -> {
            int attempt = TaskContext.attempt();
            if (attempt <= ((Number) args.get(0)).intValue()) {
                throw new IllegalStateException("attempt " + attempt);
            }
            return attempt;
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

    /**
     * Starts a child process {@code sleep 1000}, writes its pid to the file args[0] (atomically), then sleeps
     * forever.
     */
    static TaskFunction spawnSleepChildThenSleep() {
        return (args, kwargs) -> {
            Process child = new ProcessBuilder("sleep", "1000")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Path target = Paths.get((String) args.get(0));
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, Long.toString(child.pid()), StandardCharsets.US_ASCII);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Thread.sleep(Long.MAX_VALUE);
            return "not reached";
        };
    }

    /**
     * Starts {@code sh}, which leaves grandchildren behind in the worker's process group: one double-forked
     * ({@code ( sleep & )}), one double-forked through {@code nohup}, both re-parented to init at once, and one
     * ordinary child of the shell; then sleeps forever. None leaves the process group.
     */
    static TaskFunction spawnDetachedGrandchildrenThenSleep() {
        return (args, kwargs) -> {
            new ProcessBuilder("/bin/sh", "-c",
                    "( sleep 300 & ) ; ( nohup sleep 301 >/dev/null 2>&1 & ) ; sleep 302 & wait")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            Thread.sleep(Long.MAX_VALUE);
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

    // ===================================================== hostile: costly results, forged frames

    /**
     * "SerialDOS": nested {@link HashSet}s, {@code args[0]} levels deep, each level holding two sets that share
     * the next level. Serialised it is a few kilobytes; deserialising it rehashes the shared levels again and
     * again, 2^depth times.
     */
    static TaskFunction serialDos() {
        return (args, kwargs) -> {
            int depth = ((Number) args.get(0)).intValue();
            Set<Object> root = new HashSet<>();
            Set<Object> s1 = root;
            Set<Object> s2 = new HashSet<>();
            for (int i = 0; i < depth; i++) {
                Set<Object> t1 = new HashSet<>();
                Set<Object> t2 = new HashSet<>();
                t1.add("foo"); // t1 and t2 differ
                s1.add(t1);
                s1.add(t2);
                s2.add(t1);
                s2.add(t2);
                s1 = t1;
                s2 = t2;
            }
            return root;
        };
    }

    /**
     * A {@link HashSet} whose one element is a list of two references to the next list, {@code args[0]} levels
     * deep (the lists were filled after the set hashed the empty list). Deserialising it reads the lists in
     * linear time, then hashes the top list once, which walks 2^depth paths in one call: nothing in the
     * decoding runs between its start and its (never) end.
     */
    static TaskFunction hashOfASharedListDag() {
        return (args, kwargs) -> {
            int depth = ((Number) args.get(0)).intValue();
            Set<Object> set = new HashSet<>();
            ArrayList<Object> top = new ArrayList<>();
            set.add(top); // hashed while empty
            ArrayList<Object> level = top;
            for (int i = 0; i < depth; i++) {
                ArrayList<Object> next = new ArrayList<>();
                level.add(next);
                level.add(next);
                level = next;
            }
            return set;
        };
    }

    /** The running worker's frame writer and the wire number of the task it runs, by reflection. */
    private static FrameWriter writer() throws Exception {
        Object r = TaskProgress.reporter();
        Field w = r.getClass().getDeclaredField("writer");
        w.setAccessible(true);
        return (FrameWriter) w.get(r);
    }

    private static long ownSequence() throws Exception {
        Field f = Class.forName("dev.processpool.worker.ProgressReporter").getDeclaredField("currentSequence");
        f.setAccessible(true);
        return (Long) f.get(null);
    }

    /**
     * Waits {@code args[0]} ms (the tasks queued behind it are then held by this worker), then answers for
     * itself early with a forged RESULT {@code "forged"}, and plays a whole run of the task it guesses is
     * held next (the next sequence number): STARTED, then RESULT {@code "forged"}. Then returns {@code "real"}.
     */
    static TaskFunction forgeARunOfTheNextTask() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            FrameWriter w = writer();
            long own = ownSequence();
            byte[] forged = JavaSerialization.serialize("forged");
            w.writeSequenced(Protocol.FRAME_RESULT, own, forged, true);
            w.writeSequenced(Protocol.FRAME_STARTED, own + 1, null, true);
            w.writeSequenced(Protocol.FRAME_RESULT, own + 1, forged, true);
            return "real";
        };
    }

    /**
     * Waits {@code args[0]} ms, answers for itself early with a forged RESULT {@code "forged"}, then keeps
     * running for {@code args[1]} ms: the tasks its worker holds behind it do not start meanwhile.
     */
    static TaskFunction forgeOwnResultThenKeepRunning() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            writer().writeSequenced(Protocol.FRAME_RESULT, ownSequence(), JavaSerialization.serialize("forged"), true);
            Thread.sleep(((Number) args.get(1)).longValue());
            return "real";
        };
    }

    /** Sends a RESULT for the next sequence number (a task it never started), then returns {@code "real"}. */
    static TaskFunction forgeAResultForTheNextTask() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            writer().writeSequenced(Protocol.FRAME_RESULT, ownSequence() + 1, JavaSerialization.serialize("forged"),
                    true);
            return "real";
        };
    }

    // ======================================================================== worker-side helpers

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

    // ======================================================================= classes workers load

    /** Memory a task keeps in its worker after it returns. */
    public static final class Kept {
        static final List<byte[]> CHUNKS = new ArrayList<>();

        private Kept() {
        }
    }

    /** A result of some MiB whose decoding in the parent takes {@code readMillis} (its readObject sleeps). */
    public static final class SlowToRead implements Serializable {
        private static final long serialVersionUID = 1L;
        final byte[] data;
        final long readMillis;

        SlowToRead(int bytes, long readMillis) {
            this.data = new byte[bytes];
            this.readMillis = readMillis;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            try {
                Thread.sleep(readMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Holds the named methods whose names must appear in remote stack traces. */
    public static final class Thrower {
        private Thrower() {
        }

        static Object throwingMethodOfTestTasks(String message) throws Exception {
            try {
                try {
                    throw new ArithmeticException("root cause");
                } catch (ArithmeticException root) {
                    throw new IOException("middle cause", root);
                }
            } catch (IOException middle) {
                throw new IllegalStateException(message, middle);
            }
        }

        static Object unserializableThrowingMethodOfTestTasks(String message) {
            throw new UnserializableTaskException(message, new IllegalArgumentException("inner reason"));
        }
    }

    /** An exception that cannot be serialised: it has a field of type Object holding a plain Object. */
    public static final class UnserializableTaskException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object context = new Object();

        public UnserializableTaskException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A serialisable custom exception with a field. */
    public static final class CustomTaskException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int code;

        public CustomTaskException(String message, int code) {
            super(message);
            this.code = code;
        }

        public int getCode() {
            return code;
        }
    }

    /** A callable class with an (int, String) constructor: returns the string repeated n times. */
    public static final class Repeat implements Callable<String> {
        private final int times;
        private final String text;

        public Repeat(int times, String text) {
            this.times = times;
            this.text = text;
        }

        @Override
        public String call() {
            return text.repeat(times);
        }
    }

    /** A callable class with an (int, String, Map) constructor: the map receives the kwargs. */
    public static final class RepeatWithKwargs implements Callable<String> {
        private final int times;
        private final String text;
        private final Map<String, Object> kwargs;

        public RepeatWithKwargs(int times, String text, Map<String, Object> kwargs) {
            this.times = times;
            this.text = text;
            this.kwargs = kwargs;
        }

        @Override
        public String call() {
            return kwargs.getOrDefault("prefix", "") + text.repeat(times) + kwargs.getOrDefault("suffix", "");
        }
    }

    /** Neither Callable nor Runnable. */
    public static final class NotCallable {
        public NotCallable() {
        }

        public String call() {
            return "must not be called";
        }
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
            WorkerMain.main(argv);
        }
    }
}
