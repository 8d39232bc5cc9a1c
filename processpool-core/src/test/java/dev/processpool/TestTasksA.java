package dev.processpool;

import static dev.processpool.testing.Processes.isRunning;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * Tasks and helpers shared by PoolSizingTest, QueueLimitTest, TimeoutTest, WorkerDeathTest and TaskOutcomeTest.
 * Every task function is a lambda created in a static method, so it captures only its (serialisable) arguments.
 * Classes that workers instantiate are public static nested classes with public constructors.
 */
public final class TestTasksA {

    private TestTasksA() {
    }

    // ================================================================================== task functions

    /** Returns args[0]. */
    static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    /** Returns kwargs[args[0]] and the number of kwargs, as "value/n". */
    static TaskFunction kwarg() {
        return (args, kwargs) -> kwargs.get((String) args.get(0)) + "/" + kwargs.size();
    }

    /** Returns the given (serialisable) value. */
    static TaskFunction constant(Object value) {
        return (args, kwargs) -> value;
    }

    /** Returns the pid of the worker that ran it. */
    static TaskFunction workerPid() {
        return (args, kwargs) -> ProcessHandle.current().pid();
    }

    /** Sleeps args[0] milliseconds (a Number), then returns args[1] if given, else the worker's pid. */
    static TaskFunction sleepThenReturn() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            return args.size() > 1 ? args.get(1) : ProcessHandle.current().pid();
        };
    }

    /** Sleeps (practically) forever. */
    static TaskFunction sleepForever() {
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

    /** Throws an exception with a two-level cause chain from {@link Thrower#throwingMethodOfTestTasksA}. */
    static TaskFunction throwChain() {
        return (args, kwargs) -> Thrower.throwingMethodOfTestTasksA((String) args.get(0));
    }

    /** Throws {@link UnserializableTaskException} (with a serialisable cause) from a named method. */
    static TaskFunction throwUnserializable() {
        return (args, kwargs) -> Thrower.unserializableThrowingMethodOfTestTasksA((String) args.get(0));
    }

    /** Throws a {@link CustomTaskException} (serialisable, known to both sides). */
    static TaskFunction throwCustom() {
        return (args, kwargs) -> {
            throw new CustomTaskException((String) args.get(0), 42);
        };
    }

    // ================================================================================ helper classes

    /** Holds the named methods whose names must appear in remote stack traces. */
    public static final class Thrower {
        private Thrower() {
        }

        static Object throwingMethodOfTestTasksA(String message) throws Exception {
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

        static Object unserializableThrowingMethodOfTestTasksA(String message) {
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

    // ======================================================================================= helpers

    /** The worker processes that are direct children of this JVM and alive (identified by their main class). */
    static List<ProcessHandle> workerChildren() {
        return ProcessHandle.current().children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains("dev.processpool.worker.WorkerMain"))
                        .orElse(false))
                .collect(Collectors.toList());
    }


    /** Kills a process this test started, by pid, if it still runs. */
    static void killIfRunning(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Waits until the pool's workers are all IDLE (with pids) and there are exactly {@code n}. */
    static List<WorkingProcess> awaitIdleWorkers(ProcessPool pool, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<WorkingProcess> ws = pool.getWorkers();
            return ws.size() == n && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0);
        });
        return pool.getWorkers();
    }

    /** The class path of this JVM as a list. */
    static List<String> thisClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }
}
