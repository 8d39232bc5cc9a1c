package dev.processpool.bench;

import dev.processpool.PoolConfig;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The bench command: runs the eight workloads of the issue, w10 (large pools) and w11 (an idle pool) (and,
 * when named with {@code --only}, w9, the timeout storm: processpool only, the Python pools have no per-task timeout) for processpool and, in the
 * same run, for
 * Python's {@code concurrent.futures.ProcessPoolExecutor} and {@code multiprocessing.Pool} (python3, standard
 * library only; skipped with a note where python3 is missing), with raw-pipe and bare-process baselines, and
 * prints one table: median [min–max] of the repetitions, the ratio of processpool's median to each peer's, the
 * target and whether it is met. It also writes the table (bench.txt), JSON (bench.json) and an SVG chart
 * (bench.svg). It reports; it never fails on a timing.
 *
 * <p>Must run in a JVM of its own with a real class path (the workers get {@code java.class.path}):
 * <pre>
 *   mvn -B -q package -DskipTests
 *   java -cp "processpool-bench/target/processpool-bench-0.1.0-SNAPSHOT.jar:processpool-bench/target/lib/*" \
 *       dev.processpool.bench.Bench [--quick] [--reps N] [--only w1,w3] [--out DIR]
 * </pre>
 */
public final class Bench {

