package dev.processpool.bench;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.TaskFunction;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkingProcess;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

import static dev.processpool.bench.Row.MP;
import static dev.processpool.bench.Row.PPE;
import static dev.processpool.bench.Row.and;
import static dev.processpool.bench.Row.ge;
import static dev.processpool.bench.Row.le;

/**
 * The eight workloads of the bench, each measured for processpool in this JVM and then, through
 * {@link Peers}, for ProcessPoolExecutor and multiprocessing.Pool; each returns its table rows.
 */
final class Workloads {

    static final Duration LONG = Duration.ofMinutes(10);

    /** Sizes of the workloads: the issue's, shared with the Python peers. */
    static final class Sizes {
        /** The pools' workerNice; -1 for the pool's default. */
        int workerNice = -1;
        int workers = 2;
        int rtTasks = 2_000;
        int rtWarmup = 500;
        int tpTasks = 20_000;
        int tpWarmup = 20_000;
        int mapN = 1_000_000;
        int chunk = 1_000;
        int payloadTasks = 500;
        int payloadMiB = 1;
        int busyTasks = 8;
        double busySeconds = 0.5;
        int timeoutTasks = 10;
        long timeoutMillis = 100;
        /** Workload 9: tasks timing out at once, one per worker (fewer when memory is short: see w9). */
        int stormTasks = 100;
        long stormTimeoutMillis = 500;
        /** Workload 10: the large pool's workers and its sleep-10 ms tasks (2 workers run 2,000). */
        int largePool = 64;
        int largePoolTasks = 100_000;
        /** Workload 11: how long the idle pools are watched. */
        double idleSeconds = 10;

        /** The same sizes as options of peers.py. */
        List<String> pythonArgs(int reps, int scalingReps) {
            return List.of("--reps", Integer.toString(reps), "--scaling-reps", Integer.toString(scalingReps),
                    "--workers", Integer.toString(workers), "--rt-tasks", Integer.toString(rtTasks),
                    "--tp-tasks", Integer.toString(tpTasks), "--map-n", Integer.toString(mapN),
                    "--chunk", Integer.toString(chunk), "--payload-tasks", Integer.toString(payloadTasks),
                    "--payload-mib", Integer.toString(payloadMiB), "--busy-tasks", Integer.toString(busyTasks),
                    "--busy-seconds", Double.toString(busySeconds), "--timeout-tasks", Integer.toString(timeoutTasks),
                    "--rt-warmup", Integer.toString(rtWarmup), "--tp-warmup", Integer.toString(tpWarmup),
                    "--warmup-seconds", Double.toString(WARMUP_SECONDS));
        }
    }

    private final Sizes sizes;
    private final int reps;
    private final int scalingReps;
    private final Peers peers;
    private final Path work;
    private final Path java17;
    private final Path java25;
    private final Map<String, Object> extra = new LinkedHashMap<>();
    private final List<String> extraWorkerOptions;
    private List<String> jarClassPath;
    private Path pipeCopyBinary;
    private String pipeCopyProblem;

    Workloads(Sizes sizes, int reps, int scalingReps, Peers peers, Path work, Path java25,
              List<String> extraWorkerOptions) {
        this.extraWorkerOptions = List.copyOf(extraWorkerOptions);
        this.sizes = sizes;
        this.reps = reps;
        this.scalingReps = scalingReps;
        this.peers = peers;
        this.work = work;
        this.java17 = Path.of(System.getProperty("java.home"), "bin", "java");
        this.java25 = java25;
    }

    /** Details that do not fit the table (cache training times, raw samples, ...), for the JSON. */
    Map<String, Object> extra() {
        return extra;
    }

    // ============================================================================================ helpers

    private PoolConfig.Builder base(int workers) {
        PoolConfig.Builder b = PoolConfig.builder().minSize(workers).maxSize(workers).maxQueuedRequests(0)
                .addJvmOptions(extraWorkerOptions.toArray(new String[0]));
        return sizes.workerNice >= 0 ? b.workerNice(sizes.workerNice) : b;
    }

    /** {@code options} followed by the --worker-opt options. */
    private List<String> withExtra(List<String> options) {
        List<String> all = new ArrayList<>(options);
        all.addAll(extraWorkerOptions);
        return all;
    }

    private static void ready(ProcessPool pool) {
        if (!pool.awaitReady(Duration.ofMinutes(2))) {
            throw new IllegalStateException("workers did not start: " + pool);
        }
    }

