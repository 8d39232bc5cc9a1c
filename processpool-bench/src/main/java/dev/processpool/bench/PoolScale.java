package dev.processpool.bench;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;
import dev.processpool.WorkingProcess;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.processpool.bench.Row.le;

/**
 * Workloads 10 and 11, processpool only: what a large pool costs the parent per task (w10), and what an idle
 * pool costs at all (w11). CPU of the workers comes from /proc/PID/schedstat (nanoseconds).
 */
final class PoolScale {

    private final Workloads.Sizes sizes;
    private final int reps;
    private final boolean quick;
    private final List<String> workerOptions;
    private final Map<String, Object> extra;

    PoolScale(Workloads.Sizes sizes, int reps, boolean quick, List<String> workerOptions, Map<String, Object> extra) {
        this.sizes = sizes;
        this.reps = reps;
        this.quick = quick;
        this.workerOptions = workerOptions;
        this.extra = extra;
    }

    private PoolConfig.Builder base(int workers) {
        return PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0)
                .addJvmOptions(workerOptions.toArray(new String[0]));
    }

    private static void log(String format, Object... args) {
        Bench.progress(String.format(format, args));
    }

    /** One size of pool in w10: its figures over the repetitions. */
    private static final class Size {
        final int workers;
        final int tasks;
        final double[] parentUs;
        final double[] workersUs;
        final double[] rate;
        int idleThreads;
        int peakThreads;

        Size(int workers, int tasks, int reps) {
            this.workers = workers;
            this.tasks = tasks;
            this.parentUs = new double[reps];
            this.workersUs = new double[reps];
            this.rate = new double[reps];
        }
    }

    // ================================================================================== 10 large pools

    /**
     * 2 and {@code sizes.largePool} workers run sleep-10 ms tasks, all queued at once: the parent's CPU per
     * task, the workers', the rate, and the parent's threads per worker. The two sizes alternate within each
     * repetition.
     */
    List<Row> w10() throws Exception {
        int large = sizes.largePool;
        List<Size> all = List.of(new Size(2, quick ? 1_000 : 2_000, reps),
                new Size(large, quick ? 20_000 : sizes.largePoolTasks, reps));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int before = mx.getThreadCount();
        TaskFunction sleep = Tasks.sleep();
        for (int r = 0; r < reps; r++) {
            for (Size s : all) {
                try (ProcessPool pool = new ProcessPool(base(s.workers).build())) {
                    if (!pool.awaitReady(Duration.ofMinutes(5))) {
                        throw new IllegalStateException("workers did not start: " + pool);
                    }
                    run(pool, sleep, 4 * s.workers, 1L); // every worker loads the task's lambda
                    s.idleThreads = mx.getThreadCount() - before;
                    mx.resetPeakThreadCount();
                    log("w10 large pools: rep %d of %d: %,d sleep-10 ms tasks on %d workers", r + 1, reps, s.tasks,
                            s.workers);
                    long p0 = CpuMeter.parentCpuNanos();
                    long w0 = workersCpuNanos(pool);
                    long t0 = System.nanoTime();
                    run(pool, sleep, s.tasks, 10L);
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    s.parentUs[r] = (CpuMeter.parentCpuNanos() - p0) / 1e3 / s.tasks;
                    s.workersUs[r] = (workersCpuNanos(pool) - w0) / 1e3 / s.tasks;
                    s.rate[r] = s.tasks / seconds;
                    s.peakThreads = Math.max(s.peakThreads, mx.getPeakThreadCount() - before);
                }
            }
        }
        Size small = all.get(0);
        Size big = all.get(1);
        Map<String, Object> json = new LinkedHashMap<>();
        for (Size s : all) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tasks", s.tasks);
            m.put("parent_cpu_us_per_task", toList(s.parentUs));
            m.put("workers_cpu_us_per_task", toList(s.workersUs));
            m.put("tasks_per_s", toList(s.rate));
            m.put("parent_threads_idle_pool", s.idleThreads);
            m.put("parent_threads_peak", s.peakThreads);
            json.put(s.workers + "_workers", m);
        }
        double perWorker = (double) (big.idleThreads - small.idleThreads) / (big.workers - small.workers);
        json.put("parent_threads_per_worker", perWorker);
        extra.put("w10_large_pools", json);
        String title = String.format("large pool (%d workers, sleep 10 ms)", large);
        Stats smallCpu = new Stats(small.parentUs);
        Row cpu = new Row("w10", title, "parent CPU per task", "µs", false).pp(new Stats(big.parentUs))
                .baseline("2 workers", smallCpu)
                .target("≤ 2-worker figure", r -> le(r.ratioTo("2 workers"), 1.0));
        Row rate = new Row("w10", title, "tasks/s", "tasks/s", true).pp(new Stats(big.rate))
                .baseline("2 workers", new Stats(small.rate));
        cpu.note(String.format(Locale.ROOT, "%,d tasks sleeping 10 ms on %d workers and %,d on 2, all queued at once "
                        + "(unbounded queue), the two sizes alternating in each rep; CPU per task: parent %.1f µs "
                        + "(%d workers) vs %.1f µs (2), workers %.1f vs %.1f µs; parent threads: %d more with %d idle "
                        + "workers, %d with 2 (%.2f per worker, JDK's process reapers included), at most %d while "
                        + "the %d workers ran", big.tasks, large, small.tasks, Stats.median(big.parentUs), large,
                Stats.median(small.parentUs), Stats.median(big.workersUs), Stats.median(small.workersUs),
                big.idleThreads, large, small.idleThreads, perWorker, big.peakThreads, large));
        return List.of(cpu, rate);
    }

    private static List<Double> toList(double[] v) {
        List<Double> l = new ArrayList<>();
        for (double d : v) {
            l.add(d);
        }
        return l;
    }

    /** Queues {@code n} sleep tasks at once and waits for all; throws unless all succeeded. */
    private static void run(ProcessPool pool, TaskFunction sleep, int n, long millis) {
        AtomicInteger failed = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            pool.queueTask(ProcessTask.builder(sleep).args(millis)
                    .exceptionCallback((t, e) -> failed.incrementAndGet()).build());
        }
        if (!pool.processAllResults(Duration.ofMinutes(10)) || failed.get() > 0) {
            throw new IllegalStateException(failed + " of " + n + " tasks failed");
        }
    }

    /** CPU time of the pool's workers so far, from /proc/PID/schedstat. */
    static long workersCpuNanos(ProcessPool pool) {
        long sum = 0;
        for (WorkingProcess w : pool.getWorkers()) {
            sum += Math.max(0, schedNanos(w.pid()));
        }
        return sum;
    }

    /** First field of /proc/PID/schedstat: nanoseconds on CPU; -1 if unknown. */
    static long schedNanos(long pid) {
        try {
            return Long.parseLong(Files.readString(Path.of("/proc", Long.toString(pid), "schedstat")).trim().split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ===================================================================================== 11 idle pool

    /**
     * Pools of 2 and {@code sizes.largePool} workers, up and idle (after 200 no-op tasks and 2 s): the
     * parent's CPU and the workers' over {@code idleSeconds}, as a share of one core; and, first in each
     * repetition, the same JVM with no pool over as long, so that the pool's own share can be told from what
     * the JVM costs idle anyway (its periodic task, its collector's service thread, the bench's threads).
     */
    List<Row> w11() throws Exception {
        int[] sizesToTry = {2, sizes.largePool};
        double seconds = quick ? 5 : sizes.idleSeconds;
        Map<Integer, double[]> parent = new HashMap<>();
        Map<Integer, double[]> perWorker = new HashMap<>();
        for (int n : sizesToTry) {
            parent.put(n, new double[reps]);
            perWorker.put(n, new double[reps]);
        }
        double[] bare = new double[reps];
        for (int r = 0; r < reps; r++) {
            log("w11 idle pool: rep %d of %d: this JVM with no pool for %.0f s", r + 1, reps, seconds);
            long b0 = CpuMeter.parentCpuNanos();
            long bt = System.nanoTime();
            Thread.sleep((long) (seconds * 1000));
            bare[r] = (CpuMeter.parentCpuNanos() - b0) / 1e9 / ((System.nanoTime() - bt) / 1e9) * 100;
            for (int n : sizesToTry) {
                try (ProcessPool pool = new ProcessPool(base(n).build())) {
                    if (!pool.awaitReady(Duration.ofMinutes(5))) {
                        throw new IllegalStateException("workers did not start: " + pool);
                    }
                    run(pool, Tasks.sleep(), 200, 0L);
                    Thread.sleep(2000);
                    log("w11 idle pool: rep %d of %d: %d workers idle for %.0f s", r + 1, reps, n, seconds);
                    long p0 = CpuMeter.parentCpuNanos();
                    long w0 = workersCpuNanos(pool);
                    long t0 = System.nanoTime();
                    Thread.sleep((long) (seconds * 1000));
                    double wall = (System.nanoTime() - t0) / 1e9;
                    parent.get(n)[r] = (CpuMeter.parentCpuNanos() - p0) / 1e9 / wall * 100;
                    perWorker.get(n)[r] = (workersCpuNanos(pool) - w0) / 1e9 / wall * 100 / n;
                }
            }
        }
        Map<String, Object> json = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        json.put("no_pool", Map.of("parent_cpu_percent_of_a_core", toList(bare)));
        rows.add(new Row("w11", "this JVM, no pool", "parent CPU", "% of a core", false).pp(new Stats(bare)));
        for (int n : sizesToTry) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("parent_cpu_percent_of_a_core", toList(parent.get(n)));
            m.put("cpu_percent_of_a_core_per_worker", toList(perWorker.get(n)));
            json.put(n + "_workers", m);
            String title = "idle pool (" + n + " workers)";
            rows.add(new Row("w11", title, "parent CPU", "% of a core", false).pp(new Stats(parent.get(n)))
                    .target("≤ 0.5%", r -> le(r.ppMedian(), 0.5)));
            rows.add(new Row("w11", title, "CPU per worker", "% of a core", false).pp(new Stats(perWorker.get(n)))
                    .target("≤ 0.2%", r -> le(r.ppMedian(), 0.2)));
        }
        extra.put("w11_idle", json);
        rows.get(0).note(String.format(Locale.ROOT, "workers up, no tasks: %.0f s after 200 no-op tasks and 2 s of rest; "
                + "the parent's whole JVM (the bench's own threads included) and each worker's process; heartbeats every "
                + "1 s (the default), every 5 s from a worker that has waited 2 s for a task; the first row is the same "
                + "JVM with no pool, measured before the pools in each repetition: the pool's own share is the "
                + "difference", seconds));
        return rows;
    }
}