    /** The workloads of a default run. */
    static final List<String> ALL = List.of("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w10", "w11");
    /** Those and w9, the timeout storm (up to 100 worker JVMs at once), which runs only when named. */
    static final List<String> KNOWN = List.of("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "w9", "w10", "w11");
    private static final long START = System.nanoTime();

    private Bench() {
    }

    public static void main(String[] argv) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            // Workload 7 kills workers on purpose: keep the pool's warnings about it out of the report.
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        Options o;
        try {
            o = Options.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.println(Options.USAGE);
            return;
        }
        Files.createDirectories(o.out);
        Path work = o.out.toAbsolutePath().resolve("work");
        Files.createDirectories(work);

        Path python = o.noPython ? null : Peers.findPython(o.python);
        Path script = unpack("peers.py", work);
        Workloads.Sizes sizes = new Workloads.Sizes();
        if (o.chunk > 0) {
            sizes.chunk = o.chunk;
        }
        if (o.stormWorkers > 0) {
            sizes.stormTasks = o.stormWorkers;
        }
        sizes.workerNice = o.workerNice;
        if (o.quick) {
            // A smoke run: shorter warm-ups and busy tasks; every other size as in the issue.
            sizes.tpWarmup = 5_000;
            sizes.busySeconds = 0.25;
        }
        Peers peers = new Peers(python, script, sizes.pythonArgs(o.reps, o.scalingReps),
                o.noPython ? "--no-python: Python peers skipped"
                        : (o.python != null ? o.python + " is not executable" : "python3 not found on PATH")
                                + ": Python peers skipped");
        Path java25 = findJdk25(o.jdk25);

        double loadStart = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        Map<String, Object> machine = machine(peers, java25);
        List<String> header = new ArrayList<>();
        header.add("processpool bench, " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm"))
                + (o.quick ? " (--quick)" : ""));
        header.add(String.format(Locale.ROOT, "machine: %s cores, %s, %s GiB, %s; load average %.2f at start",
                machine.get("cores"), machine.get("cpu"), machine.get("memory_gib"), machine.get("os"), loadStart));
        header.add("java: " + machine.get("java") + "; JDK 25: " + machine.get("jdk25") + "; python: "
                + machine.get("python"));
        header.add(String.format("workers: %d per pool unless stated, JVM options %s%s; repetitions: %d (w6, w7: %d)",
                sizes.workers, PoolConfig.DEFAULT_JVM_OPTIONS, o.workerOptions.isEmpty() ? "" : " + " + o.workerOptions,
                o.reps, o.scalingReps));
        if (!peers.available()) {
            header.add("note: " + peers.missingReason());
        }
        for (String h : header) {
            progress(h);
        }

        Workloads w = new Workloads(sizes, o.reps, o.scalingReps, peers, work, java25, o.workerOptions);
        PoolScale scale = new PoolScale(sizes, o.scalingReps, o.quick, o.workerOptions, w.extra());
        List<Row> rows = new ArrayList<>();
        Map<String, String> failures = new LinkedHashMap<>();
        Map<String, Double> loads = new LinkedHashMap<>();
        for (String name : o.only) {
            loads.put(name, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            progress("=== " + name);
            try {
                List<Row> got;
                switch (name) {
                    case "w1": got = w.w1(); break;
                    case "w2": got = w.w2(); break;
                    case "w3": got = w.w3(); break;
                    case "w4": got = w.w4(); break;
                    case "w5": got = w.w5(); break;
                    case "w6": got = w.w6(); break;
                    case "w7": got = w.w7(); break;
                    case "w8": got = w.w8(); break;
                    case "w9": got = w.w9(); break;
                    case "w10": got = scale.w10(); break;
                    case "w11": got = scale.w11(); break;
                    default: throw new IllegalStateException("unknown workload " + name);
                }
                for (Row r : got) {
                    String err = peers.errors().get(name);
                    if (err != null && r.peers.isEmpty()) {
                        r.note("Python peers failed: " + err);
                    }
                    if (!peers.available()) {
                        r.note(peers.missingReason());
                    }
                    rows.add(r);
                }
            } catch (Exception | Error e) {
                progress(name + " failed: " + e);
                e.printStackTrace();
                failures.put(name, e.toString());
                Row r = new Row(name, "(failed)", "", "", true);
                r.ppNote = e.toString();
                rows.add(r);
            }
        }
        double loadEnd = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        double minutes = (System.nanoTime() - START) / 60e9;
        header.set(1, header.get(1) + String.format(Locale.ROOT, ", %.2f at end; run took %.1f min", loadEnd, minutes));
        machine.put("load_average_start", loadStart);
        machine.put("load_average_end", loadEnd);
        machine.put("load_average_before_each_workload", loads);
        StringBuilder l = new StringBuilder("load average (1 min) before each workload:");
        loads.forEach((k, v) -> l.append(String.format(Locale.ROOT, " %s %.1f", k, v)));
        header.add(l.toString());

        Report report = new Report(header, rows);
        String text = report.text();
        System.out.println();
        System.out.print(text);

        Map<String, Object> config = new LinkedHashMap<>();
        config.put("args", Arrays.asList(argv));
        config.put("quick", o.quick);
        config.put("reps", o.reps);
        config.put("scaling_reps", o.scalingReps);
        config.put("workloads", o.only);
        config.put("sizes", Json.parse(Json.write(sizesMap(sizes))));
        config.put("worker_jvm_options", PoolConfig.DEFAULT_JVM_OPTIONS);
        config.put("extra_worker_jvm_options", o.workerOptions);
        config.put("minutes", minutes);
        config.put("failures", failures);
        Files.writeString(o.out.resolve("bench.txt"), text, StandardCharsets.UTF_8);
        Files.writeString(o.out.resolve("bench.json"),
                Json.write(report.json(machine, config, w.extra(), peers.raw(), peers.errors())), StandardCharsets.UTF_8);
        Files.writeString(o.out.resolve("bench.svg"), report.svg(header.get(0)), StandardCharsets.UTF_8);
        System.out.println();
        System.out.println("wrote " + o.out.resolve("bench.txt") + ", bench.json, bench.svg");
    }

    private static Map<String, Object> sizesMap(Workloads.Sizes s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("workers", s.workers);
        m.put("round_trip_tasks", s.rtTasks);
        m.put("throughput_tasks", s.tpTasks);
        m.put("throughput_warmup", s.tpWarmup);
        m.put("map_inputs", s.mapN);
        m.put("chunk", s.chunk);
        m.put("payload_tasks", s.payloadTasks);
        m.put("payload_mib", s.payloadMiB);
        m.put("busy_tasks", s.busyTasks);
        m.put("busy_seconds", s.busySeconds);
        m.put("timeout_tasks_per_rep", s.timeoutTasks);
        m.put("timeout_ms", s.timeoutMillis);
        m.put("storm_tasks", s.stormTasks);
        m.put("storm_timeout_ms", s.stormTimeoutMillis);
        m.put("large_pool_workers", s.largePool);
        m.put("large_pool_tasks", s.largePoolTasks);
        m.put("idle_seconds", s.idleSeconds);
        return m;
    }

    static void progress(String message) {
        System.err.printf(Locale.ROOT, "[bench %6.1fs] %s%n", (System.nanoTime() - START) / 1e9, message);
    }

    /** Copies a resource of this package to {@code dir}. */
    static Path unpack(String name, Path dir) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = Bench.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the class path");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /** The given JDK 25 home, else a Temurin 25 under /usr/lib/jvm, else null. */
    static Path findJdk25(String given) {
        List<Path> candidates = new ArrayList<>();
        if (given != null) {
            candidates.add(Path.of(given));
        } else {
            candidates.add(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"));
            try (Stream<Path> s = Files.list(Path.of("/usr/lib/jvm"))) {
                s.filter(p -> p.getFileName().toString().matches(".*[^0-9]25([^0-9].*)?")).sorted()
                        .forEach(candidates::add);
            } catch (IOException | RuntimeException e) {
                // no /usr/lib/jvm: fine
            }
        }
        for (Path home : candidates) {
            Path java = home.resolve("bin/java");
            if (Files.isExecutable(java) && releaseVersion(home).startsWith("25")) {
                return java;
            }
        }
        return null;
    }

    private static String releaseVersion(Path home) {
        try {
            for (String line : Files.readAllLines(home.resolve("release"))) {
                if (line.startsWith("JAVA_VERSION=")) {
                    return line.substring("JAVA_VERSION=".length()).replace("\"", "");
                }
            }
        } catch (IOException e) {
            // no release file
        }
        return "";
    }

    private static Map<String, Object> machine(Peers peers, Path java25) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpu", cpuModel());
        m.put("memory_gib", memoryGib());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.vm.version") + ")");
        m.put("jdk25", java25 == null ? "not found (JDK 25 variants skipped)"
                : releaseVersion(java25.getParent().getParent()) + " at " + java25.getParent().getParent());
        m.put("python", peers.available() ? peers.version() + " (default start method "
                + peers.defaultStartMethod() + ")" : peers.missingReason());
        return m;
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String memoryGib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return String.format(Locale.ROOT, "%.1f",
                            Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0);
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "?";
    }