    /** Queues {@code n} no-op tasks, each with its own callback, and waits; returns seconds. */
    private static double batch(ProcessPool pool, int n) {
        TaskFunction noop = Tasks.noop();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            pool.queueTask(ProcessTask.builder(noop)
                    .callback((task, result) -> ok.incrementAndGet())
                    .exceptionCallback((task, failure) -> failed.incrementAndGet())
                    .build());
        }
        if (!pool.processAllResults(LONG)) {
            throw new IllegalStateException("batch did not finish");
        }
        double s = (System.nanoTime() - t0) / 1e9;
        if (ok.get() != n) {
            throw new IllegalStateException("batch: " + ok + " ok, " + failed + " failed of " + n);
        }
        return s;
    }

    private static long roundTripNanos(ProcessPool pool, TaskFunction noop) throws Exception {
        long t0 = System.nanoTime();
        pool.createAndQueueTask(noop).future().get(1, TimeUnit.MINUTES);
        return System.nanoTime() - t0;
    }

    private static void log(String format, Object... args) {
        Bench.progress(String.format(format, args));
    }

    private List<String> jarClassPath() throws IOException {
        if (jarClassPath == null) {
            jarClassPath = ClassDataCache.jarClassPath(work.resolve("jars"));
        }
        return jarClassPath;
    }

    private static List<String> classPath() {
        return List.of(System.getProperty("java.class.path").split(File.pathSeparator));
    }

    // ====================================================================================== 1 round trip

    /**
     * Workload 1 in two regimes of the machine, each with the Java and Python halves interleaved (ABAB): as it
     * is, and with every core kept awake by a busy loop at the lowest scheduling class (SCHED_IDLE, which
     * yields to any other thread at once). On a VM an idle virtual CPU sleeps deeply and takes a long time to
     * wake, which a round trip that hands off between processes pays at every step; the awake regime shows
     * what the same code does when the cores are not idle.
     */
    List<Row> w1() throws Exception {
        List<Row> rows = new ArrayList<>(w1(false));
        if (Spinners.available()) {
            rows.addAll(w1(true));
        }
        return rows;
    }

    private List<Row> w1(boolean awake) throws Exception {
        double[] med = new double[reps];
        double[] p99 = new double[reps];
        double[] all = new double[reps * sizes.rtTasks];
        CpuMeter cpu;
        Map<String, Object> py = new LinkedHashMap<>();
        String regime = awake ? "cores kept awake" : "as is";
        try (Spinners spin = awake ? Spinners.start() : null;
             ProcessPool pool = new ProcessPool(base(sizes.workers).build())) {
            cpu = new CpuMeter(pool);
            ready(pool);
            log("w1 round trip (%s): warm-up (batches of %,d tasks for %.1f s, then %d one at a time)", regime,
                    sizes.tpWarmup, WARMUP_SECONDS, sizes.rtWarmup);
            int warmed = warmUp(pool);
            TaskFunction noop = Tasks.noop();
            rtWarmedUp = warmed + sizes.rtWarmup;
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < sizes.rtWarmup; i++) {
                    roundTripNanos(pool, noop);
                }
                log("w1 round trip (%s): rep %d of %d (%,d tasks one at a time), then the Python peers' rep", regime,
                        r + 1, reps, sizes.rtTasks);
                double[] us = new double[sizes.rtTasks];
                cpu.start();
                for (int i = 0; i < us.length; i++) {
                    us[i] = roundTripNanos(pool, noop) / 1e3;
                }
                cpu.stop();
                System.arraycopy(us, 0, all, r * us.length, us.length);
                med[r] = Stats.median(us);
                p99[r] = Stats.percentile(us, 99);
                peers.rep("w1", py);
            }
        }
        String key = awake ? "w1_awake" : "w1";
        extra.put(key + "_cpu", cpu.json((long) reps * sizes.rtTasks));
        Map<String, Object> modes = new LinkedHashMap<>();
        modes.put("processpool", Stats.bimodality(all));
        String title = "warm round trip" + (awake ? ", cores kept awake" : "");
        Row m = new Row("w1", title, "median", "µs", false).pp(new Stats(med))
                .peer(PPE, Peers.stats(py, PPE, "median_us"), null)
                .peer(MP, Peers.stats(py, MP, "median_us"), null);
        if (!awake) {
            m.target("≤ 20 µs; ≤ ½ mp.Pool; ≤ ¼ PPE",
                    r -> and(le(r.ppMedian(), 20), le(r.ratioTo(MP), 0.5), le(r.ratioTo(PPE), 0.25)));
        }
        Row p = new Row("w1", title, "p99", "µs", false).pp(new Stats(p99))
                .peer(PPE, Peers.stats(py, PPE, "p99_us"), null)
                .peer(MP, Peers.stats(py, MP, "p99_us"), null);
        m.note(String.format("%,d no-op tasks one at a time (future().get()) per rep, after a %,d-task warm-up (%d "
                        + "more before each rep), each rep followed by one of the Python peers (the same warm-up rule: "
                        + "%.1f s of batches, then %d one at a time); %s",
                sizes.rtTasks, rtWarmedUp, sizes.rtWarmup, WARMUP_SECONDS, sizes.rtWarmup,
                cpu.perTask((long) reps * sizes.rtTasks, "task")));
        m.note(peerCpu(py, "task"));
        if (awake) {
            m.note("one busy loop per core at SCHED_IDLE (chrt --idle) runs throughout both halves: it takes only "
                    + "CPU time no other thread wants, and keeps the virtual CPUs from sleeping between hand-offs");
        }
        for (String impl : List.of(PPE, MP)) {
            Object samples = Peers.remove(py, impl, "samples_us");
            if (samples instanceof List) {
                double[] v = ((List<?>) samples).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
                modes.put(impl, Stats.bimodality(v));
            }
        }
        extra.put(key + "_modes", modes);
        StringBuilder bi = new StringBuilder();
        modes.forEach((who, d) -> {
            if (d != null) {
                bi.append(bi.length() == 0 ? "" : "; ").append(who).append(": ").append(d);
            }
        });
        m.note(bi.length() == 0 ? "no figure is bimodal (per-task samples of every rep)"
                : "BIMODAL (per-task samples of every rep): " + bi);
        return List.of(m, p);
    }

    /** The Python peers' CPU per operation, from their figures of the same run. */
    private static String peerCpu(Map<String, Object> py, String what) {
        StringBuilder sb = new StringBuilder();
        for (String impl : List.of(PPE, MP)) {
            Stats parent = Peers.stats(py, impl, "parent_cpu_us_per_" + what);
            Stats workers = Peers.stats(py, impl, "workers_cpu_us_per_" + what);
            if (parent != null && workers != null) {
                sb.append(sb.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                        "%s: parent %.1f µs + workers %.1f µs", impl, parent.median(), workers.median()));
            }
        }
        return sb.length() == 0 ? "Python peers' CPU: not measured" : "Python peers' CPU per " + what + ": " + sb;
    }

    // ===================================================================================== 2 throughput

    /** How long w2 warms a pool up before it measures: until the JIT's rate of compilation has fallen off. */
    static final double WARMUP_SECONDS = 2.5;
    private int warmUpTasks;
    private int rtWarmedUp;

    /** Runs batches of no-op tasks for {@link #WARMUP_SECONDS} (at least one batch); returns how many tasks. */
    private int warmUp(ProcessPool pool) {
        long end = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        int n = 0;
        do {
            batch(pool, sizes.tpWarmup);
            n += sizes.tpWarmup;
        } while (System.nanoTime() < end);
        return n;
    }

    List<Row> w2() {
        double[] rate = new double[reps];
        CpuMeter cpu;
        Map<String, Object> py = new LinkedHashMap<>();
        try (ProcessPool pool = new ProcessPool(base(sizes.workers).build())) {
            cpu = new CpuMeter(pool);
            ready(pool);
            log("w2 throughput: warm-up, batches of %,d tasks for at least %.1f s", sizes.tpWarmup, WARMUP_SECONDS);
            warmUpTasks = warmUp(pool);
            for (int r = 0; r < reps; r++) {
                log("w2 throughput: rep %d of %d (%,d tasks), then the Python peers' rep", r + 1, reps, sizes.tpTasks);
                cpu.start();
                rate[r] = sizes.tpTasks / batch(pool, sizes.tpTasks);
                cpu.stop();
                peers.rep("w2", py);
            }
        }
        extra.put("w2_cpu", cpu.json((long) reps * sizes.tpTasks));
        Row row = new Row("w2", "single-task throughput", "no-op tasks/s", "tasks/s", true).pp(new Stats(rate))
                .peer(PPE, Peers.stats(py, PPE, "tasks_per_s"), null)
                .peer(MP, Peers.stats(py, MP, "tasks_per_s"), null)
                .target("≥ 100,000/s; ≥ 3× PPE", r -> and(ge(r.ppMedian(), 100_000), ge(r.ratioTo(PPE), 3)));
        row.note(String.format("%,d tasks queued at once (unbounded queue), each with its own callback, then "
                + "processAllResults; after a warm-up of %,d tasks (%.1f s: the JIT compilers of the parent and the "
                + "workers are done by then; the first batches run at half speed); PPE: submit + wait; mp.Pool: "
                + "apply_async with a callback; %s", sizes.tpTasks, warmUpTasks, WARMUP_SECONDS,
                cpu.perTask((long) reps * sizes.tpTasks, "task")));
        row.note(peerCpu(py, "task") + "; the peers warm up by the same rule, and each rep of processpool is followed by"
                + " one of the peers (ABAB)");
        return List.of(row);
    }

    // ======================================================================================== 3 batched

    List<Row> w3() {
        int n = sizes.mapN;
        int chunk = sizes.chunk;
        List<Integer> inputs = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            inputs.add(i);
        }
        double[] unordered = new double[reps];
        double[] ordered = new double[reps];
        double[] lazy = new double[reps];
        CpuMeter cpu;
        Map<String, Object> py = new LinkedHashMap<>();
        try (ProcessPool pool = new ProcessPool(base(sizes.workers).build())) {
            ready(pool);
            log("w3 batched: warm-up (map, imap, imapUnordered over %,d inputs)", Math.min(n, 200_000));
            List<Integer> warm = inputs.subList(0, Math.min(n, 200_000));
            pool.map(Tasks.inc(), warm, chunk);
            drain(pool.imap(Tasks.inc(), warm, chunk), warm.size());
            drain(pool.imapUnordered(Tasks.inc(), warm, chunk), warm.size());
            cpu = new CpuMeter(pool);
            for (int r = 0; r < reps; r++) {
                log("w3 batched: rep %d of %d (%,d inputs, chunk %,d)", r + 1, reps, n, chunk);
                cpu.start();
                long t0 = System.nanoTime();
                drain(pool.imapUnordered(Tasks.inc(), inputs, chunk), n);
                unordered[r] = n / ((System.nanoTime() - t0) / 1e9);
                cpu.stop();
                t0 = System.nanoTime();
                List<Integer> out = pool.map(Tasks.inc(), inputs, chunk);
                ordered[r] = n / ((System.nanoTime() - t0) / 1e9);
                if (out.size() != n || out.get(n - 1) != n) {
                    throw new IllegalStateException("map returned a wrong result");
                }
                t0 = System.nanoTime();
                drain(pool.imap(Tasks.inc(), inputs, chunk), n);
                lazy[r] = n / ((System.nanoTime() - t0) / 1e9);
                peers.rep("w3", py);
            }
        }
        extra.put("w3_imap_unordered_cpu", cpu.json((long) reps * n / chunk));
        String what = String.format("%,d Integer inputs, x -> x + 1, chunk %,d", n, chunk);
        Row u = new Row("w3", "batched (imapUnordered)", "inputs/s", "inputs/s", true).pp(new Stats(unordered))
                .peer(MP, Peers.stats(py, MP, "imap_unordered_tasks_per_s"), null)
                .target("≥ mp.Pool imap_unordered", r -> ge(r.ratioTo(MP), 1.0))
                .note(what + "; peers run the same call (imap_unordered; PPE has none); "
                        + cpu.perTask((long) reps * n / chunk, "chunk of " + chunk) + "; " + peerCpu(py, "chunk"));
        Row o = new Row("w3", "batched (map)", "inputs/s", "inputs/s", true).pp(new Stats(ordered))
                .peer(PPE, Peers.stats(py, PPE, "map_tasks_per_s"), null)
                .peer(MP, Peers.stats(py, MP, "map_tasks_per_s"), null)
                .note(what + "; peers: PPE.map and Pool.map with the same chunksize");
        Row l = new Row("w3", "batched (imap)", "inputs/s", "inputs/s", true).pp(new Stats(lazy))
                .peer(MP, Peers.stats(py, MP, "imap_tasks_per_s"), null)
                .note(what + "; peers: Pool.imap with the same chunksize");
        return List.of(u, o, l);
    }

    private static void drain(Iterator<?> it, int expected) {
        int count = 0;
        while (it.hasNext()) {
            it.next();
            count++;
        }
        if (count != expected) {
            throw new IllegalStateException("got " + count + " results, expected " + expected);
        }
    }

    // ===================================================================================== 4 cold start

    List<Row> w4() throws Exception {
        List<String> cp = jarClassPath();
        List<String> opts = PoolConfig.DEFAULT_JVM_OPTIONS;
        Map<String, Object> cacheInfo = new LinkedHashMap<>();
        extra.put("w4_caches", cacheInfo);

        List<String[]> names = new ArrayList<>();          // label, qualifier
        List<PoolConfig> configs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        names.add(new String[] {"cold start, JDK " + Runtime.version().feature(), "plain"});
        configs.add(base(sizes.workers).javaExecutable(java17).classPath(cp).build());
        problems.add(null);

        // The pool's own class-data cache (PoolConfig.classDataCache), trained here by a first pool.
        List<List<String>> bareOptions = new ArrayList<>();
        bareOptions.add(null);
        log("w4 cold start: training the pool's class-data cache (AppCDS) for the JDK %d worker",
                Runtime.version().feature());
        Path dir17 = work.resolve("cache/jdk" + Runtime.version().feature());
        ClassDataCache.clear(dir17);
        PoolConfig cached17 = base(sizes.workers).javaExecutable(java17).classPath(cp).classDataCache(dir17).build();
        ClassDataCache.Result cds = ClassDataCache.train(cached17);
        cacheInfo.put("appcds", describe(cds));
        names.add(new String[] {"cold start, JDK " + Runtime.version().feature() + " + AppCDS", "cached"});
        configs.add(cds.ok() ? cached17 : null);
        problems.add(cds.problem);
        bareOptions.add(cds.useOptions);

        if (java25 != null) {
            names.add(new String[] {"cold start, JDK 25", "plain"});
            configs.add(base(sizes.workers).javaExecutable(java25).classPath(cp).build());
            problems.add(null);
            bareOptions.add(null);
            log("w4 cold start: training the pool's class-data cache (AOT cache) for the JDK 25 worker");
            Path dir25 = work.resolve("cache/jdk25");
            ClassDataCache.clear(dir25);
            PoolConfig cached25 = base(sizes.workers).javaExecutable(java25).classPath(cp).classDataCache(dir25).build();
            ClassDataCache.Result aot = ClassDataCache.train(cached25);
            cacheInfo.put("aot25", describe(aot));
            names.add(new String[] {"cold start, JDK 25 + AOT cache", "cached"});
            configs.add(aot.ok() ? cached25 : null);
            problems.add(aot.problem);
            bareOptions.add(aot.useOptions);
        } else {
            cacheInfo.put("aot25", "no JDK 25 found: skipped");
        }

        // Interleave the variants within each rep, so that a load spike hits all of them alike. Each rep also
        // times one bare JVM of the same kind (start, a trivial main, exit): the part no pool can avoid.
        double[][] ms = new double[configs.size()][reps];
        double[][] bareMs = new double[configs.size()][reps];
        Map<String, Object> py = new LinkedHashMap<>();
        for (int r = -1; r < reps; r++) {
            for (int v = 0; v < configs.size(); v++) {
                PoolConfig c = configs.get(v);
                if (c == null) {
                    continue;
                }
                log("w4 %s: %s", names.get(v)[0], r < 0 ? "warm-up" : "rep " + (r + 1) + " of " + reps);
                double t = coldStartMillis(c);
                double b = bareJvmMillis(c, bareOptions.get(v));
                if (r >= 0) {
                    ms[v][r] = t;
                    bareMs[v][r] = b;
                }
            }
            if (r >= 0) {
                peers.rep("w4", py);
            }
        }

        List<Row> rows = new ArrayList<>();
        Stats plain = null;
        for (int v = 0; v < configs.size(); v++) {
            Row row = new Row("w4", names.get(v)[0], "new pool → first result", "ms", false)
                    .peer(PPE, Peers.stats(py, PPE, "spawn_ms"), "spawn")
                    .peer(MP, Peers.stats(py, MP, "spawn_ms"), "spawn")
                    .target("≤ PPE (spawn)", r -> le(r.ratioTo(PPE), 1.0));
            if (configs.get(v) != null) {
                row.pp(new Stats(ms[v]));
                row.baseline("bare JVM", new Stats(bareMs[v]));
                if (plain == null) {
                    plain = row.pp;
                }
            } else {
                row.ppNote = problems.get(v);
            }
            rows.add(row);
        }
        rows.get(0).note(sizes.workers + " workers; class path of jars; JVM options " + opts
                + "; one warm-up pool per variant, not counted; bare JVM: one `java <same options> Busy 1 1`, start "
                + "to exit, in the same rep");
        Row fork = new Row("w4", "cold start, JDK " + Runtime.version().feature() + " vs fork peers",
                "new pool → first result", "ms", false).pp(plain)
                .peer(PPE, Peers.stats(py, PPE, "fork_ms"), "fork")
                .peer(MP, Peers.stats(py, MP, "fork_ms"), "fork")
                .note("fork copies a warm interpreter: no start-up to pay; for reference, no target");
        rows.add(fork);
        return rows;
    }

    private static Map<String, Object> describe(ClassDataCache.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ok", r.ok());
        m.put("train_seconds", r.trainSeconds);
        m.put("archive", r.archive == null ? null : r.archive.toString());
        m.put("options", r.useOptions);
        m.put("problem", r.problem);
        return m;
    }

    /**
     * One JVM with the pool's java, options (or {@code options}: those its workers get from the class-data
     * cache) and class path running {@code Busy 1 1}: start to exit, ms.
     */
    private static double bareJvmMillis(PoolConfig cfg, List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(cfg.getJavaExecutable().toString());
        cmd.addAll(options != null ? options : cfg.getJvmOptions());
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, cfg.getClassPath()));
        cmd.add(Busy.class.getName());
        cmd.add("1");
        cmd.add("1");
        long t0 = System.nanoTime();
        check(new ProcessBuilder(cmd).inheritIO().start().waitFor());
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double coldStartMillis(PoolConfig cfg) throws Exception {
        long t0 = System.nanoTime();
        ProcessPool pool = new ProcessPool(cfg);
        try {
            pool.createAndQueueTask(Tasks.noop()).future().get(2, TimeUnit.MINUTES);
            return (System.nanoTime() - t0) / 1e6;
        } finally {
            pool.shutdown(Duration.ofMinutes(1));
        }
    }

    // ======================================================================================== 5 payload

    List<Row> w5() throws Exception {
        int bytes = sizes.payloadMiB << 20;
        byte[] payload = new byte[bytes];
        new java.util.Random(42).nextBytes(payload);
        double totalMiB = (double) sizes.payloadTasks * sizes.payloadMiB;
        double[] rate = new double[reps];
        double[] rawC = new double[reps];
        double[] rawJava = new double[reps];
        Path binary = pipeCopyBinary();
        CpuMeter cpu;
        Map<String, Object> py = new LinkedHashMap<>();
        try (ProcessPool pool = new ProcessPool(base(sizes.workers).maxQueuedRequests(4 * sizes.workers).build())) {
            ready(pool);
            log("w5 payload: warm-up");
            for (int i = 0; i < 3; i++) {
                payloadRun(pool, payload, 50);
            }
            cpu = new CpuMeter(pool);
            for (int r = 0; r < reps; r++) {
                log("w5 payload: rep %d of %d (%d × %d MiB each way; raw pipe copies)", r + 1, reps,
                        sizes.payloadTasks, sizes.payloadMiB);
                cpu.start();
                rate[r] = totalMiB / payloadRun(pool, payload, sizes.payloadTasks);
                cpu.stop();
                rawC[r] = binary == null ? Double.NaN : totalMiB / runPipeCopy(binary);
                rawJava[r] = totalMiB / PipeCopy.measure(java17.toString(), classPath(), sizes.payloadTasks, bytes);
                peers.rep("w5", py);
            }
        }
        extra.put("w5_cpu", cpu.json((long) reps * sizes.payloadTasks));
        Row row = new Row("w5", "payload (1 MiB in, 1 MiB out)", "MiB/s one way", "MiB/s", true).pp(new Stats(rate))
                .peer(PPE, Peers.stats(py, PPE, "mib_per_s_one_way"), null)
                .peer(MP, Peers.stats(py, MP, "mib_per_s_one_way"), null);
        String rawName;
        if (binary != null) {
            rawName = "C pipe";
            row.baseline(rawName, new Stats(rawC));
            row.baseline("Java pipe", new Stats(rawJava));
        } else {
            rawName = "Java pipe";
            row.baseline(rawName, new Stats(rawJava));
            row.note("no C compiler (" + pipeCopyProblem + "): the raw pipe baseline is the Java one");
        }
        row.target("≥ 0.9× raw pipe copy", r -> ge(r.ratioTo(rawName), 0.9));
        row.note(String.format("%d tasks taking and returning %d MiB (queue of %d; results checked and dropped as they"
                        + " come, as the peers' map/imap do); MiB/s = %d MiB / elapsed; raw pipe:"
                        + " %d × %d MiB one way through a pipe between two processes, same run",
                sizes.payloadTasks, sizes.payloadMiB, 4 * sizes.workers, sizes.payloadTasks * sizes.payloadMiB,
                sizes.payloadTasks, sizes.payloadMiB));
        row.note(cpu.perTask((long) reps * sizes.payloadTasks, "1 MiB task") + "; " + peerCpu(py, "task"));
        String pipeModes = Stats.bimodality(binary != null ? rawC : rawJava);
        if (pipeModes != null) {
            row.note("BIMODAL raw pipe baseline across reps: " + pipeModes);
        }
        return List.of(row);
    }

    /**
     * Streams the tasks as the Python peers do ({@code map}/{@code imap} consumed as results come): each result
     * is checked and dropped once the window of outstanding tasks is full, so the run measures moving bytes,
     * not the parent's garbage collector copying 500 retained MiB.
     */
    private static double payloadRun(ProcessPool pool, byte[] payload, int tasks) throws Exception {
        TaskFunction echo = Tasks.echo();
        java.util.ArrayDeque<CompletableFuture<Object>> window = new java.util.ArrayDeque<>();
        int windowSize = 8 * pool.getMaxSize();
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            window.add(pool.createAndQueueTask(echo, payload).future());
            if (window.size() >= windowSize) {
                checkEcho(window.poll(), payload);
            }
        }
        while (!window.isEmpty()) {
            checkEcho(window.poll(), payload);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void checkEcho(CompletableFuture<Object> f, byte[] payload) throws Exception {
        byte[] back = (byte[]) f.get(5, TimeUnit.MINUTES);
        if (back.length != payload.length) {
            throw new IllegalStateException("payload came back with " + back.length + " bytes");
        }
    }

    /** Compiles pipecopy.c with cc, once; null when there is no compiler. */
    private Path pipeCopyBinary() {
        if (pipeCopyBinary != null || pipeCopyProblem != null) {
            return pipeCopyBinary;
        }
        try {
            Path src = Bench.unpack("pipecopy.c", work);
            Path bin = work.resolve("pipecopy");
            Process p = new ProcessBuilder("cc", "-O2", "-o", bin.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
                pipeCopyProblem = "cc failed: " + out.trim();
                return null;
            }
            pipeCopyBinary = bin;
        } catch (IOException | InterruptedException e) {
            pipeCopyProblem = "cc not usable: " + e.getMessage();
        }
        return pipeCopyBinary;
    }

    private double runPipeCopy(Path binary) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), Integer.toString(sizes.payloadTasks),
                Integer.toString(sizes.payloadMiB)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("pipecopy failed: " + out);
        }
        return Double.parseDouble(out);
    }

    // ==================================================================================== 6 CPU scaling

    List<Row> w6() throws Exception {
        long iterations = calibrate(sizes.busySeconds);
        log("w6 CPU scaling: %,d iterations per task (~%.2f s in this JVM)", iterations, sizes.busySeconds);
        extra.put("w6_java_iterations", iterations);
        double[] speedup = new double[scalingReps];
        double[] bare = new double[scalingReps];
        List<Double> t1s = new ArrayList<>();
        List<Double> t2s = new ArrayList<>();
        List<Double> seqs = new ArrayList<>();
        List<Double> concs = new ArrayList<>();
        TaskFunction busy = Tasks.busy();
        Map<String, Object> py = new LinkedHashMap<>();
        try (ProcessPool one = new ProcessPool(base(1).build());
             ProcessPool two = new ProcessPool(base(2).build())) {
            ready(one);
            ready(two);
            // Let each worker compile the loop before the timed runs.
            busyRun(one, busy, iterations / 10, 2);
            busyRun(two, busy, iterations / 10, 4);
            int half = sizes.busyTasks / 2;
            for (int r = 0; r < scalingReps; r++) {
                log("w6 CPU scaling: rep %d of %d (%d tasks on 1 worker, on 2, then 2 bare processes "
                        + "× %d units, one after the other and at once)", r + 1, scalingReps, sizes.busyTasks, half);
                double t1 = busyRun(one, busy, iterations, sizes.busyTasks);
                double t2 = busyRun(two, busy, iterations, sizes.busyTasks);
                double seq = bareRun(iterations, half, false);
                double conc = bareRun(iterations, half, true);
                speedup[r] = t1 / t2;
                bare[r] = seq / conc;
                t1s.add(t1);
                t2s.add(t2);
                seqs.add(seq);
                concs.add(conc);
                peers.rep("w6", py);
            }
        }
        Map<String, Object> times = new LinkedHashMap<>();
        times.put("pool_1_worker_s", t1s);
        times.put("pool_2_workers_s", t2s);
        times.put("bare_sequential_s", seqs);
        times.put("bare_concurrent_s", concs);
        extra.put("w6_times", times);
        Row row = new Row("w6", "CPU scaling (" + sizes.busyTasks + " × " + sizes.busySeconds + " s)",
                "speed-up 1 → 2 workers", "×", true).pp(new Stats(speedup))
                .peer(PPE, Peers.stats(py, PPE, "speedup"), null)
                .peer(MP, Peers.stats(py, MP, "speedup"), null)
                .baseline("bare", new Stats(bare))
                .target("≥ 0.95× bare speed-up", r -> ge(r.ratioTo("bare"), 0.95));
        row.note("speed-up = time on 1 worker / time on 2; bare: two `java Busy` processes of "
                + sizes.busyTasks / 2 + " units each, one after the other / at the same time (JVM start included)");
        return List.of(row);
    }

    private static long calibrate(double seconds) {
        long it = 1_000_000;
        for (int i = 0; i < 5; i++) {
            Tasks.spin(it);  // compile first
        }
        while (true) {
            long t0 = System.nanoTime();
            long sink = Tasks.spin(it);
            double dt = (System.nanoTime() - t0) / 1e9;
            if (sink == 42) {
                System.err.print("");
            }
            if (dt > 0.2) {
                return (long) (it * seconds / dt);
            }
            it *= 2;
        }
    }

    private static double busyRun(ProcessPool pool, TaskFunction busy, long iterations, int tasks) throws Exception {
        List<CompletableFuture<Object>> futures = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < tasks; i++) {
            futures.add(pool.createAndQueueTask(busy, iterations).future());
        }
        for (CompletableFuture<Object> f : futures) {
            f.get(10, TimeUnit.MINUTES);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private double bareRun(long iterations, int units, boolean concurrent) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java17.toString());
        cmd.addAll(PoolConfig.DEFAULT_JVM_OPTIONS);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Busy.class.getName());
        cmd.add(Long.toString(iterations));
        cmd.add(Integer.toString(units));
        long t0 = System.nanoTime();
        if (concurrent) {
            Process a = new ProcessBuilder(cmd).inheritIO().start();
            Process b = new ProcessBuilder(cmd).inheritIO().start();
            check(a.waitFor());
            check(b.waitFor());
        } else {
            check(new ProcessBuilder(cmd).inheritIO().start().waitFor());
            check(new ProcessBuilder(cmd).inheritIO().start().waitFor());
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void check(int exit) {
        if (exit != 0) {
            throw new IllegalStateException("bare busy process exited with " + exit);
        }
    }

    // ======================================================================================== 7 timeout

    List<Row> w7() throws Exception {
        double[] med = new double[scalingReps];
        double[] max = new double[scalingReps];
        List<Double> all = new ArrayList<>();
        List<Double> fromSubmit = new ArrayList<>();
        List<Double> byRunTime = new ArrayList<>();
        Duration timeout = Duration.ofMillis(sizes.timeoutMillis);
        long timeoutNanos = timeout.toNanos();
        TaskFunction sleep = Tasks.sleepReportingStart();
        Map<String, Long> started = new ConcurrentHashMap<>();
        PoolConfig cfg = base(sizes.workers).outputListener((pid, taskId, stream, line) -> {
            if (taskId != null && line.startsWith("start ")) {
                started.put(taskId, Long.parseLong(line.substring(6).trim()));
            }
        }).build();
        int fallbacks = 0;
        Map<String, Object> py = new LinkedHashMap<>();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            ready(pool);
            batch(pool, 1000);
            for (int r = 0; r < scalingReps; r++) {
                log("w7 timeout: rep %d of %d (%d tasks sleeping 10 s, timeout %d ms)", r + 1, scalingReps,
                        sizes.timeoutTasks, sizes.timeoutMillis);
                List<Double> delays = new ArrayList<>();
                while (delays.size() < sizes.timeoutTasks) {
                    ready(pool);
                    waitIdle(pool, sizes.workers);
                    // The workers killed in the last round were replaced by fresh JVMs: let them load and link
                    // the task's lambda first, or the timed task's deadline would fall in its class loading.
                    warmSleepers(pool, sleep);
                    int batch = Math.min(sizes.workers, sizes.timeoutTasks - delays.size());
                    long[] submitted = new long[batch];
                    AtomicLongArray end = new AtomicLongArray(batch);
                    ProcessTask[] tasks = new ProcessTask[batch];
                    for (int i = 0; i < batch; i++) {
                        int k = i;
                        tasks[i] = ProcessTask.builder(sleep).args(10_000L).timeout(timeout).build();
                        submitted[i] = System.nanoTime();
                        pool.queueTask(tasks[i]);
                        tasks[i].future().whenComplete((v, e) -> end.set(k, System.nanoTime()));
                    }
                    for (int i = 0; i < batch; i++) {
                        awaitTimeout(tasks[i], end, i);
                        Long start = started.remove(tasks[i].getTaskId());
                        if (start == null) {  // the line was lost: count from the submission (an upper bound)
                            fallbacks++;
                            start = submitted[i];
                        }
                        delays.add((end.get(i) - start - timeoutNanos) / 1e6);
                        fromSubmit.add((end.get(i) - submitted[i] - timeoutNanos) / 1e6);
                        byRunTime.add((tasks[i].getRunTime().toNanos() - timeoutNanos) / 1e6);
                    }
                }
                double[] d = delays.stream().mapToDouble(Double::doubleValue).toArray();
                med[r] = Stats.median(d);
                max[r] = new Stats(d).max();
                all.addAll(delays);
                peers.rep("w7", py);
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("from_task_start_ms", all);
        details.put("from_submission_ms", fromSubmit);
        details.put("pool_run_time_minus_timeout_ms", byRunTime);
        details.put("start_lines_missing", fallbacks);
        extra.put("w7_delays", details);
        double worst = all.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        double[] sub = fromSubmit.stream().mapToDouble(Double::doubleValue).toArray();
        String waiter = "waiter";
        Row m = new Row("w7", "timeout 100 ms, task overruns", "deadline → outcome, median", "ms", false)
                .pp(new Stats(med))
                .peer(PPE, Peers.stats(py, PPE, "median_ms"), waiter)
                .peer(MP, Peers.stats(py, MP, "median_ms"), waiter)
                .target("≤ 20 ms", r -> le(r.ppMedian(), 20));
        Row x = new Row("w7", "timeout 100 ms, task overruns", "deadline → outcome, max", "ms", false)
                .pp(new Stats(max))
                .peer(PPE, Peers.stats(py, PPE, "max_ms"), waiter)
                .peer(MP, Peers.stats(py, MP, "max_ms"), waiter)
                .target("≤ 50 ms (largest sample)", r -> le(worst, 50));
        for (Row row : List.of(m, x)) {
            row.noRatio.add(PPE);
            row.noRatio.add(MP);
        }
        m.note(String.format(Locale.ROOT, "2 tasks at a time on an idle 2-worker pool, %d per rep; deadline = the "
                + "task's own start in the worker (System.nanoTime, one clock for all processes) + 100 ms; outcome "
                + "= its future completing (the worker killed); largest of all: %.1f ms; counted from queueTask "
                + "instead: median %.1f, max %.1f ms", sizes.timeoutTasks, worst, Stats.median(sub),
                new Stats(sub).max()));
        m.note("Python has no per-task timeout: result(timeout=0.1)/get(timeout=0.1) only stop waiting and the "
                + "task runs on, so their figures are the waiter's delay, shown without a ratio");
        return List.of(m, x);
    }

    /** Waits for a 10 s task that must time out, and until its future's completion time is stamped in end[i]. */
    private static void awaitTimeout(ProcessTask task, AtomicLongArray end, int i) throws Exception {
        if (!awaitOutcome(task, end, i)) {
            throw new IllegalStateException("a 10 s task beat its " + task.getTimeOut() + " timeout");
        }
    }

    /**
     * Waits for the outcome of a 10 s task that should time out, and until its future's completion time is
     * stamped in end[i]; false if it ended by itself instead (its deadline never fired).
     */
    private static boolean awaitOutcome(ProcessTask task, AtomicLongArray end, int i) throws Exception {
        boolean timedOut = false;
        try {
            task.future().get(1, TimeUnit.MINUTES);
        } catch (ExecutionException expected) {
            if (!(expected.getCause() instanceof TaskTimeoutException)) {
                throw expected;
            }
            timedOut = true;
        }
        while (end.get(i) == 0) {
            Thread.onSpinWait();
        }
        return timedOut;
    }

    private void warmSleepers(ProcessPool pool, TaskFunction sleep) throws Exception {
        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<Object>> f = new ArrayList<>();
            for (int i = 0; i < sizes.workers; i++) {
                f.add(pool.createAndQueueTask(sleep, 20L).future());
            }
            for (CompletableFuture<Object> x : f) {
                x.get(1, TimeUnit.MINUTES);
            }
        }
        waitIdle(pool, sizes.workers);
    }

    private static double median(List<Double> values) {
        return Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void waitIdle(ProcessPool pool, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (pool.getNumIdleProcesses() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("workers did not become idle: " + pool);
            }
            Thread.sleep(2);
        }
    }

    // ================================================================================== 9 timeout storm

    /**
     * How long this JVM's threads have waited on a run queue, ready to run but not given a core, in
     * nanoseconds: the sum of {@code /proc/self/task/<tid>/schedstat}'s second field over threads whose name
     * (as the kernel keeps it: its first 15 characters) starts with {@code prefix} (all threads for ""); -1
     * where the kernel keeps no schedstat.
     */
    static long runQueueWaitNanos(String prefix) {
        long sum = 0;
        boolean any = false;
        try (java.nio.file.DirectoryStream<java.nio.file.Path> tasks =
                     java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/task"))) {
            for (java.nio.file.Path t : tasks) {
                try {
                    String comm = java.nio.file.Files.readString(t.resolve("comm")).strip();
                    if (!comm.startsWith(prefix)) {
                        continue;
                    }
                    String[] f = java.nio.file.Files.readString(t.resolve("schedstat")).strip().split(" ");
                    sum += Long.parseLong(f[1]);
                    any = true;
                } catch (java.io.IOException | RuntimeException gone) {
                    // the thread ended
                }
            }
        } catch (java.io.IOException e) {
            return -1;
        }
        return any ? sum : -1;
    }

    /**
     * As many workers as the machine allows, up to {@code stormTasks}: each takes ~40 MiB resident, so the
     * count is what MemAvailable holds at 128 MiB apiece after 2 GiB are left aside.
     */
    private int stormWorkers() {
        long availableMiB = -1;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    availableMiB = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: keep the default
        }
        return availableMiB < 0 ? sizes.stormTasks
                : (int) Math.max(2, Math.min(sizes.stormTasks, (availableMiB - 2048) / 128));
    }

    /**
     * The timeout storm: one task per worker, all queued at once on idle workers, each sleeping 10 s with a
     * timeout of {@code stormTimeoutMillis}, so that every deadline falls within a few milliseconds of the
     * others. Lateness of each outcome = its future's completion - (the task's own start in its worker, as
     * it printed it on System.nanoTime, one clock for all processes + the timeout). The kills, and the start
     * of as many replacement workers, come after the outcomes.
     */
    List<Row> w9() throws Exception {
        int n = stormWorkers();
        long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(sizes.stormTimeoutMillis);
        TaskFunction sleep = Tasks.sleepReportingStart();
        Map<String, Long> started = new ConcurrentHashMap<>();
        PoolConfig cfg = base(n).name("w9").pipelineDepth(1).outputListener((pid, taskId, stream, line) -> {
            if (taskId != null && line.startsWith("start ")) {
                started.put(taskId, Long.parseLong(line.substring(6).trim()));
            }
        }).build();
        double[] med = new double[scalingReps];
        double[] p99 = new double[scalingReps];
        double[] max = new double[scalingReps];
        double[] timerWaitMs = new double[scalingReps];
        double[] parentWaitMs = new double[scalingReps];
        List<Double> all = new ArrayList<>();
        List<Double> byRunTime = new ArrayList<>();
        double parentCpuSeconds = 0;
        int fallbacks = 0;
        int missed = 0;
        try (ProcessPool pool = new ProcessPool(cfg)) {
            for (int r = 0; r < scalingReps; r++) {
                log("w9 timeout storm: rep %d of %d: waiting for %d workers", r + 1, scalingReps, n);
                ready(pool);
                waitIdle(pool, n);
                // every worker loads the task's lambda before the timed round (one task each: all are idle)
                List<CompletableFuture<Object>> warm = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    warm.add(pool.createAndQueueTask(sleep, 20L).future());
                }
                for (CompletableFuture<Object> f : warm) {
                    f.get(2, TimeUnit.MINUTES);
                }
                waitIdle(pool, n);
                started.clear();
                log("w9 timeout storm: rep %d of %d (%d tasks on %d workers, timeout %d ms)", r + 1, scalingReps, n, n,
                        sizes.stormTimeoutMillis);
                ProcessTask[] tasks = new ProcessTask[n];
                long[] submitted = new long[n];
                AtomicLongArray end = new AtomicLongArray(n);
                long cpu0 = CpuMeter.parentCpuNanos();
                long timerWait0 = runQueueWaitNanos("w9-timer");
                long parentWait0 = runQueueWaitNanos("");
                for (int i = 0; i < n; i++) {
                    int k = i;
                    tasks[i] = ProcessTask.builder(sleep).args(10_000L).timeout(Duration.ofNanos(timeoutNanos)).build();
                    submitted[i] = System.nanoTime();
                    pool.queueTask(tasks[i]);
                    tasks[i].future().whenComplete((v, e) -> end.set(k, System.nanoTime()));
                }
                double[] late = new double[n];
                for (int i = 0; i < n; i++) {
                    if (!awaitOutcome(tasks[i], end, i)) {
                        missed++; // its deadline never fired: the task ended by itself, 10 s in
                    }
                }
                parentCpuSeconds += (CpuMeter.parentCpuNanos() - cpu0) / 1e9;
                timerWaitMs[r] = (runQueueWaitNanos("w9-timer") - timerWait0) / 1e6;
                parentWaitMs[r] = (runQueueWaitNanos("") - parentWait0) / 1e6;
                for (int i = 0; i < n; i++) {
                    Long start = started.get(tasks[i].getTaskID());
                    if (start == null) { // its start line was lost: count from the submission (an upper bound)
                        fallbacks++;
                        start = submitted[i];
                    }
                    late[i] = (end.get(i) - start - timeoutNanos) / 1e6;
                    all.add(late[i]);
                    byRunTime.add((tasks[i].getRunTime().toNanos() - timeoutNanos) / 1e6);
                }
                med[r] = Stats.median(late);
                p99[r] = Stats.percentile(late, 99);
                max[r] = new Stats(late).max();
                log("w9 timeout storm: rep %d: lateness median %.1f ms, p99 %.1f ms, max %.1f ms; run-queue wait:"
                        + " timer thread %.1f ms, all parent threads %.1f ms", r + 1, med[r], p99[r], max[r],
                        timerWaitMs[r], parentWaitMs[r]);
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("workers", n);
        details.put("lateness_ms", all);
        details.put("pool_run_time_minus_timeout_ms", byRunTime);
        details.put("start_lines_missing", fallbacks);
        details.put("parent_cpu_s", parentCpuSeconds);
        details.put("timer_thread_run_queue_wait_ms", timerWaitMs);
        details.put("parent_threads_run_queue_wait_ms", parentWaitMs);
        details.put("tasks_that_ended_before_their_timeout_fired", missed);
        extra.put("w9_storm", details);
        double worst = all.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        String title = String.format("timeout storm (%d tasks, %d workers)", n, n);
        Row m = new Row("w9", title, "deadline → outcome, median", "ms", false).pp(new Stats(med));
        Row p = new Row("w9", title, "deadline → outcome, p99", "ms", false).pp(new Stats(p99));
        Row x = new Row("w9", title, "deadline → outcome, max", "ms", false).pp(new Stats(max))
                .target("all ≤ 50 ms", r -> le(worst, 50));
        m.note(String.format(Locale.ROOT, "%d tasks sleeping 10 s, timeout %d ms, queued at once on %d idle workers"
                + " (as many as MemAvailable allows at 128 MiB each, up to %d); deadline = the task's own start in its"
                + " worker (System.nanoTime) + timeout; outcome = its future completing; largest of all %.1f ms;"
                + " parent CPU per timed-out task %.0f µs (from queueing to the last outcome); %d of %d tasks ended"
                + " by themselves (10 s) before their timeout fired; no Python peer: its pools have no per-task"
                + " timeout; the pool's timer thread waited %s ms on the run queue during each storm (all parent"
                + " threads together: %s ms; from /proc/self/task/*/schedstat): how much of the lateness is the"
                + " cores being busy elsewhere", n, sizes.stormTimeoutMillis, n, sizes.stormTasks, worst,
                parentCpuSeconds / ((double) n * scalingReps) * 1e6, missed, n * scalingReps,
                java.util.Arrays.toString(timerWaitMs), java.util.Arrays.toString(parentWaitMs)));
        return List.of(m, p, x);
    }

    // ========================================================================================== 8 memory

    List<Row> w8() throws Exception {
        double[] mib = new double[reps];
        double[] mib25 = java25 == null ? null : new double[reps];
        Map<String, Object> py = new LinkedHashMap<>();
        for (int r = 0; r < reps; r++) {
            log("w8 idle worker RSS: rep %d of %d", r + 1, reps);
            mib[r] = idleRss(base(sizes.workers).build());
            if (java25 != null) {
                mib25[r] = idleRss(base(sizes.workers).javaExecutable(java25).build());
            }
            peers.rep("w8", py);
        }
        extra.put("w8_rss_parts_mib", rssParts);
        List<Row> rows = new ArrayList<>();
        Row row = new Row("w8", "idle worker, JDK " + Runtime.version().feature(), "resident memory (VmRSS)", "MiB",
                false).pp(new Stats(mib))
                .peer(PPE, Peers.stats(py, PPE, "fork_mib"), "fork")
                .peer(MP, Peers.stats(py, MP, "fork_mib"), "fork")
                .target("≤ 40 MiB", r -> le(r.ppMedian(), 40));
        row.note("median over the workers of a fresh pool after 200 no-op tasks and 1 s idle; JVM options "
                + PoolConfig.DEFAULT_JVM_OPTIONS);
        Stats ppeSpawn = Peers.stats(py, PPE, "spawn_mib");
        Stats mpSpawn = Peers.stats(py, MP, "spawn_mib");
        if (ppeSpawn != null && mpSpawn != null) {
            row.note(String.format("Python with spawn: PPE %.1f MiB, mp.Pool %.1f MiB", ppeSpawn.median(),
                    mpSpawn.median()));
        }
        String anon = java17 + " RssAnon";
        if (rssParts.containsKey(anon)) {
            row.note(String.format(Locale.ROOT, "of which anonymous (heap, code, metaspace, stacks) %.1f MiB and "
                    + "file-backed (libjvm.so, CDS archive; shared between workers) %.1f MiB",
                    median(rssParts.get(anon)), median(rssParts.get(java17 + " RssFile"))));
        }
        rows.add(row);
        if (mib25 != null) {
            rows.add(new Row("w8", "idle worker, JDK 25", "resident memory (VmRSS)", "MiB", false).pp(new Stats(mib25))
                    .peer(PPE, Peers.stats(py, PPE, "fork_mib"), "fork")
                    .peer(MP, Peers.stats(py, MP, "fork_mib"), "fork")
                    .target("≤ 40 MiB", r -> le(r.ppMedian(), 40)));
        }
        return rows;
    }

    private final Map<String, List<Double>> rssParts = new LinkedHashMap<>();

    private double idleRss(PoolConfig cfg) throws Exception {
        try (ProcessPool pool = new ProcessPool(cfg)) {
            ready(pool);
            batch(pool, 200);
            Thread.sleep(1000);
            List<Double> values = new ArrayList<>();
            for (WorkingProcess w : pool.getWorkers()) {
                values.add(statusMiB(w.pid(), "VmRSS:"));
                rssParts.computeIfAbsent(cfg.getJavaExecutable() + " RssAnon", k -> new ArrayList<>())
                        .add(statusMiB(w.pid(), "RssAnon:"));
                rssParts.computeIfAbsent(cfg.getJavaExecutable() + " RssFile", k -> new ArrayList<>())
                        .add(statusMiB(w.pid(), "RssFile:"));
            }
            return Stats.median(values.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /** A kB field of /proc/PID/status, in MiB. */
    static double statusMiB(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }
}
