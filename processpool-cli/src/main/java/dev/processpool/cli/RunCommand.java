package dev.processpool.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code processpool run}: the options, checked, handed to a {@link Runner}. */
@Command(name = "run",
        header = "Run a task class over JSON Lines input, each task in a pool of worker JVMs.",
        description = {
            "Reads one task per input line, runs each in a worker JVM (a child process) with a hard timeout,"
                + " and writes one JSON line per input line. A task that crashes, exits or exhausts its heap"
                + " takes only its own worker down; the pool starts another.",
        },
        footer = {
            "Input: JSON Lines, one task per line (blank lines are skipped), every field",
            "optional:",
            "  {\"id\": \"a\", \"args\": [0, 100000], \"kwargs\": {}, \"timeout\": \"2s\", \"task\": \"C\"}",
            "A bare JSON array is shorthand for {\"args\": [...]}. A line's \"task\" runs",
            "only if an --allow-task pattern matches it; otherwise the line is an error.",
            "A callable class (Callable or Runnable) is constructed with the args (and a",
            "trailing Map parameter for kwargs, if any), then called; Class::method calls",
            "a public static method. JSON values become natural Java types (int, long,",
            "double, String, boolean, List, Map, arrays, records...); results come back",
            "as JSON.",
            "",
            "Output: one JSON line per input line, as tasks finish (--ordered: in input",
            "order):",
            "  {\"id\": \"a\", \"line\": 1, \"status\": \"ok\", \"result\": 9592,",
            "   \"workerPid\": 4242, \"durationMs\": 35}",
            "status: ok, error, timeout, worker-died or cancelled; all but ok carry",
            "\"error\": {\"type\", \"message\", \"stackTrace\"}. id is the line number if the",
            "line has none. A summary goes to standard error.",
            "",
            "Ctrl-C once: stop reading input, let running tasks finish within",
            "--shutdown-timeout, report the rest as cancelled. Twice: kill the workers",
            "now. No worker outlives the command.",
            "",
            "--resume --output FILE: skip the lines FILE already has a final line for",
            "(any status but cancelled), append the rest. --joblog FILE: one tab-",
            "separated line per finished line (line, id, start, runtime, worker,",
            "status, error).",
            "",
            "Exit codes: 0 all tasks ok; 1 some task failed; 2 usage or input error, or",
            "no worker could be started; 130 interrupted (Ctrl-C); 143 terminated",
            "(SIGTERM, handled like a second Ctrl-C).",
            "",
            "Example:",
            "  processpool run --task dev.processpool.cli.examples.CountPrimes \\",
            "      --input processpool-cli/examples/primes.jsonl",
        })
final class RunCommand extends Subcommand {

    @Spec
    private CommandSpec spec;

    @Option(names = {"-t", "--task"}, paramLabel = "CLASS",
            description = "The task: a callable class (com.example.MyTask) or a static method (com.example.Util::method).")
    private String task;

