package dev.processpool;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Task functions for the tests of this helper's classes. Every one is a lambda inside a static method, so it
 * captures nothing but its (serialisable) parameters and runs in a worker JVM.
 */
final class TestTasksB {

    private TestTasksB() {
    }

    /** Returns args[0]. */
    static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    /** Returns null, whatever the arguments. */
    static TaskFunction noop() {
        return (args, kwargs) -> null;
    }

    /** Sleeps args[0] milliseconds (a Number), then returns args[1] if given, else null. */
    static TaskFunction sleepThenReturn() {
        return (args, kwargs) -> {
            Thread.sleep(((Number) args.get(0)).longValue());
            return args.size() > 1 ? args.get(1) : null;
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

    /** Returns the worker's pid. */
    static TaskFunction workerPid() {
        return (args, kwargs) -> ProcessHandle.current().pid();
    }

    /** Throws an IllegalStateException with the message args[0]. */
    static TaskFunction thrower() {
        return (args, kwargs) -> {
            throw new IllegalStateException(String.valueOf(args.get(0)));
        };
    }

    /**
     * Waits until the file named by args[0] exists (the test creates it to release the task), at most
     * 60 s, then returns args[1] if given.
     */
    static TaskFunction waitForFile() {
        return (args, kwargs) -> {
            Path p = Paths.get((String) args.get(0));
            long end = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(p)) {
                if (System.nanoTime() > end) {
                    throw new IllegalStateException("latch file never appeared: " + p);
                }
                Thread.sleep(10);
            }
            return args.size() > 1 ? args.get(1) : null;
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

    /** A lambda that captures a non-serialisable object (it cannot be sent to a worker). */
    static TaskFunction capturingNonSerialisable() {
        Object lock = new Object();
        return (args, kwargs) -> lock.hashCode();
    }

    /** Returns kwargs[args[0]]. */
    static TaskFunction kwarg() {
        return (args, kwargs) -> kwargs.get((String) args.get(0));
    }
}
