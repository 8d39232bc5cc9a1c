package dev.processpool.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How long each thread of a worker has waited on a run queue for a CPU so far (Linux: the second field of
 * {@code /proc/<pid>/task/<tid>/schedstat}, in nanoseconds), with its run time (the first field) and whether
 * it is runnable now. The pool compares two readings to tell a silent worker that had the CPU from one that
 * got none ({@link #maxWaitSince}). A stopped process is not runnable: its waits do not grow.
 */
public final class RunQueueWaits {

    /** One thread: nanoseconds on a CPU and waiting for one so far, and whether it is runnable now. */
    private record Thread(long ran, long waited, boolean runnable) {
    }

    private final Map<Long, Thread> byThread;

    private RunQueueWaits(Map<Long, Thread> byThread) {
        this.byThread = byThread;
    }

    /** A reading from the waits of each thread in nanoseconds, by thread id (none of them runnable). */
    public static RunQueueWaits of(Map<Long, Long> nanosByThread) {
        Map<Long, Thread> threads = new HashMap<>();
        nanosByThread.forEach((tid, waited) -> threads.put(tid, new Thread(0, waited, false)));
        return new RunQueueWaits(threads);
    }

    /** The waits of a process's threads, empty where they cannot be read (not Linux, no /proc, gone). */
    public static Optional<RunQueueWaits> ofProcess(long pid) {
        return read(Paths.get("/proc", Long.toString(pid), "task"));
    }

    /**
     * Reads {@code <tid>/schedstat} and {@code <tid>/stat} of each directory under {@code taskDir}; a thread
     * that ends meanwhile or whose schedstat does not parse is left out. Empty when no thread could be read.
     */
    static Optional<RunQueueWaits> read(Path taskDir) {
        Map<Long, Thread> threads = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (Path task : tasks) {
                try {
                    long tid = Long.parseLong(task.getFileName().toString());
                    String[] fields = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                            .trim().split("\\s+");
                    threads.put(tid, new Thread(Long.parseLong(fields[0]), Long.parseLong(fields[1]), runnable(task)));
                } catch (IOException | RuntimeException e) {
                    // ended meanwhile, or not a thread's schedstat: left out
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone, or not Linux
        }
        return threads.isEmpty() ? Optional.empty() : Optional.of(new RunQueueWaits(threads));
    }

    /** Whether the state in {@code <tid>/stat} (the field after the parenthesised name) is R. */
    private static boolean runnable(Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"), StandardCharsets.ISO_8859_1);
            int end = stat.lastIndexOf(')');
            return end >= 0 && end + 2 < stat.length() && stat.charAt(end + 2) == 'R';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * How long the most-waiting thread waited for a CPU since an earlier reading {@code elapsedNanos} before:
     * the largest growth of one thread's wait (a thread born since counts with its whole wait). The largest,
     * not the sum: many threads each waiting a little do not make a worker starved, and one starved heartbeat
     * thread does. The kernel adds a wait up only when the thread gets the CPU: a thread runnable at both
     * readings that did not run in between (it could not have blocked without running) waited all along.
     */
    public long maxWaitSince(RunQueueWaits earlier, long elapsedNanos) {
        long max = 0;
        for (Map.Entry<Long, Thread> e : byThread.entrySet()) {
            Thread now = e.getValue();
            Thread then = earlier.byThread.get(e.getKey());
            long waited = then == null ? now.waited
                    : now.runnable && then.runnable && now.ran == then.ran && now.waited == then.waited ? elapsedNanos
                    : now.waited - then.waited;
            max = Math.max(max, waited);
        }
        return max;
    }

    @Override
    public String toString() {
        return "run-queue waits of " + byThread.size() + " thread(s)";
    }
}
