package dev.processpool.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The worker options that {@code run} and {@code member} share (a picocli mixin): the workers kept alive,
 * their class path, JVM options, heap, recycling and class-data cache. Each command declares its own
 * {@code --max} (a default for {@code run}, required for {@code member}).
 */
final class WorkerOptions {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    @Option(names = {"-cp", "--classpath", "--class-path"}, paramLabel = "PATH",
            description = """
                    Jars or class directories holding the task classes (repeatable, or joined with \
                    '${sys:path.separator}'); dir/* takes every jar in dir. The processpool jar is always included.""")
    private List<String> classPath = new ArrayList<>();

    @Option(names = "--min", paramLabel = "N", defaultValue = "0",
            description = "Workers kept alive even when idle (default: ${DEFAULT-VALUE}; others start on demand).")
    int min;

    @Option(names = "--max-tasks-per-worker", paramLabel = "N", defaultValue = "0",
            description = "Replace a worker after this many tasks (default: never).")
    int maxTasksPerWorker;

    @Option(names = "--worker-heap", paramLabel = "SIZE",
            description = "Each worker's heap limit, e.g. 512m or 2g (default: 256m).")
    private String workerHeap;

    @Option(names = "--jvm-opt", paramLabel = "OPTION",
            description = "An extra option for each worker JVM, e.g. --jvm-opt=-Dkey=value (repeatable).")
    private List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--worker-jit", paramLabel = "quick|full", defaultValue = "quick",
            description = """
                    The workers' JIT compilers: quick (the default) compiles with C1 only, which suits many \
                    short tasks (a worker spends no CPU on C2 compiles that a short run never pays back); full is \
                    the JVM's own C1 then C2, for tasks that run hot code for seconds or longer.""")
    private String workerJit = "quick";

    @Option(names = "--class-data-cache", paramLabel = "DIR",
            description = """
                    Keep class-data archives of the worker JVMs in DIR: a run without one trains it in the \
                    background (and waits for it at its end, 30 s at most), later runs start their workers from \
                    it, with less CPU (default: $PROCESSPOOL_CACHE_DIR if set, else $XDG_CACHE_HOME/processpool, \
                    else ~/.cache/processpool).""")
    Path classDataCache;

    @Option(names = "--no-class-data-cache",
            description = "Start the workers without a class-data archive, and train none.")
    boolean noClassDataCache;

    /** The environment variable that names the class-data cache's directory; empty: none. */
    static final String CACHE_DIR_VARIABLE = "PROCESSPOOL_CACHE_DIR";

    /**
     * The workers' class-data cache: {@code --class-data-cache}, else {@value #CACHE_DIR_VARIABLE}, else the
     * user's cache directory ({@code $XDG_CACHE_HOME/processpool}, else {@code ~/.cache/processpool}); null
     * with {@code --no-class-data-cache}, an empty {@value #CACHE_DIR_VARIABLE}, or no home directory.
     */
    Path classDataCache() {
        if (noClassDataCache) {
            if (classDataCache != null) {
                throw usage("--class-data-cache and --no-class-data-cache exclude each other");
            }
            return null;
        }
        if (classDataCache != null) {
            return classDataCache;
        }
        return defaultClassDataCache(System.getenv(CACHE_DIR_VARIABLE), System.getenv("XDG_CACHE_HOME"),
                System.getProperty("user.home"));
    }

    /** The default cache directory from these environment values (each may be null). */
    static Path defaultClassDataCache(String variable, String xdgCacheHome, String home) {
        if (variable != null) {
            return variable.isBlank() ? null : Path.of(variable).toAbsolutePath();
        }
        if (xdgCacheHome != null && !xdgCacheHome.isBlank() && Path.of(xdgCacheHome).isAbsolute()) {
            return Path.of(xdgCacheHome, "processpool");
        }
        if (home == null || home.isBlank() || home.equals("?") || !Path.of(home).isAbsolute()) {
            return null;
        }
        return Path.of(home, ".cache", "processpool");
    }

    /** The workers' class path (this JVM's plus --classpath) and a loader over --classpath for checks here. */
    record TaskClassPath(List<String> workerClassPath, URLClassLoader loader) {
    }

    /** Checks --min against the command's {@code max}, and --max-tasks-per-worker. */
    void checkSizes(int max) {
        if (min < 0) {
            throw usage("--min must be 0 or more, was " + min);
        }
        if (max < 1) {
            throw usage("--max must be 1 or more, was " + max);
        }
        if (max < min) {
            throw usage("--max (" + max + ") must not be less than --min (" + min + ")");
        }
        if (maxTasksPerWorker < 0) {
            throw usage("--max-tasks-per-worker must be 0 (never) or more, was " + maxTasksPerWorker);
        }
    }

    /**
     * The JVM options that {@code --worker-jit quick} gives each worker, before those of {@code --jvm-opt}
     * (so that a {@code --jvm-opt} of the same flag wins): C1 only.
     */
    static final List<String> QUICK_JIT = List.of("-XX:TieredStopAtLevel=1");

    /**
     * The JVM options each worker gets first of all (so that {@code --jvm-opt} may override them), after the
     * pool's defaults ({@link dev.processpool.PoolConfig#DEFAULT_JVM_OPTIONS}):
     * <ul>
     *   <li>a young generation that starts at 8 MiB. The pool's default left it at a third of the initial heap
     *       (85 MiB), and a worker that runs many short lines then spends a fifth of its CPU faulting in fresh
     *       pages for its short-lived garbage; it still grows with the heap for a task that keeps more;</li>
     *   <li>C1 thresholds a quarter of the pool's (two and a half times HotSpot's own; the back-edge threshold
     *       HotSpot's). The pool's keep an idle worker small and its start cheap; a worker here runs the same
     *       few methods once per line, and with the pool's it ran them interpreted for its first 2,000 lines.
     *       14 interleaved runs each: over 200,000 no-op lines the workers took 0.877 s of CPU with the pool's
     *       thresholds, 0.792 s with these, 0.781 s with HotSpot's; over 2 lines 0.211, 0.207 and 0.239 s
     *       (HotSpot's compile more of the worker's start).</li>
     * </ul>
     */
    static final List<String> DEFAULTS = List.of("-XX:NewSize=8m", "-XX:Tier3InvocationThreshold=500",
            "-XX:Tier3MinInvocationThreshold=250", "-XX:Tier3CompileThreshold=5000", "-XX:Tier3BackEdgeThreshold=60000");

    /**
     * The worker JVM options: {@link #DEFAULTS}, then those of --worker-jit, --worker-heap and --jvm-opt, in that
     * order, checked; also checks --class-data-cache.
     */
    List<String> jvmOptions() {
        List<String> jvm = new ArrayList<>(DEFAULTS);
        switch (workerJit) {
            case "quick" -> jvm.addAll(QUICK_JIT);
            case "full" -> {
                // the JVM's own tiered compilation
            }
            default -> throw usage("Invalid value for option '--worker-jit': '" + workerJit
                    + "' (expected quick or full)");
        }
        if (workerHeap != null) {
            if (!workerHeap.matches("\\d+[kKmMgGtT]?") || workerHeap.matches("0+[kKmMgGtT]?")) {
                throw usage("Invalid value for option '--worker-heap': '" + workerHeap
                        + "' is not a heap size; e.g. 512m, 2g");
            }
            jvm.add("-Xmx" + workerHeap);
        }
        for (String o : jvmOptions) {
            if (o.isBlank()) {
                throw usage("--jvm-opt must not be blank");
            }
            jvm.add(o.strip());
        }
        if (classDataCache != null && Files.exists(classDataCache) && !Files.isDirectory(classDataCache)) {
            throw usage("--class-data-cache must name a directory (or one to create), not a file: " + classDataCache);
        }
        classDataCache(); // the two options together are a usage error
        return jvm;
    }

    /** Reads the --classpath values. */
    TaskClassPath taskClassPath() {
        List<String> extra = new ArrayList<>();
        List<URL> urls = new ArrayList<>();
        for (String value : classPath) {
            for (String entry : value.split(File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                addClassPathEntry(entry, extra, urls);
            }
        }
        List<String> workerClassPath = new ArrayList<>(ownClassPath());
        workerClassPath.addAll(extra);
        URLClassLoader loader = new URLClassLoader("processpool-tasks", urls.toArray(URL[]::new),
                WorkerOptions.class.getClassLoader());
        return new TaskClassPath(workerClassPath, loader);
    }

    private void addClassPathEntry(String entry, List<String> extra, List<URL> urls) {
        try {
            if (entry.endsWith("/*") || entry.equals("*")) {
                Path dir = Path.of(entry.length() == 1 ? "." : entry.substring(0, entry.length() - 2));
                if (!Files.isDirectory(dir)) {
                    throw usage("Invalid value for option '--classpath': no such directory: " + dir);
                }
                try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "*.{jar,JAR}")) {
                    for (Path jar : jars) {
                        urls.add(jar.toAbsolutePath().toUri().toURL());
                    }
                }
                extra.add(dir.toAbsolutePath() + File.separator + "*");
                return;
            }
            Path p = Path.of(entry);
            if (!Files.exists(p)) {
                throw usage("Invalid value for option '--classpath': no such file or directory: " + entry);
            }
            urls.add(p.toAbsolutePath().toUri().toURL());
            extra.add(p.toAbsolutePath().toString());
        } catch (MalformedURLException | RuntimeException e) {
            if (e instanceof ParameterException pe) {
                throw pe;
            }
            throw usage("Invalid value for option '--classpath': " + entry + ": " + e.getMessage());
        } catch (IOException e) {
            throw usage("Invalid value for option '--classpath': cannot list " + entry + ": " + e.getMessage());
        }
    }

    /** This JVM's class path: the processpool jar, which holds the core, the CLI and the examples. */
    private static List<String> ownClassPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Path.of(e).toAbsolutePath().toString());
            }
        }
        return entries;
    }

    private ParameterException usage(String message) {
        return new ParameterException(command.commandLine(), message);
    }
}
