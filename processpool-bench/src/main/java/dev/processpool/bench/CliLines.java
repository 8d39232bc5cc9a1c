package dev.processpool.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The command line's own workload (issue 15): {@code processpool run --task java.lang.Math::addExact} over
 * N lines {@code {"id":i,"args":[i,i+1]}} with 2 workers, against the 15-line Python script
 * {@code cli_lines.py} ({@code multiprocessing.Pool(2).imap_unordered}, {@code json.loads} in the worker)
 * with chunk size 100 and 1. The three run interleaved, one after the other in each repetition, each a
 * fresh process as a user starts it (no warm-up for either side: start-up is part of the job). Measured
 * from outside: wall time, CPU of the parent process and of its children (from /proc, sampled every
 * 10 ms until the process exits: the last 10 ms are not seen), the parent's peak RSS (VmHWM), and the load
 * average before each run.
 *
 * <pre>
 *   java -cp processpool-bench/target/classes dev.processpool.bench.CliLines [--lines N] [--reps R]
 *        [--launcher processpool-cli/bin/processpool] [--python python3] [--java-opt OPT]... [--cli-arg ARG]...
 *        [--baseline-jar JAR] [--rss]
 * </pre>
 * The CLI runs as a user runs it: through its launcher ({@code bin/processpool}, with {@code JAVA_HOME} set
 * to this JVM's), with the launcher's JVM options for the parent unless {@code --java-opt} gives others
 * (through {@code PROCESSPOOL_JAVA_OPTS}). {@code --cli-arg} adds an option to the CLI's command line (e.g.
 * {@code --cli-arg --chunk --cli-arg 2048}, to measure an idea). {@code --baseline-jar} adds a fourth row, in
 * the same interleaving: {@code java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar JAR run ...}, how this
 * bench ran the CLI before it went through the launcher (for an A/B against an older build's jar).
 * {@code --rss} runs the CLI alone over 100k, 1M and 10M lines, unordered and {@code --ordered}, and prints
 * the parent's peak RSS for each (the flat-memory target).
 */
public final class CliLines {

    private CliLines() {
    }

    /** What one run used. */
    record Run(String who, double wallSeconds, double parentCpuSeconds, double childCpuSeconds, long parentHwmKib,
               double loadBefore, long lines) {
        double linesPerSecond() {
            return lines / wallSeconds;
        }

        double parentMicrosPerLine() {
            return parentCpuSeconds * 1e6 / lines;
        }
    }

    public static void main(String[] argv) throws Exception {
        int lines = 200_000;
        int reps = 3;
        Path launcher = Path.of("processpool-cli/bin/processpool");
        String python = "python3";
        boolean rss = false;
        List<String> javaOpts = new ArrayList<>();
        List<String> cliArgs = new ArrayList<>();
        Path baseline = null;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--lines" -> lines = Integer.parseInt(argv[++i]);
                case "--reps" -> reps = Integer.parseInt(argv[++i]);
                case "--launcher" -> launcher = Path.of(argv[++i]);
                case "--python" -> python = argv[++i];
                case "--rss" -> rss = true;
                case "--java-opt" -> javaOpts.add(argv[++i]);
                case "--cli-arg" -> cliArgs.add(argv[++i]);
                case "--baseline-jar" -> baseline = Path.of(argv[++i]);
                default -> throw new IllegalArgumentException("unknown option " + argv[i]);
            }
        }
        Cli cli = new Cli(launcher, javaOpts.isEmpty() ? null : String.join(" ", javaOpts), cliArgs, null);
        Dir dir = new Dir(Files.createTempDirectory("processpool-cli-lines"));
        try {
            if (rss) {
                rssCurve(dir.path(), cli);
            } else {
                table(dir.path(), cli, baseline, python, lines, reps);
            }
        } finally {
            dir.delete();
        }
    }

    /** How the CLI is started: its launcher, the parent's JVM options (null: the launcher's) and extra options. */
    record Cli(Path launcher, String javaOpts, List<String> extraArgs, Path cache) {
        String describe() {
            return launcher + (javaOpts == null ? " (its parent JVM options)" : " with PROCESSPOOL_JAVA_OPTS=" + javaOpts)
                    + (extraArgs.isEmpty() ? "" : " " + String.join(" ", extraArgs));
        }

        List<String> command(Path in, Path out, boolean ordered) {
            List<String> c = new ArrayList<>(List.of(launcher.toString()));
            c.addAll(runArgs(in, out, ordered));
            c.addAll(extraArgs);
            return c;
        }

        Cli withCache(Path directory) {
            return new Cli(launcher, javaOpts, extraArgs, directory);
        }

        Map<String, String> environment() {
            Map<String, String> env = new HashMap<>();
            env.put("JAVA_HOME", System.getProperty("java.home"));
            // the class-data cache of this bench run (empty: none), not the user's
            env.put("PROCESSPOOL_CACHE_DIR", cache == null ? "" : cache.toString());
            if (javaOpts != null) {
                env.put("PROCESSPOOL_JAVA_OPTS", javaOpts);
            }
            return env;
        }
    }

    private record Dir(Path path) {
        void delete() throws IOException {
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(f);
                }
            }
        }
    }

    private static void table(Path dir, Cli cli, Path baseline, String python, int lines, int reps)
            throws Exception {
        Path in = input(dir, lines);
        Path script = dir.resolve("cli_lines.py");
        try (InputStream s = CliLines.class.getResourceAsStream("cli_lines.py")) {
            Files.copy(s, script);
        }
        Path out = dir.resolve("out.jsonl");
        System.out.printf(Locale.ROOT, "# %,d lines, 2 workers, %d repetitions, Java CLI (%s, java %s)%s and Python"
                + " %s interleaved; load average %.2f; %d CPUs%n", lines, reps, cli.describe(),
                System.getProperty("java.version"), baseline == null ? "" : ", baseline " + baseline, python, load(),
                Runtime.getRuntime().availableProcessors());
        // The CLI's class-data archives (its parent's and its workers'), in a cache of this bench run: a first
        // run trains them, as a user's first run does; the timed runs then start from them, as a user's later
        // runs do (Python, likewise, runs from its compiled-bytecode caches).
        cli = cli.withCache(dir.resolve("class-data-cache"));
        Run first = measure("java first run (trains the class-data archives)", cli.command(in, out, false),
                cli.environment(), out, lines);
        List<Run> java = new ArrayList<>();
        List<Run> base = new ArrayList<>();
        List<Run> py100 = new ArrayList<>();
        List<Run> py1 = new ArrayList<>();
        for (int r = 0; r < reps; r++) {
            java.add(measure("java", cli.command(in, out, false), cli.environment(), out, lines));
            if (baseline != null) {
                base.add(measure("java baseline", baselineCommand(baseline, in, out), Map.of(), out, lines));
            }
            py100.add(measure("py chunk 100", List.of(python, script.toString(), in.toString(), out.toString(), "100"),
                    Map.of(), out, lines));
            py1.add(measure("py chunk 1", List.of(python, script.toString(), in.toString(), out.toString(), "1"),
                    Map.of(), out, lines));
        }
        System.out.println("| run | lines/s | wall s | parent CPU s | parent CPU µs/line | children CPU s | parent RSS MiB | load before |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (List<Run> runs : List.of(List.of(first), java, base, py100, py1)) {
            for (Run x : runs) {
                System.out.printf(Locale.ROOT, "| %s | %,.0f | %.2f | %.2f | %.2f | %.2f | %d | %.2f |%n", x.who(),
                        x.linesPerSecond(), x.wallSeconds(), x.parentCpuSeconds(), x.parentMicrosPerLine(),
                        x.childCpuSeconds(), x.parentHwmKib() / 1024, x.loadBefore());
            }
        }
        double j = median(java.stream().mapToDouble(Run::linesPerSecond).toArray());
        double p100 = median(py100.stream().mapToDouble(Run::linesPerSecond).toArray());
        double p1 = median(py1.stream().mapToDouble(Run::linesPerSecond).toArray());
        System.out.printf(Locale.ROOT, "medians: java %,.0f lines/s, python chunk 100 %,.0f, chunk 1 %,.0f; ratios "
                + "java/chunk-100 %.2f× (target ≥ 1.0), java/chunk-1 %.2f× (target ≥ 4); parent CPU java %.2f µs/line "
                + "(target ≤ 5), python %.2f / %.2f%n", j, p100, p1, j / p100, j / p1,
                median(java.stream().mapToDouble(Run::parentMicrosPerLine).toArray()),
                median(py100.stream().mapToDouble(Run::parentMicrosPerLine).toArray()),
                median(py1.stream().mapToDouble(Run::parentMicrosPerLine).toArray()));
        if (!base.isEmpty()) {
            double b = median(base.stream().mapToDouble(Run::linesPerSecond).toArray());
            System.out.printf(Locale.ROOT, "baseline: %,.0f lines/s, %.2f× chunk-100, %.2f× chunk-1, parent CPU %.2f"
                    + " µs/line; java/baseline %.2f×%n", b, b / p100, b / p1,
                    median(base.stream().mapToDouble(Run::parentMicrosPerLine).toArray()), j / b);
        }
        System.out.printf(Locale.ROOT, "load average at the end %.2f%n", load());
    }

    private static void rssCurve(Path dir, Cli cli) throws Exception {
        System.out.printf(Locale.ROOT, "# parent peak RSS over N lines (--ordered and not); load average %.2f%n",
                load());
        System.out.println("| lines | mode | parent RSS MiB | wall s | lines/s | parent CPU µs/line |");
        System.out.println("|---:|---|---:|---:|---:|---:|");
        Path out = dir.resolve("out.jsonl");
        cli = cli.withCache(dir.resolve("class-data-cache"));
        Path warm = input(dir, 10_000);
        measure("java first run (trains the class-data archives)", cli.command(warm, out, false), cli.environment(),
                out, 10_000);
        Files.delete(warm);
        for (int n : new int[] {100_000, 1_000_000, 10_000_000}) {
            Path in = input(dir, n);
            for (boolean ordered : new boolean[] {false, true}) {
                Run r = measure("java", cli.command(in, out, ordered), cli.environment(), out, n);
                System.out.printf(Locale.ROOT, "| %,d | %s | %d | %.1f | %,.0f | %.2f |%n", n,
                        ordered ? "--ordered" : "unordered", r.parentHwmKib() / 1024, r.wallSeconds(),
                        r.linesPerSecond(), r.parentMicrosPerLine());
            }
            Files.delete(in);
        }
    }

    private static List<String> runArgs(Path in, Path out, boolean ordered) {
        List<String> c = new ArrayList<>(List.of("run", "--task", "java.lang.Math::addExact", "--input",
                in.toString(), "--output", out.toString(), "--max", "2", "-q"));
        if (ordered) {
            c.add("--ordered");
        }
        return c;
    }

    private static List<String> baselineCommand(Path jar, Path in, Path out) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar", jar.toString()));
        c.addAll(runArgs(in, out, false));
        return c;
    }

    private static Path input(Path dir, int lines) throws IOException {
        Path in = dir.resolve("in-" + lines + ".jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(in, StandardCharsets.US_ASCII)) {
            for (int i = 0; i < lines; i++) {
                w.write("{\"id\":" + i + ",\"args\":[" + i + "," + (i + 1) + "]}\n");
            }
        }
        return in;
    }

    /** Runs a command to its end, sampling its own and its children's CPU and its peak RSS every 10 ms. */
    static Run measure(String who, List<String> command, Map<String, String> env, Path out, long lines)
            throws Exception {
        Files.deleteIfExists(out);
        double loadBefore = load();
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        long[] parent = {0, 0};
        java.util.Map<Long, Long> children = new java.util.HashMap<>();
        while (p.isAlive()) {
            long[] s = stat(p.pid());
            if (s != null) {
                parent[0] = s[0];
                parent[1] = Math.max(parent[1], s[1]);
            }
            p.descendants().forEach(h -> {
                long[] c = stat(h.pid());
                if (c != null) {
                    children.put(h.pid(), c[0]);
                }
            });
            Thread.sleep(10);
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        int rc = p.waitFor();
        long written;
        try (Stream<String> l = Files.lines(out)) {
            written = l.count();
        }
        if (rc != 0 || written != lines) {
            throw new IllegalStateException(who + ": exit code " + rc + ", " + written + " output lines of " + lines);
        }
        double tick = 0.01;
        return new Run(who, wall, parent[0] * tick, children.values().stream().mapToLong(Long::longValue).sum() * tick,
                parent[1], loadBefore, lines);
    }

    /** utime + stime in ticks, and VmHWM in KiB; null once the process is gone. */
    private static long[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long hwm = 0;
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("VmHWM:")) {
                    hwm = Long.parseLong(l.replaceAll("\\D", ""));
                }
            }
            return new long[] {ticks, hwm};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
