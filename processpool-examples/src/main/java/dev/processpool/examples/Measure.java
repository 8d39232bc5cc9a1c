package dev.processpool.examples;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures a pool on this machine and prints a Markdown table:
 * <ol>
 *   <li>cold start: from {@code new ProcessPool(...)} to the first result callback, median of 5 fresh pools;</li>
 *   <li>no-op throughput with 2 workers: 10,000 tasks queued on an unbounded queue, then
 *       {@code processAllResults}; median of 3 runs on one pool, after a warm-up of 20,000-task batches
 *       for 2.5 s (both JVMs compile the hot paths during the first seconds; without it the runs climb);</li>
 *   <li>warm round trip on the same pool: one no-op task at a time ({@code task.future().get()}), 2,000
 *       after a 5,000-task warm-up (a worker waiting for each task runs code that a busy one does not,
 *       and compiles it only after a few thousand calls); median and 99th percentile;</li>
 *   <li>shutdown of an idle 2-worker pool, median over the 5 pools of (1).</li>
 * </ol>
 * Run with a real class path, e.g. {@code mvn -B -q package -DskipTests -Dexample=Measure}.
 */
public final class Measure {

    static final int COLD_POOLS = 5;
    static final int THROUGHPUT_TASKS = 10_000;
    static final int THROUGHPUT_RUNS = 3;
    static final int THROUGHPUT_WARMUP = 20_000;
    static final double THROUGHPUT_WARMUP_SECONDS = 2.5;
    static final int LATENCY_WARMUP = 5_000;
    static final int LATENCY_TASKS = 2_000;
    static final Duration LONG_WAIT = Duration.ofMinutes(10);
    private static int throughputWarmUp;

    private Measure() {
    }

    /** The task every measurement runs: does nothing, returns null. */
    static TaskFunction noop() {
        return (args, kwargs) -> null;
    }

    static PoolConfig twoWorkers(int maxQueuedRequests) {
        return PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(maxQueuedRequests).build();
    }

