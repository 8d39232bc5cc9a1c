package dev.processpool.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** Counts for the progress line and the closing summary. Thread-safe. */
final class RunStats {

    private final long startNanos = System.nanoTime();
    private final int maxTasksPerWorker;
    private final Map<Status, AtomicLong> counts = new EnumMap<>(Status.class);
    /**
     * How many lines ran for each whole number of milliseconds (the exact percentiles of the summary in
     * memory that does not grow with the number of lines): an array up to a minute, a map beyond.
     */
    private final AtomicLongArray shortDurations = new AtomicLongArray(60_000);
    private final Map<Long, AtomicLong> longDurations = new ConcurrentHashMap<>();
    private final Set<Long> workerPids = ConcurrentHashMap.newKeySet();
    private final Map<Long, AtomicInteger> tasksByWorker = new ConcurrentHashMap<>();
    private final AtomicLong replaced = new AtomicLong();
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong linesRead = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile long linesInInput = -1;

    RunStats(int maxTasksPerWorker) {
        this.maxTasksPerWorker = maxTasksPerWorker;
        for (Status s : Status.values()) {
            counts.put(s, new AtomicLong());
        }
    }

    void lineRead() {
        linesRead.incrementAndGet();
    }

    /** A line {@code --resume} skips: done by an earlier run. */
    void lineSkipped() {
        skipped.incrementAndGet();
    }

    /** The number of task lines in the input, once known (a file is counted ahead). */
    void setLinesInInput(long n) {
        linesInInput = n;
    }

    /**
     * The total for the progress line: the input's task lines if counted (less those skipped), else those
     * read so far.
     */
    long total() {
        long n = linesInInput;
        return n >= 0 ? Math.max(n - skipped.get(), linesRead.get()) : linesRead.get();
    }

    long done() {
        return done.get();
    }

    long count(Status s) {
        return counts.get(s).get();
    }

    void sawWorker(long pid) {
        if (pid > 0) {
            workerPids.add(pid);
        }
    }

    /**
     * Records one output line.
     *
     * @param workerGone whether the task's outcome ended its worker (killed at the timeout, crashed, exited
     *                   after an OutOfMemoryError): the pool replaces it
     */
    void record(Status status, Long durationMs, Long workerPid, boolean workerGone) {
        counts.get(status).incrementAndGet();
        done.incrementAndGet();
        if (durationMs != null) {
            long ms = Math.max(0, durationMs);
            if (ms < shortDurations.length()) {
                shortDurations.incrementAndGet((int) ms);
            } else {
                longDurations.computeIfAbsent(ms, k -> new AtomicLong()).incrementAndGet();
            }
        }
        if (workerPid != null && workerPid > 0) {
            sawWorker(workerPid);
            if (workerGone) {
                replaced.incrementAndGet();
            } else if (maxTasksPerWorker > 0 && (status == Status.OK || status == Status.ERROR)
                    && tasksByWorker.computeIfAbsent(workerPid, p -> new AtomicInteger()).incrementAndGet()
                    == maxTasksPerWorker) {
                replaced.incrementAndGet(); // retired after --max-tasks-per-worker
            }
        }
    }

    boolean allOk() {
        return done.get() == count(Status.OK);
    }

    /** "error 1 · timeout 2": the kinds of failure seen so far, for the progress line. */
    String failuresByKind() {
        StringBuilder sb = new StringBuilder();
        for (Status s : Status.values()) {
            long n = count(s);
            if (s != Status.OK && n > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(s.label).append(' ').append(n);
            }
        }
        return sb.toString();
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** The closing summary, several lines without a trailing newline. */
    String summary(String ending) {
        double wall = elapsedSeconds();
        long n = done.get();
        StringBuilder sb = new StringBuilder();
        sb.append("processpool: ").append(n).append(n == 1 ? " task" : " tasks").append(" in ")
                .append(Durations.formatMillis(Math.round(wall * 1000)))
                // as %.2f would, without the Formatter and its locale data (about 10 ms of a short run's end)
                .append(" (").append(BigDecimal.valueOf(wall > 0 ? n / wall : 0.0).setScale(2, RoundingMode.HALF_UP)
                        .toPlainString()).append(" tasks/s)");
        if (ending != null) {
            sb.append(", ").append(ending);
        }
        sb.append("\n  ");
        boolean first = true;
        for (Status s : Status.values()) {
            sb.append(first ? "" : ", ").append(s.label).append(' ').append(count(s));
            first = false;
        }
        TreeMap<Long, Long> counts = new TreeMap<>();
        for (int ms = 0; ms < shortDurations.length(); ms++) {
            long lines = shortDurations.get(ms);
            if (lines > 0) {
                counts.put((long) ms, lines);
            }
        }
        longDurations.forEach((ms, lines) -> counts.put(ms, lines.get()));
        long total = counts.values().stream().mapToLong(Long::longValue).sum();
        sb.append("\n  duration ");
        if (total == 0) {
            sb.append("-");
        } else {
            sb.append("p50 ").append(Durations.formatMillis(percentile(counts, total, 50)))
                    .append(", p95 ").append(Durations.formatMillis(percentile(counts, total, 95)))
                    .append(", max ").append(Durations.formatMillis(counts.lastKey()));
        }
        sb.append("\n  workers started ").append(workerPids.size()).append(", replaced ").append(replaced.get());
        return sb.toString();
    }

    /** Nearest-rank percentile of {@code total} values, given as value → how many (sorted, not empty). */
    static long percentile(TreeMap<Long, Long> counts, long total, int p) {
        long rank = Math.max(1, Math.min(total, (long) Math.ceil(p / 100.0 * total)));
        long seen = 0;
        for (Map.Entry<Long, Long> e : counts.entrySet()) {
            seen += e.getValue();
            if (seen >= rank) {
                return e.getKey();
            }
        }
        return counts.lastKey();
    }
}
