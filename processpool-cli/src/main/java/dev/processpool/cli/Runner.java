package dev.processpool.cli;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.TaskPool;
import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import dev.processpool.cli.report.ReportFile;
import dev.processpool.cli.report.RunReport;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code processpool run}: reads task lines, runs them in a {@link ProcessPool}, writes one output line
 * per input line and a summary. This class sets the run up, waits for its end or a stop, and winds it down;
 * the parts are in classes of their own:
 * <ul>
 *   <li>reading: {@link Feeder}, in its own thread, reads lines and hands them to {@link LineTasks}, which
 *       queues one task per line (blocking while the pool's queue is full, so input is read only as fast as
 *       it is worked off) and turns each task's outcome, on the pool's callback thread, into its line's;</li>
 *   <li>ordering and writing: {@link Outcomes} writes each outcome (in input order with {@code --ordered}),
 *       job-logs and counts it;</li>
 *   <li>stopping: {@link RunStop} holds the one stop state that Ctrl-C (SIGINT), SIGTERM,
 *       {@code --fail-fast}, a broken output, or workers that cannot be started at all move forward.</li>
 * </ul>
 * A monitor thread notes the workers, drives the progress line and forces the files to the disk.
 *
 * <p>With {@code --resume} the lines an earlier run finished are skipped before they get a sequence number
 * (see {@link Resume}); with {@code --joblog} each output line also gets a job-log line ({@link JobLog}).
 * Output and job log are forced to the disk every second and at the end ({@link LineFile}).
 */
final class Runner {

    /** Everything {@code run} was given, checked ({@code retries} -1: not given, the pool's default). */
    record Settings(TaskTarget task, AllowedTasks allowed, List<String> workerClassPath, URLClassLoader taskLoader,
                    String input, String output, int min, int max, int queue, Duration timeout,
                    int maxTasksPerWorker, List<String> jvmOptions, boolean ordered, boolean failFast,
                    boolean quiet, boolean progress, Duration shutdownTimeout, java.nio.file.Path classDataCache,
                    long maxLineBytes, boolean resume, java.nio.file.Path jobLog, List<String> cluster,
                    String clusterName, java.nio.file.Path report, String commandLine, Map<String, String> options,
                    int chunk, int retries, Duration softTimeout, long memoryBudget) {
    }

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERRUPTED = 130;
    static final int EXIT_TERMINATED = 143;

    private final Settings s;
    private final PrintStream stderr;
    private final Console console;
    private final RunStats stats;
    private final RunStop stop = new RunStop();
    private Outcomes out;
    private LineTasks tasks;
    private RunReport report;
    private ReportFile reportFile;
    private boolean reportWarned;
    private Resume resume;
    private TaskPool pool;
    /** With --cluster: the client pool's cluster side (where each task ran); else null. */
    private ClusterSupport.Client cluster;
    private Progress progress;
    /** The progress display's slowest running task, when the display is shown on a local run; else null. */
    private SlowestTask slowest;

    Runner(Settings settings, PrintStream stderr) {
        this.s = settings;
        this.stderr = stderr;
        this.console = new Console(stderr);
        this.stats = new RunStats(settings.maxTasksPerWorker());
    }

