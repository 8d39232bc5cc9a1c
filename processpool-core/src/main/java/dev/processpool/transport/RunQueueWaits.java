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
 * How long each thread of a worker has waited on a run queue for a CPU so far, in nanoseconds (Linux:
 * the second field of {@code /proc/<pid>/task/<tid>/schedstat}). The pool compares two readings to tell a
 * silent worker that had the CPU from one that got none ({@link #maxGrowthSince}). A stopped process is not
 * runnable: its waits do not grow.
 */
public final class RunQueueWaits {

    /** Wait in nanoseconds by thread id. */
    private final Map<Long, Long> byThread;

    private RunQueueWaits(Map<Long, Long> byThread) {
        this.byThread = byThread;
    }

    /** A reading from the waits of each thread, by thread id. */
    public static RunQueueWaits of(Map<Long, Long> nanosByThread) {
        return new RunQueueWaits(Map.copyOf(nanosByThread));
    }

    /** The waits of a process's threads, empty where they cannot be read (not Linux, no /proc, gone). */
    public static Optional<RunQueueWaits> ofProcess(long pid) {
        return read(Paths.get("/proc", Long.toString(pid), "task"));
    }

    /**
     * Reads {@code <tid>/schedstat} of each directory under {@code taskDir}; a thread that ends meanwhile or
     * whose file does not parse is left out. Empty when no thread could be read.
     */
    static Optional<RunQueueWaits> read(Path taskDir) {
        Map<Long, Long> waits = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (Path task : tasks) {
                try {
                    long tid = Long.parseLong(task.getFileName().toString());
                    String[] fields = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                            .trim().split("\\s+");
                    waits.put(tid, Long.parseLong(fields[1]));
                } catch (IOException | RuntimeException e) {
                    // ended meanwhile, or not a thread's schedstat: left out
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // gone, or not Linux
        }
        return waits.isEmpty() ? Optional.empty() : Optional.of(new RunQueueWaits(waits));
    }

    /**
     * How much the most-waiting thread waited since an earlier reading: the largest growth of one thread's
     * wait (a thread born since counts with its whole wait). The largest, not the sum: many threads each
     * waiting a little do not make a worker starved, and one starved heartbeat thread does.
     */
    public long maxGrowthSince(RunQueueWaits earlier) {
        long max = 0;
        for (Map.Entry<Long, Long> e : byThread.entrySet()) {
            long grew = e.getValue() - earlier.byThread.getOrDefault(e.getKey(), 0L);
            max = Math.max(max, grew);
        }
        return max;
    }

    @Override
    public String toString() {
        return "run-queue waits of " + byThread.size() + " thread(s)";
    }
}