    public static void main(String[] argv) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf("processpool Measure, %s%n", LocalDate.now());
        System.out.printf("machine: %d cores, %s %s %s, load average %.2f at start%n", cores,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"), load);
        System.out.printf("java: %s (%s %s)%n", System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("java.vm.version"));
        System.out.printf("workers: 2 per pool, JVM options %s%n", PoolConfig.DEFAULT_JVM_OPTIONS);
        System.out.println();

        // (1) cold start and (4) idle shutdown, on fresh pools
        long[] coldMicros = new long[COLD_POOLS];
        long[] shutdownMicros = new long[COLD_POOLS];
        for (int i = 0; i < COLD_POOLS; i++) {
            progress("cold start, pool %d of %d", i + 1, COLD_POOLS);
            AtomicLong firstResult = new AtomicLong();
            long t0 = System.nanoTime();
            ProcessPool pool = new ProcessPool(twoWorkers(10));
            try {
                pool.queueTask(ProcessTask.builder(noop())
                        .callback((task, result) -> firstResult.compareAndSet(0, System.nanoTime()))
                        .exceptionCallback((task, failure) -> {
                            throw new IllegalStateException("no-op task failed", failure);
                        })
                        .build());
                check(pool.processAllResults(LONG_WAIT), "cold-start task did not finish");
                check(firstResult.get() != 0, "cold-start callback did not run");
                coldMicros[i] = micros(firstResult.get() - t0);
                awaitIdle(pool, 2);
            } finally {
                long t1 = System.nanoTime();
                pool.shutdown(Duration.ofSeconds(60));
                shutdownMicros[i] = micros(System.nanoTime() - t1);
            }
        }

        // (2) throughput and (3) round-trip latency, on one warm pool with an unbounded queue
        double[] throughput = new double[THROUGHPUT_RUNS];
        long[] roundTrips = new long[LATENCY_TASKS];
        try (ProcessPool pool = new ProcessPool(twoWorkers(0))) {
            awaitIdle(pool, 2);
            TaskFunction noop = noop();
            progress("throughput warm-up, batches of %,d tasks for %.1f s", THROUGHPUT_WARMUP,
                    THROUGHPUT_WARMUP_SECONDS);
            long warmUntil = System.nanoTime() + (long) (THROUGHPUT_WARMUP_SECONDS * 1e9);
            int warmedUp = 0;
            do {
                batch(pool, noop, THROUGHPUT_WARMUP);
                warmedUp += THROUGHPUT_WARMUP;
            } while (System.nanoTime() < warmUntil);
            throughputWarmUp = warmedUp;
            for (int r = 0; r < THROUGHPUT_RUNS; r++) {
                progress("throughput, run %d of %d (%,d tasks)", r + 1, THROUGHPUT_RUNS, THROUGHPUT_TASKS);
                long nanos = batch(pool, noop, THROUGHPUT_TASKS);
                throughput[r] = THROUGHPUT_TASKS / (nanos / 1e9);
            }
            progress("round trip, %d warm-up + %,d measured", LATENCY_WARMUP, LATENCY_TASKS);
            for (int i = 0; i < LATENCY_WARMUP + LATENCY_TASKS; i++) {
                long t0 = System.nanoTime();
                ProcessTask task = pool.createAndQueueTask(noop);
                task.future().get(60, TimeUnit.SECONDS);
                long dt = System.nanoTime() - t0;
                if (i >= LATENCY_WARMUP) {
                    roundTrips[i - LATENCY_WARMUP] = dt;
                }
            }
        }

        Arrays.sort(roundTrips);
        System.out.println("| measurement | result | how |");
        System.out.println("|---|---:|---|");
        System.out.printf("| cold start: `new ProcessPool` to first result callback | %s ms | median of %d fresh pools "
                + "(minSize 2); samples %s ms |%n", ms(median(coldMicros)), COLD_POOLS, msList(coldMicros));
        System.out.printf("| no-op throughput, 2 workers | %,.0f tasks/s | %,d tasks queued (unbounded queue), then "
                + "`processAllResults`; median of %d runs after a %,d-task warm-up (%.1f s); samples %s |%n",
                median(throughput), THROUGHPUT_TASKS, THROUGHPUT_RUNS, throughputWarmUp, THROUGHPUT_WARMUP_SECONDS,
                rateList(throughput));
        System.out.printf("| warm round trip, median | %,d µs | same pool, then one no-op task at a time, `future().get()`, "
                + "%,d after %,d warm-up |%n", nanosToMicros(roundTrips[roundTrips.length / 2]), LATENCY_TASKS, LATENCY_WARMUP);
        System.out.printf("| warm round trip, p99 | %,d µs | same run |%n",
                nanosToMicros(roundTrips[(int) Math.ceil(0.99 * roundTrips.length) - 1]));
        System.out.printf("| idle pool shutdown (2 workers) | %s ms | `shutdown(60 s)` of an idle pool, median of %d; "
                + "samples %s ms |%n", ms(median(shutdownMicros)), COLD_POOLS, msList(shutdownMicros));
    }

    /** Queues {@code n} no-op tasks with a counting callback, then waits; returns the elapsed nanoseconds. */
    private static long batch(ProcessPool pool, TaskFunction noop, int n) {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pool.queueTask(ProcessTask.builder(noop)
                    .callback((task, result) -> ok.incrementAndGet())
                    .exceptionCallback((task, failure) -> failed.incrementAndGet())
                    .build());
        }
        check(pool.processAllResults(LONG_WAIT), "batch did not finish");
        long nanos = System.nanoTime() - t0;
        check(ok.get() == n && failed.get() == 0, "batch: " + ok + " ok, " + failed + " failed of " + n);
        return nanos;
    }

    /** Waits (polling; this is a measuring harness) until {@code n} workers are idle. */
    private static void awaitIdle(ProcessPool pool, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (pool.getNumIdleProcesses() < n) {
            check(System.nanoTime() < deadline, "workers did not become idle: " + pool);
            Thread.sleep(5);
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }

    private static void progress(String format, Object... args) {
        System.err.printf("measuring: " + format + "%n", args);
    }

    private static long micros(long nanos) {
        return nanos / 1_000;
    }

    private static long nanosToMicros(long nanos) {
        return Math.round(nanos / 1_000.0);
    }

    private static long median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String ms(long micros) {
        return String.format("%,.1f", micros / 1000.0);
    }

    private static String msList(long[] micros) {
        List<String> out = new ArrayList<>();
        for (long m : micros) {
            out.add(String.format("%.0f", m / 1000.0));
        }
        return String.join(", ", out);
    }

    private static String rateList(double[] rates) {
        List<String> out = new ArrayList<>();
        for (double r : rates) {
            out.add(String.format("%,.0f", r));
        }
        return String.join(", ", out);
    }
}