    int run() {
        if (s.resume()) {
            try {
                resume = Resume.load(Path.of(s.output()));
                if (!"-".equals(s.input())) {
                    try (InputStream ahead = Files.newInputStream(Path.of(s.input()))) {
                        resume.readAhead(ahead, s.maxLineBytes());
                    }
                }
            } catch (Resume.ForeignFileException e) {
                stderr.println("processpool: " + e.getMessage());
                return EXIT_USAGE;
            } catch (IOException e) {
                stderr.println("processpool: cannot resume from " + s.output() + ": " + describe(e));
                return EXIT_USAGE;
            }
            if (resume.repairs() != null && !s.quiet()) {
                stderr.println("processpool: --resume: " + resume.repairs());
            }
        }
        InputLines in;
        try {
            in = openInput();
        } catch (IOException e) {
            stderr.println("processpool: cannot read the input " + s.input() + ": " + describe(e));
            return EXIT_USAGE;
        }
        OutputSink sink = null;
        JobLog jobLog;
        try {
            sink = new OutputSink(openOutput(), s.ordered());
            jobLog = s.jobLog() == null ? null : JobLog.open(s.jobLog());
        } catch (IOException e) {
            closeQuietly(in);
            if (sink != null) {
                sink.close();
            }
            stderr.println("processpool: cannot write " + (sink == null ? "the output " + s.output()
                    : "the job log " + s.jobLog()) + ": " + describe(e));
            return EXIT_USAGE;
        }
        if (s.report() != null) {
            report = new RunReport(s.commandLine(), s.options(), Instant.now(), System.nanoTime(),
                    s.maxTasksPerWorker());
            try {
                reportFile = new ReportFile(s.report(), report);
            } catch (IOException | RuntimeException e) {
                closeQuietly(in);
                sink.close();
                closeQuietly(jobLog);
                stderr.println("processpool: cannot write the report " + s.report() + ": " + describe(e));
                return EXIT_USAGE;
            }
        }
        if (s.cluster() != null) {
            try {
                cluster = ClusterSupport.load().connect(s.clusterName(), s.cluster(), s.queue(), s.retries());
            } catch (RuntimeException e) {
                closeQuietly(in);
                sink.close();
                closeQuietly(jobLog);
                stderr.println("processpool: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        RunContext run = new RunContext(s, console, stats, stop);
        out = new Outcomes(run, sink, jobLog, report, this::requestStop);
        // lines go in chunks unless --chunk 1, a worker must count its lines (--max-tasks-per-worker), or each
        // line's output names the cluster member it ran on
        // or retries and soft timeouts are per line
        Chunks chunks = s.chunk() == 1 || s.maxTasksPerWorker() > 0 || cluster != null || s.retries() > 0
                || !s.softTimeout().isZero() ? null
                : new Chunks(s.task(), s.allowed(), s.timeout(), s.chunk(), s.jobLog() != null || s.report() != null);
        tasks = new LineTasks(out, stop, this::workersCannotStart, new InputParser(s.task(), s.timeout(), s.allowed()),
                cluster == null ? s.taskLoader() : null, s.allowed(), chunks, cluster, s.softTimeout(), s.retries() > 0);
        Thread syncAtExit = new Thread(out::sync, "processpool-sync-at-exit");
        Runtime.getRuntime().addShutdownHook(syncAtExit);
        Signals.onInterrupt(this::interrupted);
        Signals.onTerminate(this::terminated);
        CliLog.to(console::message);
        if (cluster == null) {
            CliLog.hold(); // until a local worker has started; a client of a cluster starts none
        }
        if (s.progress()) {
            if (cluster == null) { // a cluster's tasks report their progress to nobody here
                slowest = new SlowestTask();
                tasks.progressListener(slowest);
            }
            progress = new Progress(console, stats, slowest);
            System.setErr(console.asPrintStream());
            countInputLinesAhead();
        }
        pool = cluster != null ? cluster.pool() : new ProcessPool(poolConfig());
        pool.daemonize();
        tasks.pool(pool);
        Thread monitor = daemon("processpool-monitor", this::monitor);
        monitor.start();
        Feeder feeder = new Feeder(run, in, resume, out, tasks, chunks);
        Thread feederThread = daemon("processpool-input", feeder);
        feederThread.start();

        stop.await(() -> stop.reason() != null || feeder.done() && tasks.idle(), 200, Long.MAX_VALUE);
        if (stop.reason() != null) {
            stopRun();
        }
        stop.finish();
        pool.shutdown(Duration.ofSeconds(10));
        feeder.awaitEnd(feederThread);
        tasks.cancelLeftovers();
        out.close(); // a feeder still waiting on stdin reports nothing more
        CliLog.release();
        if (progress != null) {
            progress.close();
            System.setErr(stderr);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(syncAtExit);
        } catch (IllegalStateException exiting) {
            // the JVM is exiting already: the hook syncs
        }
        return finish(feeder.failed());
    }

    /** The report's last version: every task, every worker gone, how the run ended. */
    private void finishReport(RunReport.Ending ending, String note) {
        if (reportFile == null) {
            return;
        }
        report.observeWorkers(List.of(), System.nanoTime());
        report.setInputLines(stats.total());
        report.finish(ending, note, report.since(System.nanoTime()));
        try {
            reportFile.writeFinal();
        } catch (IOException | RuntimeException e) {
            stderr.println("processpool: the report " + s.report() + " could not be written: " + describe(e));
        }
    }

    // ========================================================================================== set-up

    private InputLines openInput() throws IOException {
        InputStream in;
        if ("-".equals(s.input())) {
            in = System.in;
        } else {
            Path p = Path.of(s.input());
            if (Files.isDirectory(p)) {
                throw new IOException("it is a directory");
            }
            in = Files.newInputStream(p);
        }
        return new InputLines(in, s.maxLineBytes());
    }

    private LineFile openOutput() throws IOException {
        if ("-".equals(s.output())) {
            return LineFile.stdout();
        }
        return LineFile.open(Path.of(s.output()), s.resume());
    }

    /** For the progress line's total: counts a file's task lines in the background. */
    private void countInputLinesAhead() {
        if ("-".equals(s.input()) || !Files.isRegularFile(Path.of(s.input()))) {
            return;
        }
        daemon("processpool-count", () -> {
            long n = 0;
            try (InputLines r = new InputLines(Files.newInputStream(Path.of(s.input())), s.maxLineBytes())) {
                for (InputLines.Line l; (l = r.next()) != null; ) {
                    if (l.text() == null || !l.text().isBlank()) {
                        n++;
                    }
                }
                stats.setLinesInInput(n);
            } catch (IOException | RuntimeException e) {
                // the total then grows as lines are read
            }
        }).start();
    }

    private PoolConfig poolConfig() {
        return workerPool(s.min(), s.max(), s.queue(), s.maxTasksPerWorker(), s.workerClassPath(), s.jvmOptions(),
                s.classDataCache(), s.quiet(), console, !s.timeout().isZero() || !s.softTimeout().isZero()).retries(Math.max(0, s.retries())).memoryBudget(s.memoryBudget()).build();
    }

    /**
     * The settings of the CLI's worker pools: of a local run, and of {@code processpool member}.
     *
     * @param eagerJson whether tasks may have timeouts: each worker then sets Jackson up before it connects
     *                  ({@link CliWorkerMain#EAGER_JSON}), not in a task's time
     */
    static PoolConfig.Builder workerPool(int min, int max, int queue, int maxTasksPerWorker, List<String> classPath,
                                         List<String> jvmOptions, java.nio.file.Path classDataCache, boolean quiet,
                                         Console console, boolean eagerJson) {
        List<String> options = new java.util.ArrayList<>(jvmOptions);
        if (eagerJson) {
            options.add("-D" + CliWorkerMain.EAGER_JSON + "=true");
        }
        WorkerOutputListener forward = (pid, taskId, stream, text) -> {
            if (quiet) {
                return;
            }
            String line = "[worker " + (pid > 0 ? String.valueOf(pid) : "starting")
                    + (taskId == null ? "" : ", " + taskId.replace('-', ' '))
                    + (stream == WorkerOutputListener.Stream.STDERR ? ", stderr] " : "] ") + text;
            if (pid > 0) {
                console.message(line);
            } else {
                // what a worker prints while it starts: held until one has started, and dropped if none
                // can (the start error repeats it)
                CliLog.startupOutput(line);
            }
        };
        return PoolConfig.builder()
                .minSize(min)
                .maxSize(max)
                .maxQueuedRequests(queue)
                .maxTasksPerWorker(maxTasksPerWorker)
                .classPath(classPath)
                .addJvmOptions(options.toArray(String[]::new))
                .classDataCache(classDataCache)
                .terminationGrace(Duration.ofSeconds(1))
                .outputListener(forward)
                .workerMainClass(CliWorkerMain.class.getName());
    }

    // ======================================================================================== stopping

    /** SIGINT: the first stops taking input and lets running tasks finish; the second kills them now. */
    private void interrupted() {
        int n = stop.interrupted();
        if (n == 1) {
            if (!s.quiet()) {
                console.message("processpool: interrupted; letting running tasks finish (up to "
                        + Durations.format(s.shutdownTimeout()) + "); press Ctrl-C again to kill them now");
            }
            requestStop(RunStop.Reason.INTERRUPTED, "the run was interrupted");
        } else if (n == 2) {
            if (!s.quiet()) {
                console.message("processpool: interrupted again; killing the workers");
            }
            killNow("the run was interrupted twice");
        } else {
            // A third: leave at once. The pool's shutdown hook kills the workers.
            Runtime.getRuntime().exit(EXIT_INTERRUPTED);
        }
    }

    /** SIGTERM: like a second Ctrl-C, the workers are killed now, and every line still gets its output. */
    private void terminated() {
        if (stop.terminated() == 1) {
            requestStop(RunStop.Reason.INTERRUPTED, "the run was terminated");
            killNow("the run was terminated");
        }
    }

    private void killNow(String why) {
        stop.kill(why);
        tasks.cancelOutstanding();
    }

    /**
     * Stops the run for {@code reason}. Only Ctrl-C lets running tasks finish: --fail-fast, a broken output
     * and workers that cannot start do not wait for them.
     */
    private void requestStop(RunStop.Reason reason, String why) {
        boolean kill = reason != RunStop.Reason.INTERRUPTED;
        if (!stop.request(reason, why, kill)) {
            return;
        }
        CliLog.drop(); // what the pool says from now on is about the workers this stop ends
        if (kill) {
            daemon("processpool-stop", tasks::cancelOutstanding).start();
        }
    }

    /**
     * The pool has given up starting workers (a WorkerStartException always means that): stop reading, give
     * every remaining line an error line with the start error, and say so once.
     */
    private void workersCannotStart(String message) {
        // "task line-7: no worker could be started: <why>": keep the why
        int at = message == null ? -1 : message.indexOf("no worker could be started: ");
        String startError = at < 0 ? String.valueOf(message) : message.substring(at + "no worker could be started: ".length());
        if (!stop.noWorkers(startError)) {
            return;
        }
        CliLog.drop();
        console.message("processpool: no worker could be started: " + startError + "\n"
                + (cluster == null ? "processpool: check the workers' options (--jvm-opt, --worker-heap, --classpath)"
                + " and the java they run on ($JAVA_HOME or the PATH)"
                : "processpool: check the members (processpool member): their workers' options (--jvm-opt,"
                + " --worker-heap, --classpath), the java they run on, and that --cluster reaches them"));
        if (stop.reason() == RunStop.Reason.NO_WORKERS) {
            daemon("processpool-stop", tasks::cancelOutstanding).start();
        }
    }

    /**
     * After a stop: no more tasks are queued; running ones get the shutdown timeout (none after a second
     * Ctrl-C, --fail-fast or a broken output) and are then cancelled with their workers killed; queued ones
     * are cancelled.
     */
    private void stopRun() {
        tasks.closeSubmissions();
        pool.stopProcessing(stop.killing() ? Duration.ZERO : s.shutdownTimeout());
        tasks.cancelOutstanding();
        stop.await(tasks::idle, 100, TimeUnit.SECONDS.toNanos(10));
    }

    private int finish(boolean inputFailed) {
        int code;
        String ending;
        RunStop.Reason reason = stop.reason();
        IOException outputFailure = out.failure();
        if (stop.terminations() > 0) {
            code = EXIT_TERMINATED;
            ending = "terminated";
        } else if (stop.interrupts() > 0) {
            code = EXIT_INTERRUPTED;
            ending = "interrupted";
        } else if (reason == RunStop.Reason.NO_WORKERS) {
            code = EXIT_USAGE;
            ending = "stopped: workers could not start";
        } else if (reason == RunStop.Reason.OUTPUT_BROKEN || outputFailure != null) {
            code = EXIT_FAILED;
            ending = "stopped: the output could not be written (" + describe(outputFailure) + ")";
        } else if (inputFailed) {
            code = EXIT_USAGE;
            ending = "stopped: the input could not be read";
        } else if (reason == RunStop.Reason.FAIL_FAST) {
            code = EXIT_FAILED;
            ending = "stopped by " + stop.why();
        } else {
            code = stats.allOk() && (resume == null || resume.skippedNotOk() == 0) ? EXIT_OK : EXIT_FAILED;
            ending = null;
        }
        finishReport(stop.terminations() > 0 ? RunReport.Ending.TERMINATED : stop.interrupts() > 0
                ? RunReport.Ending.INTERRUPTED : ending != null ? RunReport.Ending.STOPPED : RunReport.Ending.COMPLETED,
                stop.interrupts() > 0 || stop.terminations() > 0 ? null : ending);
        if (resume != null && resume.unmatched() > 0 && !s.quiet()) {
            stderr.println("processpool: --resume: " + resume.unmatched() + " final lines of " + s.output()
                    + " match no input line (was the input changed?); they stay in it");
        }
        if (!s.quiet()) {
            stderr.println(stats.summary(ending) + (resume == null ? ""
                    : "\n  skipped " + resume.skipped() + " (done before, in " + s.output() + ")"));
        } else if (outputFailure != null) {
            stderr.println("processpool: the output could not be written: " + describe(outputFailure));
        }
        stderr.flush();
        if (code == EXIT_OK) {
            ParentArchive.runEndedWell();
        }
        return code;
    }

    // ========================================================================================= monitor

    /** Notes the workers' pids (also of those that never ran a task) and their running tasks; drives the progress line. */
    private void monitor() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (pool instanceof ProcessPool local) {
                    List<String> running = slowest == null ? null : new java.util.ArrayList<>();
                    for (WorkingProcess w : local.getWorkers()) {
                        stats.sawWorker(w.pid());
                        if (w.pid() > 0 && (w.state() == WorkerState.IDLE || w.state() == WorkerState.WORKING)) {
                            CliLog.release();
                        }
                        if (running != null) {
                            w.currentTaskId().ifPresent(running::add);
                        }
                    }
                    if (running != null) {
                        slowest.observe(running, System.nanoTime());
                    }
                }
                if (progress != null) {
                    progress.update();
                }
                out.syncIfDue();
                checkpointReport();
            } catch (Throwable e) {
                // the pool is shutting down, or a file could not be forced (its close reports that); keep
                // going until the JVM exits
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Notes the workers in the report and rewrites it if a checkpoint is due; says once if it cannot. */
    private void checkpointReport() {
        if (reportFile == null) {
            return;
        }
        report.observeWorkers(pool instanceof ProcessPool local ? local.getWorkers() : List.of(), System.nanoTime());
        try {
            reportFile.checkpointIfDue();
        } catch (IOException | RuntimeException e) {
            if (!reportWarned) {
                reportWarned = true;
                console.message("processpool: the report " + s.report() + " could not be written: " + describe(e)
                        + "; trying again at the end");
            }
        }
    }

    // ========================================================================================== helpers

    static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    static String describe(Throwable e) {
        if (e == null) {
            return "";
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            if (c != null) {
                c.close();
            }
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
