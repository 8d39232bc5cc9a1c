package dev.processpool.hazelcast;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.TaskPool;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The cluster bench: throughput of 50 ms sleeping tasks on 1, 2 and 3 members of 2 workers each, next to a
 * local pool of 2 workers; and the per-task overhead of the cluster path against the local pool (round-trip
 * median of a no-op task, no-op throughput). Members are real {@code processpool member} processes on
 * loopback; the client pool and the local pool run in this JVM. Every figure comes with the CPU it cost (this
 * JVM, the members and all their workers) and the machine's load. Sleeping tasks show how the cluster
 * spreads work; CPU-bound scaling cannot be shown on a 2-core machine and is not attempted.
 *
 * <pre>
 *   java -cp processpool.jar:processpool-hazelcast.jar:hazelcast-5.7.0.jar dev.processpool.hazelcast.ClusterBench \
 *        processpool-cli/bin/processpool [tasks-per-run]
 * </pre>
 */
public final class ClusterBench {

    private static final String SLEEP = "dev.processpool.cli.examples.Sleep";
    private static final String CLUSTER = "bench-" + UUID.randomUUID().toString().substring(0, 8);

    private final Path script;
    private final List<Process> members = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    private ClusterBench(Path script) {
        this.script = script;
    }

    /**
     * Runs the bench and prints its table.
     *
     * @param args the path of {@code bin/processpool}, then optionally the tasks per run (default 240)
     * @throws Exception when a member cannot be started or a run fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ClusterBench PATH/TO/bin/processpool [tasks-per-run (default 240)]");
            System.exit(2);
        }
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 240;
        ClusterBench bench = new ClusterBench(Path.of(args[0]));
        try {
            bench.run(tasks);
        } finally {
            bench.stopMembers();
        }
    }

    private void run(int tasks) throws Exception {
        System.out.printf(Locale.ROOT, "cluster bench: %d sleeping tasks of 50 ms per run; %d CPUs; Java %s; load %s%n", tasks,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), load());
        PoolConfig local = PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(16).build();
        List<String> rows = new ArrayList<>();
        double localRate;
        try (ProcessPool pool = new ProcessPool(local)) {
            pool.awaitReady(Duration.ofSeconds(60));
            localRate = throughput("local pool, 2 workers", pool, tasks, 50, rows);
        }
        startMember();
        try (ClusterPool pool = client()) {
            double one = throughput("cluster, 1 member x 2 workers", pool, tasks, 50, rows);
            startMember();
            awaitMembers(pool, 2);
            double two = throughput("cluster, 2 members x 2 workers", pool, tasks, 50, rows);
            startMember();
            awaitMembers(pool, 3);
            double three = throughput("cluster, 3 members x 2 workers", pool, tasks, 50, rows);
            double[] byMembers = {localRate / one, 1, two / (2 * one), three / (3 * one), 0};
            System.out.println();
            System.out.println("| run | tasks/s | CPU ms per task | load before | vs k x 1 member | vs ideal k x 40/s |");
            System.out.println("|---|---|---|---|---|---|");
            for (int i = 0; i < rows.size(); i++) {
                System.out.println(rows.get(i).replace("(k)", i == 0 ? "-" : String.format(Locale.ROOT, "%.2f", byMembers[i])));
            }
            System.out.printf(Locale.ROOT, "%nscaling: 2 members %.2f x linear, 3 members %.2f x linear (of the 1-member"
                    + " figure); the local pool of 2 workers made %.1f tasks/s%n", two / (2 * one), three / (3 * one),
                    localRate);
        }
        stopMembers();
        try (ProcessPool pool = new ProcessPool(local)) {
            pool.awaitReady(Duration.ofSeconds(60));
            List<String> again = new ArrayList<>();
            throughput("local pool, 2 workers (again, after the cluster runs)", pool, tasks, 50, again);
            System.out.println(again.get(0).replace("(k)", "-"));
        }

        // Overhead: one member of 2 workers against a local pool of 2, interleaved.
        startMember();
        List<String> overhead = new ArrayList<>();
        try (ClusterPool cluster = client();
             ProcessPool pool = new ProcessPool(local)) {
            pool.awaitReady(Duration.ofSeconds(60));
            for (int round = 0; round < 2; round++) {
                roundTrip("local pool", pool, overhead);
                roundTrip("cluster, 1 member", cluster, overhead);
                throughput0("local pool", pool, 2000, overhead);
                throughput0("cluster, 1 member", cluster, 2000, overhead);
            }
        }
        System.out.println();
        System.out.println("| measure | peer | figure | CPU ms per task | load before |");
        System.out.println("|---|---|---|---|---|");
        overhead.forEach(System.out::println);
    }

    private ClusterPool client() {
        return ClusterPool.connect(ClusterPoolConfig.builder(CLUSTER).addresses(List.of("127.0.0.1:" + ports.get(0)))
                .maxQueuedRequests(16).build());
    }

    /**
     * The same warm-up for every peer: no-op tasks for at least 3 s and 2,000 tasks, so that the JIT has done
     * its work in this JVM, the members and the workers before anything is measured.
     */
    private static void warmUp(TaskPool pool) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int done = 0;
        while (done < 2000 || System.nanoTime() < until) {
            runAll(pool, 200, 0);
            done += 200;
        }
    }

    private double throughput(String label, TaskPool pool, int n, long millis, List<String> rows) throws Exception {
        warmUp(pool);
        runAll(pool, 12, millis); // every worker has slept once
        String loadBefore = load();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        runAll(pool, n, millis);
        double seconds = (System.nanoTime() - t0) / 1e9;
        double cpuPerTask = (cpuNanos() - cpu0) / 1e6 / n;
        double rate = n / seconds;
        int k = Math.max(1, members.size());
        rows.add(String.format(Locale.ROOT, "| %s | %.1f | %.2f | %s | (k) | %.2f |", label, rate, cpuPerTask, loadBefore,
                rate / (k * 1000.0 / millis * 2)));
        System.out.printf(Locale.ROOT, "%s: %.1f tasks/s, %.2f CPU ms per task%n", label, rate, cpuPerTask);
        return rate;
    }

    private void throughput0(String peer, TaskPool pool, int n, List<String> rows) throws Exception {
        warmUp(pool);
        String loadBefore = load();
        long cpu0 = cpuNanos();
        long t0 = System.nanoTime();
        runAll(pool, n, 0);
        double seconds = (System.nanoTime() - t0) / 1e9;
        rows.add(String.format(Locale.ROOT, "| no-op throughput | %s | %.0f tasks/s | %.2f | %s |", peer, n / seconds,
                (cpuNanos() - cpu0) / 1e6 / n, loadBefore));
    }

    private void roundTrip(String peer, TaskPool pool, List<String> rows) throws Exception {
        warmUp(pool);
        for (int i = 0; i < 100; i++) {
            one(pool);
        }
        String loadBefore = load();
        long cpu0 = cpuNanos();
        long[] micros = new long[300];
        for (int i = 0; i < micros.length; i++) {
            long t0 = System.nanoTime();
            one(pool);
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        Arrays.sort(micros);
        rows.add(String.format(Locale.ROOT, "| round trip, median (p90) | %s | %d us (%d us) | %.2f | %s |", peer,
                micros[micros.length / 2], micros[micros.length * 9 / 10], (cpuNanos() - cpu0) / 1e6 / micros.length,
                loadBefore));
    }

    private static void one(TaskPool pool) throws Exception {
        ProcessTask t = ProcessTask.builderForClassName(SLEEP).args(0).build();
        pool.queueTask(t);
        t.future().get(60, TimeUnit.SECONDS);
    }

    private static void runAll(TaskPool pool, int n, long millis) throws Exception {
        List<ProcessTask> tasks = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ProcessTask t = ProcessTask.builderForClassName(SLEEP).args(millis).build();
            pool.queueTask(t);
            tasks.add(t);
        }
        for (ProcessTask t : tasks) {
            t.future().get(10, TimeUnit.MINUTES);
        }
    }

    // ============================================================================================ members

    private void startMember() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>(List.of("sh", script.toString(), "member", "--cluster-name", CLUSTER,
                "--port", String.valueOf(port), "--max", "2", "--min", "2", "--quiet"));
        if (!ports.isEmpty()) {
            cmd.add("--join");
            cmd.add("127.0.0.1:" + ports.get(0));
        }
        Path log = Files.createTempFile("cluster-bench-member-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        members.add(p);
        ports.add(port);
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(120);
        while (!listening(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("member on port " + port + " did not start; see " + log);
            }
            Thread.sleep(100);
        }
        System.out.printf(Locale.ROOT, "member %d listening on port %d after %.1f s%n", members.size(), port,
                (System.nanoTime() - started) / 1e9);
    }

    private static boolean listening(int port) {
        try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return s.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private static void awaitMembers(ClusterPool pool, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (pool.getMembers().size() < n || pool.getMaxSize() < 2 * n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the cluster did not reach " + n + " members");
            }
            Thread.sleep(100);
        }
    }

    private void stopMembers() throws InterruptedException {
        for (Process p : members) {
            p.destroy(); // SIGTERM: the member leaves in order and stops its workers
        }
        for (Process p : members) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
        members.clear();
        ports.clear();
    }

    // ========================================================================================== measuring

    /** CPU time of this JVM and every process it started (members, their workers, the local pool's), in ns. */
    private static long cpuNanos() {
        long total = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        for (ProcessHandle d : ProcessHandle.current().descendants().toList()) {
            total += cpuOf(d);
        }
        return total;
    }

    private static long cpuOf(ProcessHandle h) {
        try {
            String stat = Files.readString(Path.of("/proc/" + h.pid() + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * 10_000_000L; // USER_HZ = 100
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