    /** Command-line options. */
    static final class Options {
        static final String USAGE = String.join("\n",
                "usage: java -cp <jars> dev.processpool.bench.Bench [options]",
                "  --quick          a smoke run: 2 repetitions (w6, w7: 1), 5,000-task warm-ups, 0.25 s busy tasks",
                "  --reps N         repetitions of every workload (default 5; w6 and w7: 3)",
                "  --only w1,w3     run only these workloads (w1..w8, w10, w11; and w9, the timeout storm, only when named)",
                "  --out DIR        output directory (default processpool-bench/target/bench)",
                "  --chunk N        chunk size of workload 3 (default 1000)",
                "  --python PATH    the python3 to run the peers with (default: python3 on PATH)",
                "  --no-python      skip the Python peers",
                "  --jdk25 HOME     a JDK 25 for the AOT-cache variant of workload 4 (default: detected)",
                "  --worker-opt OPT append a JVM option to every worker (repeatable; e.g. to profile with JFR)",
                "  --storm-workers N  workers (and tasks) of w9, the timeout storm (default 100, fewer when memory is short)",
                "  --worker-nice N  the pools' workerNice (default: the pool's default)");

        boolean quick;
        boolean help;
        boolean noPython;
        int reps = 5;
        int scalingReps = 3;
        int chunk;
        int stormWorkers;
        int workerNice = -1;
        String python;
        String jdk25;
        List<String> only = ALL;
        List<String> workerOptions = new ArrayList<>();
        Path out;

        static Options parse(String[] argv) {
            Options o = new Options();
            Integer reps = null;
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                switch (a) {
                    case "--quick": o.quick = true; break;
                    case "--help": case "-h": o.help = true; break;
                    case "--no-python": o.noPython = true; break;
                    case "--reps": reps = positive(value(argv, ++i, a), a); break;
                    case "--chunk": o.chunk = positive(value(argv, ++i, a), a); break;
                    case "--storm-workers": o.stormWorkers = positive(value(argv, ++i, a), a); break;
                    case "--worker-nice": o.workerNice = Integer.parseInt(value(argv, ++i, a)); break;
                    case "--python": o.python = value(argv, ++i, a); break;
                    case "--jdk25": o.jdk25 = value(argv, ++i, a); break;
                    case "--worker-opt": o.workerOptions.add(value(argv, ++i, a)); break;
                    case "--out": o.out = Path.of(value(argv, ++i, a)); break;
                    case "--only":
                        Set<String> set = new LinkedHashSet<>();
                        for (String w : value(argv, ++i, a).split(",")) {
                            String n = w.trim().toLowerCase(Locale.ROOT);
                            if (n.matches("[1-9][0-9]?")) {
                                n = "w" + n;
                            }
                            if (!KNOWN.contains(n)) {
                                throw new IllegalArgumentException("unknown workload '" + w + "' (w1..w11)");
                            }
                            set.add(n);
                        }
                        o.only = new ArrayList<>(set);
                        break;
                    case "true":  // -Drun-bench -Dbench with no value through Maven
                        break;
                    default:
                        throw new IllegalArgumentException("unknown option " + a);
                }
            }
            if (o.quick) {
                o.reps = 2;
                o.scalingReps = 1;
            }
            if (reps != null) {
                o.reps = reps;
                o.scalingReps = reps;
            }
            if (o.out == null) {
                Path module = Path.of("processpool-bench");
                o.out = Files.isDirectory(module) ? module.resolve("target/bench")
                        : Path.of("").toAbsolutePath().getFileName() != null
                          && Path.of("").toAbsolutePath().getFileName().toString().equals("processpool-bench")
                        ? Path.of("target/bench") : Path.of("bench-results");
            }
            return o;
        }

        private static String value(String[] argv, int i, String option) {
            if (i >= argv.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return argv[i];
        }

        private static int positive(String v, String option) {
            try {
                int n = Integer.parseInt(v);
                if (n < 1) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a positive integer, got '" + v + "'");
            }
        }
    }
}