    @Option(names = "--allow-task", paramLabel = "PATTERN",
            description = """
                    Let input lines name their own task with a "task" field, if a pattern matches it: \
                    com.example.tasks.* (classes of that package and their own static methods), \
                    com.example.** (and of its sub-packages), com.example.Util::hash (one method). Repeatable. \
                    Without it a line's "task" is an error: an input file cannot choose the code it runs.""")
    private List<String> allowTask = new ArrayList<>();

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE|-",
            description = "The JSON Lines input; - for standard input.")
    private String input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE|-", defaultValue = "-",
            description = "Where the output lines go; - for standard output (default).")
    private String output;

    /** --classpath, --min, --max-tasks-per-worker, --worker-heap, --jvm-opt, --class-data-cache. */
    @Mixin
    private WorkerOptions workers;

    @Option(names = "--max", paramLabel = "N",
            description = "Most workers at once (default: the number of CPUs, here ${DEFAULT-VALUE}).")
    private int max = Runtime.getRuntime().availableProcessors();

    @Option(names = "--queue", paramLabel = "N",
            description = "Tasks waiting for a worker before input reading pauses (default: twice --max).")
    private Integer queue;

    @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = """
                    Per-task timeout, e.g. 1.5s, 200ms, 2m (default: none); a line's "timeout" overrides it. \
                    The worker of a task that overruns is killed.""")
    private Duration timeout = Duration.ZERO;

    @Option(names = "--soft-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = """
                    Per-task soft timeout, shorter than the timeout: the task is interrupted and may stop \
                    (TaskContext.softTimeoutReached()); its worker lives on (default: none). Not applied to a \
                    line whose own timeout is no longer.""")
    private Duration softTimeout = Duration.ZERO;

    @Option(names = "--retries", paramLabel = "N",
            description = """
                    Run a task again, up to N more times, when its worker dies, times out or hangs (with \
                    --cluster also when its member leaves the cluster); the task's own exceptions are not retried \
                    (default: 0; with --cluster 2). Each line says its "attempts".""")
    private Integer retries;

    @Option(names = "--memory-budget", paramLabel = "SIZE",
            description = """
                    Start no further worker while the workers' resident memory added up is over SIZE, \
                    e.g. 4g; tasks wait for the workers alive (default: none; Linux).""")
    private String memoryBudget;

    @Option(names = "--chunk", paramLabel = "N|auto", defaultValue = "auto",
            description = "Lines sent to a worker as one task: parsed, checked, run and written as output lines"
                    + " there (default: ${DEFAULT-VALUE}: lines alone while they are slow, up to "
                    + Chunks.MAX_AUTO + " at a time for quick ones; 1: every line alone). Each line keeps its own"
                    + " outcome and timeout: a chunk that times out or loses its worker has its lines run again"
                    + " one by one (a line alone is not run again). With --retries or --soft-timeout every line"
                    + " runs alone, parsed by this process.")
    private String chunk;

    @Option(names = "--ordered", description = "Write results in input order (default: as they finish).")
    private boolean ordered;

    @Option(names = "--resume",
            description = """
                    Continue an earlier run into the same --output FILE: skip the input lines FILE has a final \
                    line for (by id), append the others.""")
    private boolean resume;

    @Option(names = "--joblog", paramLabel = "FILE",
            description = """
                    Append one tab-separated line per finished input line to FILE: line, id, start, runtime, \
                    worker, status, error.""")
    private Path jobLog;

    @Option(names = "--report", paramLabel = "FILE",
            description = """
                    Write a report of the run to FILE, one self-contained HTML page: a timeline of the tasks \
                    on their workers, the workers' lives, task durations, the slowest tasks, every failure and \
                    the summary. Rewritten every few seconds while the run goes on, and at its end, also when \
                    it is interrupted.""")
    private Path report;

    @Option(names = "--max-string-length", paramLabel = "N",
            description = """
                    The longest string, in characters, an input line or a result may hold \
                    (default: ${DEFAULT-VALUE}).""", defaultValue = "20000000")
    private int maxStringLength;

    @Option(names = "--fail-fast",
            description = "Stop at the first failed line: cancel the running tasks and report the rest as cancelled.")
    private boolean failFast;

    @Option(names = {"-q", "--quiet"},
            description = "No progress line, summary, worker output or per-line messages on standard error.")
    private boolean quiet;

    @Option(names = "--progress", negatable = true,
            description = "Show the progress line (default: only when standard error is a terminal).")
    private Boolean progress;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            defaultValue = "10s",
            description = """
                    After Ctrl-C, how long running tasks may take to finish before they are cancelled \
                    (default: ${DEFAULT-VALUE}).""")
    private Duration shutdownTimeout;

    @Option(names = "--cluster", paramLabel = "HOST:PORT", split = ",",
            description = """
                    Run the tasks on the workers of a cluster of 'processpool member's instead of local \
                    workers (this command then runs none); needs --cluster-name. --min, --max and the worker \
                    options are the members'; --queue bounds the tasks waiting in the cluster.""")
    private List<String> cluster;

    @Option(names = "--cluster-name", paramLabel = "NAME", description = "The members' cluster name.")
    private String clusterName;

    @Override
    public Integer call() {
        Runner.Settings settings = settings();
        Main.configureLogging(quiet);
        Json.setMaxStringLength(maxStringLength);
        return new Runner(settings, System.err).run();
    }

    private Runner.Settings settings() {
        TaskTarget target = null;
        if (task != null) {
            try {
                target = TaskTarget.parse(task);
            } catch (BadInputException e) {
                throw usage("Invalid value for option '--task': " + e.getMessage());
            }
        }
        workers.checkSizes(max);
        int q = queue == null ? 2 * max : queue;
        if (q < 1) {
            throw usage("--queue must be 1 or more, was " + q);
        }
        int chunkLines;
        if ("auto".equals(chunk)) {
            chunkLines = 0;
        } else {
            try {
                chunkLines = Integer.parseInt(chunk);
            } catch (NumberFormatException e) {
                chunkLines = -1;
            }
            if (chunkLines < 1 || chunkLines > 1_000_000) {
                throw usage("--chunk must be auto or a number of lines from 1 to 1000000, was " + chunk);
            }
            if (chunkLines > 1 && workers.maxTasksPerWorker > 0) {
                throw usage("--chunk " + chunk + " cannot go with --max-tasks-per-worker: a worker counts lines as"
                        + " tasks; leave --chunk out (lines then run alone)");
            }
        }
        AllowedTasks allowed;
        try {
            allowed = AllowedTasks.parse(allowTask);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
        if (maxStringLength < 1) {
            throw usage("--max-string-length must be 1 or more, was " + maxStringLength);
        }
        checkFiles();
        List<String> jvm = workers.jvmOptions();
        WorkerOptions.TaskClassPath tasks = workers.taskClassPath();
        if ((cluster == null) != (clusterName == null)) {
            throw usage(cluster == null ? "--cluster-name needs --cluster HOST:PORT" : "--cluster needs --cluster-name NAME");
        }
        if (retries != null && retries < 0) {
            throw usage("--retries must be 0 or more, was " + retries);
        }
        if (!softTimeout.isZero() && !timeout.isZero() && softTimeout.compareTo(timeout) >= 0) {
            throw usage("--soft-timeout (" + Durations.format(softTimeout) + ") must be shorter than --timeout ("
                    + Durations.format(timeout) + "), the hard limit");
        }
        long budget = memoryBudgetBytes();
        // a line may hold a string of maxStringLength characters, each up to 6 bytes as a \\u escape
        long maxLineBytes = Math.min(Integer.MAX_VALUE - 16L, 6L * maxStringLength + (1 << 20));
        return new Runner.Settings(target, allowed, tasks.workerClassPath(), tasks.loader(), input, output,
                workers.min, max, q, timeout, workers.maxTasksPerWorker, jvm, ordered, failFast, quiet,
                progress != null ? progress : !quiet && Console.stderrIsTerminal(), shutdownTimeout,
                workers.classDataCache(), maxLineBytes, resume, jobLog, cluster, clusterName, report, commandLine(),
                givenOptions(), chunkLines, retries == null ? -1 : retries, softTimeout, budget);
    }

    /** The command as given, for the report's title. */
    private String commandLine() {
        StringBuilder sb = new StringBuilder("processpool");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            sb.append(' ').append(a.isEmpty() || a.matches(".*[\\s'\"\\\\$`*?].*")
                    ? "'" + a.replace("'", "'\\''") + "'" : a);
        }
        return sb.toString();
    }

    /** The options given (option → value), in the order given, for the report. */
    private Map<String, String> givenOptions() {
        Map<String, String> given = new LinkedHashMap<>();
        for (OptionSpec o : spec.commandLine().getParseResult().matchedOptions()) {
            List<String> values = o.stringValues();
            given.merge(o.longestName(), values.isEmpty() ? "" : String.join(" ", values),
                    (a, b) -> a.isEmpty() ? b : a + ", " + b);
        }
        return given;
    }

    /** --memory-budget in bytes (0: none): a number with an optional k, m, g or t. */
    private long memoryBudgetBytes() {
        if (memoryBudget == null) {
            return 0;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,12})([kKmMgGtT]?)").matcher(memoryBudget.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw usage("Invalid value for option '--memory-budget': '" + memoryBudget + "' is not a size; e.g. 512m, 4g");
        }
        int shift = m.group(2).isEmpty() ? 0 : 10 * ("kmgt".indexOf(Character.toLowerCase(m.group(2).charAt(0))) + 1);
        return Long.parseLong(m.group(1)) << shift;
    }

    /** --resume needs an output file; no file may be both read and written. */
    private void checkFiles() {
        if (resume && "-".equals(output)) {
            throw usage("--resume needs --output FILE: it skips the lines that FILE already has, and appends the"
                    + " others to it");
        }
        if (!"-".equals(input) && !"-".equals(output) && sameFile(Path.of(input), Path.of(output))) {
            throw usage("--output " + output + " is the input: writing it would destroy the input");
        }
        if (jobLog != null && (!"-".equals(input) && sameFile(Path.of(input), jobLog)
                || !"-".equals(output) && sameFile(Path.of(output), jobLog))) {
            throw usage("--joblog " + jobLog + " is the input or the output file; give a file of its own");
        }
        if (report != null && (!"-".equals(input) && sameFile(Path.of(input), report)
                || !"-".equals(output) && sameFile(Path.of(output), report)
                || jobLog != null && sameFile(jobLog, report))) {
            throw usage("--report " + report + " is the input, the output or the job log; give a file of its own");
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        } catch (IOException e) {
            return false;
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Parses {@code 1.5s}, {@code 200ms}, {@code 2m}, {@code 1h}, {@code 0}. */
    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
