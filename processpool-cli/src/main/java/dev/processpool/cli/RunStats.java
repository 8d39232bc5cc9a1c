package dev.processpool.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts for the progress line and the closing summary. Thread-safe. */
final class RunStats {

    private final long startNanos = System.nanoTime();
    private final int maxTasksPerWorker;
    private final Map<Status, AtomicLong> counts = new EnumMap<>(Status.class);
    private final List<Long> durations = Collections.synchronizedList(new ArrayList<>());
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
            durations.add(durationMs);
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
                .append(String.format(Locale.ROOT, " (%.2f tasks/s)", wall > 0 ? n / wall : 0.0));
        if (ending != null) {
            sb.append(", ").append(ending);
        }
        sb.append("\n  ");
        boolean first = true;
        for (Status s : Status.values()) {
            sb.append(first ? "" : ", ").append(s.label).append(' ').append(count(s));
            first = false;
        }
        List<Long> sorted;
        synchronized (durations) {
            sorted = new ArrayList<>(durations);
        }
        Collections.sort(sorted);
        sb.append("\n  duration ");
        if (sorted.isEmpty()) {
            sb.append("-");
        } else {
            sb.append("p50 ").append(Durations.formatMillis(percentile(sorted, 50)))
                    .append(", p95 ").append(Durations.formatMillis(percentile(sorted, 95)))
                    .append(", max ").append(Durations.formatMillis(sorted.get(sorted.size() - 1)));
        }
        sb.append("\n  workers started ").append(workerPids.size()).append(", replaced ").append(replaced.get());
        return sb.toString();
    }

    /** Nearest-rank percentile of a sorted, non-empty list. */
    static long percentile(List<Long> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }
}
