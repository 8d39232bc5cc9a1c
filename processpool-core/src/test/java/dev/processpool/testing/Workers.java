package dev.processpool.testing;

import dev.processpool.ProcessPool;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/** The test JVM's view of worker processes, and what the tests do to processes they started, by pid. */
public final class Workers {

    private Workers() {
    }

    /** The worker processes that are direct children of this JVM and alive (identified by their main class). */
    public static List<ProcessHandle> workerChildren() {
        return ProcessHandle.current().children()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains("dev.processpool.worker.WorkerMain"))
                        .orElse(false))
                .collect(Collectors.toList());
    }

    /** The worker processes (of any pool) that are children of this JVM and alive, not zombies. */
    public static List<ProcessHandle> workerProcesses() {
        return ProcessHandle.current().children()
                .filter(p -> Processes.isRunning(p.pid()))
                .filter(p -> p.info().commandLine().map(c -> c.contains("-Dprocesspool.worker=")).orElse(false))
                .collect(Collectors.toList());
    }

    /** The pids of {@link #workerProcesses()}. */
    public static Set<Long> workerPids() {
        return workerProcesses().stream().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** Waits until the pool's workers are all IDLE (with pids) and there are exactly {@code n}. */
    public static List<WorkingProcess> awaitIdleWorkers(ProcessPool pool, int n) {
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<WorkingProcess> ws = pool.getWorkers();
            return ws.size() == n && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE && w.pid() > 0);
        });
        return pool.getWorkers();
    }

    /** The class path of this JVM as a list. */
    public static List<String> thisClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }

    /** JVM options that keep a crashing worker from leaving core dumps or hs_err files in the project. */
    public static String[] crashOptions(Path errorDir) {
        return new String[] {"-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + errorDir.resolve("hs_err_%p.log")};
    }

    /** Sends a signal ("-KILL", "-STOP", "-CONT") to one process this test started, by pid. */
    public static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.getOutputStream().close();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Reads a pid file written by a task, if it is there. */
    public static Optional<Long> readPid(Path file) {
        try {
            return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Kills a process this test started, by pid, if it still runs. */
    public static void killIfRunning(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** Open file descriptors of this JVM. */
    public static int openFds() {
        try (var s = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Used heap after a few full collections. */
    public static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Classes known only to the workers: compiled at test time into {@code dir/classes}. */
    public static Path compileWorkerOnlyClasses(Path dir) throws IOException {
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
