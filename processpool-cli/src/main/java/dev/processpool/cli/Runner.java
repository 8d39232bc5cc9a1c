package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.ResourceLimitException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskPool;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerOutputListener;
import dev.processpool.WorkerStartException;
import dev.processpool.WorkerState;
import dev.processpool.WorkerUnresponsiveException;
import dev.processpool.WorkingProcess;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One {@code processpool run}: reads task lines, runs them in a {@link ProcessPool}, writes one output line
 * per input line and a summary.
 *
 * <p>Threads: a feeder reads and queues lines (blocking while the pool's queue is full, so input is read
 * only as fast as it is worked off); the pool's callback thread turns outcomes into output lines; a monitor
 * notes which worker runs what and drives the progress line; the main thread waits for the end or a stop
 * and then shuts the pool down. A stop comes from Ctrl-C (SIGINT), SIGTERM, {@code --fail-fast}, a broken
 * output, or workers that cannot be started at all.
 *
 * <p>With {@code --resume} the lines an earlier run finished are skipped before they get a sequence number
 * (see {@link Resume}); with {@code --joblog} each output line also gets a job-log line ({@link JobLog}).
 * Output and job log are forced to the disk every second and at the end ({@link LineFile}).
 */
final class Runner {

    /** Everything {@code run} was given, checked. */
    record Settings(TaskTarget task, AllowedTasks allowed, List<String> workerClassPath, URLClassLoader taskLoader,
                    String input, String output, int min, int max, int queue, Duration timeout,
                    int maxTasksPerWorker, List<String> jvmOptions, boolean ordered, boolean failFast,
                    boolean quiet, boolean progress, Duration shutdownTimeout, java.nio.file.Path classDataCache,
                    long maxLineBytes, boolean resume, java.nio.file.Path jobLog, List<String> cluster,
                    String clusterName) {
    }

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_INTERRUPTED = 130;
    static final int EXIT_TERMINATED = 143;

    private static final int MAX_INPUT_MESSAGES = 20;
    private static final int ORDER_WINDOW = 10_000;
    private static final String CANCELLED_TYPE = TaskCancelledException.class.getName();

    private static final String START_FAILURE_TYPE = WorkerStartException.class.getName();

    private enum Stop { NONE, INTERRUPTED, FAIL_FAST, OUTPUT_BROKEN, NO_WORKERS }

    /** A queued task, until its outcome is written. */
    private static final class Pending {
        final long seq;
        final long line;
        final JsonNode id;

        Pending(long seq, long line, JsonNode id) {
            this.seq = seq;
            this.line = line;
            this.id = id;
        }
    }

    private final Settings s;
    private final PrintStream stderr;
    private final Console console;
    private final RunStats stats;
    private final ObjectMapper mapper = Json.mapper();
    private final Map<String, Pending> outstanding = new ConcurrentHashMap<>();
    private final Map<String, ProcessTask> tasks = new ConcurrentHashMap<>();
    private final Object submitLock = new Object();
    private final Object wake = new Object();
    private final AtomicInteger interrupts = new AtomicInteger();
    private final AtomicInteger terminations = new AtomicInteger();
    private final AtomicInteger inputMessages = new AtomicInteger();
    private final AtomicLong seqs = new AtomicLong();

    private volatile Stop stop = Stop.NONE;
    private volatile boolean stopping;
    private volatile boolean killNow;
    private volatile String stopWhy = "the run was stopped";
    private volatile boolean feederDone;
    private volatile boolean inputFailed;
    private volatile boolean finishing;
    private volatile boolean outputClosed;
    private volatile long lastLineNanos = System.nanoTime();
    /** The start error, once the pool has given up starting workers. */
    private volatile String startError;
    private OutputSink sink;
    private JobLog jobLog;
    private Resume resume;
    private TaskPool pool;
    /** With --cluster: the client pool's cluster side (where each task ran); else null. */
    private ClusterSupport.Client cluster;
    private Progress progress;

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
        if (s.cluster() != null) {
            try {
                cluster = ClusterSupport.load().connect(s.clusterName(), s.cluster(), s.queue());
            } catch (RuntimeException e) {
                closeQuietly(in);
                sink.close();
                closeJobLog();
                stderr.println("processpool: " + e.getMessage());
                return EXIT_USAGE;
            }
        }
        Thread syncAtExit = new Thread(this::syncFiles, "processpool-sync-at-exit");
        Runtime.getRuntime().addShutdownHook(syncAtExit);
        Signals.onInterrupt(this::interrupted);
        Signals.onTerminate(this::terminated);
        CliLog.to(console::message);
        if (cluster == null) {
            CliLog.hold(); // until a local worker has started; a client of a cluster starts none
        }
        if (s.progress()) {
            progress = new Progress(console, stats);
            System.setErr(console.asPrintStream());
            countInputLinesAhead();
        }
        pool = cluster != null ? cluster.pool() : new ProcessPool(poolConfig());
        pool.daemonize();
        Thread monitor = daemon("processpool-monitor", this::monitor);
        monitor.start();
        Thread feeder = daemon("processpool-input", () -> feed(in));
        feeder.start();

        waitForEndOrStop();
        if (stop != Stop.NONE) {
            stopRun();
        }
        finishing = true;
        pool.shutdown(Duration.ofSeconds(10));
        awaitFeeder(feeder);
        cancelLeftovers();
        outputClosed = true; // a feeder still waiting on stdin reports nothing more
        sink.close();
        closeJobLog();
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
        return finish();
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

    /** Forces the output and the job log to the disk: every second from the monitor, and at exit. */
    private void syncFiles() {
        OutputSink out = sink;
        if (out != null) {
            out.sync();
        }
        JobLog log = jobLog;
        if (log != null) {
            try {
                log.sync();
            } catch (IOException e) {
                // reported when it is closed
            }
        }
    }

    private void closeJobLog() {
        if (jobLog == null) {
            return;
        }
        try {
            jobLog.close();
        } catch (IOException e) {
            console.message("processpool: the job log " + s.jobLog() + " could not be written: " + describe(e));
        }
    }

    private PoolConfig poolConfig() {
        return workerPool(s.min(), s.max(), s.queue(), s.maxTasksPerWorker(), s.workerClassPath(), s.jvmOptions(),
                s.classDataCache(), s.quiet(), console).build();
    }

    /** The settings of the CLI's worker pools: of a local run, and of {@code processpool member}. */
    static PoolConfig.Builder workerPool(int min, int max, int queue, int maxTasksPerWorker, List<String> classPath,
                                         List<String> jvmOptions, java.nio.file.Path classDataCache, boolean quiet,
                                         Console console) {
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
                .addJvmOptions(jvmOptions.toArray(String[]::new))
                .classDataCache(classDataCache)
                .terminationGrace(Duration.ofSeconds(1))
                .outputListener(forward)
                .workerMainClass(CliWorkerMain.class.getName());
    }

    // ========================================================================================== input

    private void feed(InputLines in) {
        InputParser parser = new InputParser(s.task(), s.timeout(), s.allowed());
        long line = 0;
        try (in) {
            for (InputLines.Line l; (l = in.next()) != null; ) {
                line = l.number();
                lastLineNanos = System.nanoTime();
                if (l.text() != null && l.text().isBlank()) {
                    continue;
                }
                JsonNode id = InputParser.outputId(l);
                if (resume != null && resume.skip(id, line)) {
                    stats.lineSkipped();
                    continue;
                }
                awaitOrderWindow();
                long seq = seqs.getAndIncrement();
                stats.lineRead();
                if (stopping) {
                    emitNotRun(seq, line, id);
                    continue;
                }
                if (l.text() == null) {
                    badInput(seq, line, id, l.problem());
                    continue;
                }
                InputParser.Request request;
                try {
                    request = parser.parse(l.text());
                    if (cluster == null) { // on a cluster, the members' class path decides
                        Invoker.check(request.target(), s.taskLoader(), request.args(), request.kwargs());
                    }
                } catch (InputParser.LineException | BadInputException e) {
                    badInput(seq, line, id, e.getMessage());
                    continue;
                }
                submit(seq, line, id, request);
            }
        } catch (Throwable e) {
            if (!finishing) {
                inputFailed = true;
                console.message("processpool: reading the input failed after line " + line + ": " + describe(e));
            }
        } finally {
            feederDone = true;
            wakeMain();
        }
    }

    /**
     * With --ordered, results that finished before an earlier, slower one wait in memory; past
     * {@value #ORDER_WINDOW} of them, reading pauses until the slow one is done.
     */
    private void awaitOrderWindow() {
        while (s.ordered() && !stopping && sink.waitingCount() >= ORDER_WINDOW) {
            synchronized (wake) {
                try {
                    wake.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void submit(long seq, long line, JsonNode id, InputParser.Request r) {
        String taskId = "line-" + line;
        Pending p = new Pending(seq, line, id);
        ProcessTask task = ProcessTask.builder(new JsonTask(r.target()))
                .taskId(taskId)
                .args(r.args())
                .kwargs(r.kwargs())
                .timeout(r.timeout())
                .callback((t, result) -> guarded(p, () -> onResult(p, result)))
                .exceptionCallback((t, failure) -> guarded(p, () -> onFailure(p, t, failure)))
                .build();
        outstanding.put(taskId, p);
        tasks.put(taskId, task);
        while (true) {
            synchronized (submitLock) {
                if (stopping) {
                    forget(taskId);
                    emitNotRun(seq, line, id);
                    return;
                }
                try {
                    if (pool.queueTask(task, Duration.ofMillis(100), false)) {
                        return;
                    }
                } catch (RejectedExecutionException e) {
                    forget(taskId);
                    emitNotRun(seq, line, id);
                    return;
                } catch (IllegalArgumentException e) {
                    forget(taskId);
                    badInput(seq, line, id, e.getMessage());
                    return;
                }
            }
        }
    }

    private void forget(String taskId) {
        outstanding.remove(taskId);
        tasks.remove(taskId);
    }

    // ======================================================================================== outcomes

    /** An outcome that cannot be turned into its output line still gets one, so that no line goes missing. */
    private void guarded(Pending p, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError e) {
            if (outstanding.containsKey("line-" + p.line)) {
                writeError(p, e.getClass().getName(), "the outcome could not be reported: " + e, null, null, null,
                        false);
            }
        }
    }

    private void onResult(Pending p, Object value) {
        if (!(value instanceof TaskOutcome o)) {
            writeError(p, "java.lang.IllegalStateException", "unexpected result " + value, null, null, null, false);
            return;
        }
        long ms = o.durationNanos / 1_000_000;
        if (o.ok) {
            JsonNode result;
            try {
                result = mapper.readTree(o.resultJson);
            } catch (StreamConstraintsException e) {
                long n = Json.stringOverLimit(e, o.resultJson);
                writeError(p, e.getClass().getName(), n >= 0
                        ? String.format(Locale.ROOT, "the result holds a string of %,d characters, over the limit"
                        + " of %,d (--max-string-length)", n, Json.maxStringLength())
                        : "the result exceeds a limit of JSON: " + e.getOriginalMessage(), null, o.workerPid, ms, false);
                return;
            } catch (IOException e) {
                writeError(p, e.getClass().getName(), "the result is not valid JSON: " + e.getMessage(), null,
                        o.workerPid, ms, false);
                return;
            }
            ObjectNode rec = record(p.line, p.id, Status.OK);
            rec.set("result", result);
            rec.put("workerPid", o.workerPid);
            rec.put("durationMs", ms);
            done(p, rec, Status.OK, ms, o.workerPid, false);
        } else {
            if (BadInputException.class.getName().equals(o.errorType)) {
                inputMessage(p.line, o.errorMessage);
            }
            writeError(p, o.errorType, o.errorMessage, o.stackTrace, o.workerPid, ms, false);
        }
    }

    private void onFailure(Pending p, ProcessTask task, TaskException f) {
        long knownPid = f.getWorkerPid() > 0 ? f.getWorkerPid() : task.getWorkerPid();
        Long pid = knownPid > 0 ? knownPid : null;
        Long ran = task.getRunTime().isZero() ? null : task.getRunTime().toMillis();
        if (f instanceof TaskTimeoutException t) {
            ObjectNode rec = record(p.line, p.id, Status.TIMEOUT);
            rec.set("error", error(f.getClass().getName(), (t.isProgressTimeout() ? "reported no progress for "
                    : "timed out after ") + Durations.format(t.getTimeout()) + "; the worker was killed", null));
            long ms = ran != null ? ran : t.getTimeout().toMillis();
            putPidAndDuration(rec, pid, ms);
            done(p, rec, Status.TIMEOUT, ms, pid, true);
        } else if (f instanceof WorkerDiedException || f instanceof WorkerUnresponsiveException
                || f instanceof ResourceLimitException) {
            // the worker process is gone: it exited or crashed, hung, or was killed over its memory limit
            ObjectNode rec = record(p.line, p.id, Status.WORKER_DIED);
            ObjectNode err = error(f.getClass().getName(), CliLog.plain(f.getMessage()), null);
            if (f instanceof WorkerDiedException d && !d.getStderrTail().isEmpty()) {
                err.set("stderrTail", mapper.valueToTree(d.getStderrTail()));
            }
            rec.set("error", err);
            putPidAndDuration(rec, pid, ran);
            done(p, rec, Status.WORKER_DIED, ran, pid, true);
        } else if (f instanceof WorkerStartException) {
            workersCannotStart(f.getMessage());
            writeError(p, START_FAILURE_TYPE, startErrorMessage(), null, null, null, false);
        } else if (f instanceof TaskCancelledException && stop == Stop.NO_WORKERS && pid == null) {
            // cancelled because no worker can start: it could never have run
            writeError(p, START_FAILURE_TYPE, startErrorMessage(), null, null, null, false);
        } else if (f instanceof TaskCancelledException) {
            ObjectNode rec = record(p.line, p.id, Status.CANCELLED);
            String why = pid != null ? "cancelled while running (" + stopWhy + "); its worker was killed"
                    : "not run: " + stopWhy;
            rec.set("error", error(CANCELLED_TYPE, stopping ? why : f.getMessage(), null));
            putPidAndDuration(rec, pid, ran);
            done(p, rec, Status.CANCELLED, ran, pid, false);
        } else if (f instanceof TaskExecutionException x) {
            // the task's own exceptions come back as data; this is what the worker could not catch
            boolean vmError = x.getRemoteCauseTypes().stream().findFirst()
                    .map(t -> t.equals(OutOfMemoryError.class.getName()) || t.startsWith("java.lang.InternalError")
                            || t.equals(VirtualMachineError.class.getName()) || t.startsWith("java.lang.UnknownError"))
                    .orElse(false);
            writeError(p, x.getRemoteType(), x.getRemoteMessage(), x.getRemoteStackTrace(), pid, ran, vmError);
        } else {
            // ResultTransferException
            writeError(p, f.getClass().getName(), CliLog.plain(f.getMessage()), null, pid, ran, false);
        }
    }

    /**
     * The pool has given up starting workers (a WorkerStartException always means that): stop reading, give
     * every remaining line an error line with the start error, and say so once.
     */
    private void workersCannotStart(String message) {
        synchronized (this) {
            if (startError != null) {
                return;
            }
            // "task line-7: no worker could be started: <why>": keep the why
            int at = message == null ? -1 : message.indexOf("no worker could be started: ");
            startError = at < 0 ? String.valueOf(message) : message.substring(at + "no worker could be started: ".length());
        }
        CliLog.drop();
        console.message("processpool: no worker could be started: " + startError + "\n"
                + (cluster == null ? "processpool: check the workers' options (--jvm-opt, --worker-heap, --classpath)"
                + " and the java they run on ($JAVA_HOME or the PATH)"
                : "processpool: check the members (processpool member): their workers' options (--jvm-opt,"
                + " --worker-heap, --classpath), the java they run on, and that --cluster reaches them"));
        requestStop(Stop.NO_WORKERS, "workers could not start");
    }

    private String startErrorMessage() {
        return "not run: no worker could be started: " + startError;
    }

    private void writeError(Pending p, String type, String message, String stackTrace, Long pid, Long ms,
                            boolean workerGone) {
        ObjectNode rec = record(p.line, p.id, Status.ERROR);
        rec.set("error", error(type, message, stackTrace));
        putPidAndDuration(rec, pid, ms);
        done(p, rec, Status.ERROR, ms, pid, workerGone);
    }

    private void done(Pending p, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone) {
        if (pid != null) {
            CliLog.release(); // a worker has started: what the pool said while none had may be shown
        }
        ProcessTask task = tasks.get("line-" + p.line);
        if (cluster != null && task != null) {
            String member = cluster.member(task);
            rec.put("member", member);
            rec.put("attempts", cluster.attempts(task));
            if (member != null && rec.get("error") instanceof ObjectNode error && error.hasNonNull("message")) {
                error.put("message", error.get("message").asText() + " (on member " + member + ")");
            }
        }
        forget("line-" + p.line);
        emit(p.seq, rec, status, ms, pid, workerGone);
        if (status != Status.OK && status != Status.CANCELLED && s.failFast()) {
            requestStop(Stop.FAIL_FAST, "--fail-fast: line " + p.line + " failed");
        }
        wakeMain();
    }

    private void badInput(long seq, long line, JsonNode id, String message) {
        inputMessage(line, message);
        ObjectNode rec = record(line, id, Status.ERROR);
        rec.set("error", error(BadInputException.class.getName(), message, null));
        putPidAndDuration(rec, null, null);
        emit(seq, rec, Status.ERROR, null, null, false);
        if (s.failFast()) {
            requestStop(Stop.FAIL_FAST, "--fail-fast: line " + line + " failed");
        }
    }

    private void inputMessage(long line, String message) {
        if (s.quiet()) {
            return;
        }
        int n = inputMessages.incrementAndGet();
        if (n <= MAX_INPUT_MESSAGES) {
            console.message("processpool: line " + line + ": " + Console.printable(message));
        } else if (n == MAX_INPUT_MESSAGES + 1) {
            console.message("processpool: more input errors follow; the output has them all");
        }
    }

    private void emitNotRun(long seq, long line, JsonNode id) {
        boolean noWorkers = stop == Stop.NO_WORKERS;
        Status status = noWorkers ? Status.ERROR : Status.CANCELLED;
        ObjectNode rec = record(line, id, status);
        rec.set("error", noWorkers ? error(START_FAILURE_TYPE, startErrorMessage(), null)
                : error(CANCELLED_TYPE, "not run: " + stopWhy, null));
        putPidAndDuration(rec, null, null);
        emit(seq, rec, status, null, null, false);
    }

    private ObjectNode record(long line, JsonNode id, Status status) {
        ObjectNode rec = mapper.createObjectNode();
        rec.set("id", id != null ? id : LongNode.valueOf(line));
        rec.put("line", line);
        rec.put("status", status.label);
        return rec;
    }

    private ObjectNode error(String type, String message, String stackTrace) {
        ObjectNode e = mapper.createObjectNode();
        e.put("type", type);
        e.put("message", message);
        e.put("stackTrace", stackTrace);
        return e;
    }

    private static void putPidAndDuration(ObjectNode rec, Long pid, Long ms) {
        if (pid == null) {
            rec.putNull("workerPid");
        } else {
            rec.put("workerPid", pid);
        }
        if (ms == null) {
            rec.putNull("durationMs");
        } else {
            rec.put("durationMs", ms);
        }
    }

    private void emit(long seq, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone) {
        if (outputClosed) {
            return;
        }
        stats.record(status, ms, pid, workerGone);
        sink.emit(seq, rec);
        if (sink.failure() != null && stop == Stop.NONE) {
            requestStop(Stop.OUTPUT_BROKEN, "the output could not be written");
        }
        if (jobLog != null) {
            JsonNode type = rec.path("error").path("type");
            try {
                jobLog.record(rec.path("line").asLong(), rec.get("id"), status, ms, pid,
                        type.isTextual() ? type.asText() : null);
            } catch (IOException e) {
                if (stop == Stop.NONE) {
                    console.message("processpool: the job log " + s.jobLog() + " could not be written: " + describe(e));
                    requestStop(Stop.OUTPUT_BROKEN, "the job log could not be written");
                }
            }
        }
    }

    // ======================================================================================== stopping

    /** SIGINT: the first stops taking input and lets running tasks finish; the second kills them now. */
    private void interrupted() {
        int n = interrupts.incrementAndGet();
        if (n == 1) {
            if (!s.quiet()) {
                console.message("processpool: interrupted; letting running tasks finish (up to "
                        + Durations.format(s.shutdownTimeout()) + "); press Ctrl-C again to kill them now");
            }
            requestStop(Stop.INTERRUPTED, "the run was interrupted");
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
        if (terminations.getAndIncrement() == 0) {
            requestStop(Stop.INTERRUPTED, "the run was terminated");
            killNow("the run was terminated");
        }
    }

    private void killNow(String why) {
        stopWhy = why;
        killNow = true;
        stopping = true;
        cancelOutstanding();
        wakeMain();
    }

    private void requestStop(Stop why, String message) {
        synchronized (this) {
            if (stop != Stop.NONE) {
                return;
            }
            stopWhy = message;
            stop = why;
        }
        stopping = true;
        CliLog.drop(); // what the pool says from now on is about the workers this stop ends
        if (why != Stop.INTERRUPTED) {
            // --fail-fast and a broken output do not wait for running tasks
            killNow = true;
            daemon("processpool-stop", this::cancelOutstanding).start();
        }
        wakeMain();
    }

    private void waitForEndOrStop() {
        synchronized (wake) {
            while (stop == Stop.NONE && !(feederDone && outstanding.isEmpty())) {
                try {
                    wake.wait(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void wakeMain() {
        synchronized (wake) {
            wake.notifyAll();
        }
    }

    /**
     * After a stop: no more tasks are queued; running ones get the shutdown timeout (none after a second
     * Ctrl-C, --fail-fast or a broken output) and are then cancelled with their workers killed; queued ones
     * are cancelled.
     */
    private void stopRun() {
        synchronized (submitLock) {
            stopping = true;
        }
        pool.stopProcessing(killNow ? Duration.ZERO : s.shutdownTimeout());
        cancelOutstanding();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        synchronized (wake) {
            while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
                try {
                    wake.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void cancelOutstanding() {
        for (ProcessTask t : new ArrayList<>(tasks.values())) {
            t.future().cancel(false);
        }
    }

    /**
     * Lets the feeder report the lines it has not run: all of a file; of stdin, what keeps coming (it is
     * waited for while lines arrive, not once a second passes without one: the pipe may stay open).
     */
    private void awaitFeeder(Thread feeder) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (feeder.isAlive() && System.nanoTime() < deadline) {
                feeder.join(100);
                if (stopping && "-".equals(s.input())
                        && System.nanoTime() - lastLineNanos > TimeUnit.SECONDS.toNanos(1)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whatever has no outcome by now (it should not happen) is written as cancelled, so no line goes missing. */
    private void cancelLeftovers() {
        for (Pending p : new ArrayList<>(outstanding.values())) {
            if (outstanding.remove("line-" + p.line) != null) {
                tasks.remove("line-" + p.line);
                emitNotRun(p.seq, p.line, p.id);
            }
        }
    }

    private int finish() {
        int code;
        String ending;
        if (terminations.get() > 0) {
            code = EXIT_TERMINATED;
            ending = "terminated";
        } else if (interrupts.get() > 0) {
            code = EXIT_INTERRUPTED;
            ending = "interrupted";
        } else if (stop == Stop.NO_WORKERS) {
            code = EXIT_USAGE;
            ending = "stopped: workers could not start";
        } else if (stop == Stop.OUTPUT_BROKEN || sink.failure() != null) {
            code = EXIT_FAILED;
            ending = "stopped: the output could not be written (" + describe(sink.failure()) + ")";
        } else if (inputFailed) {
            code = EXIT_USAGE;
            ending = "stopped: the input could not be read";
        } else if (stop == Stop.FAIL_FAST) {
            code = EXIT_FAILED;
            ending = "stopped by " + stopWhy;
        } else {
            code = stats.allOk() && (resume == null || resume.skippedNotOk() == 0) ? EXIT_OK : EXIT_FAILED;
            ending = null;
        }
        if (resume != null && resume.unmatched() > 0 && !s.quiet()) {
            stderr.println("processpool: --resume: " + resume.unmatched() + " final lines of " + s.output()
                    + " match no input line (was the input changed?); they stay in it");
        }
        if (!s.quiet()) {
            stderr.println(stats.summary(ending) + (resume == null ? ""
                    : "\n  skipped " + resume.skipped() + " (done before, in " + s.output() + ")"));
        } else if (sink.failure() != null) {
            stderr.println("processpool: the output could not be written: " + describe(sink.failure()));
        }
        stderr.flush();
        return code;
    }

    // ========================================================================================= monitor

    /** Notes the workers' pids (also of those that never ran a task); drives the progress line. */
    private void monitor() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (pool instanceof ProcessPool local) {
                    for (WorkingProcess w : local.getWorkers()) {
                        stats.sawWorker(w.pid());
                        if (w.pid() > 0 && (w.state() == WorkerState.IDLE || w.state() == WorkerState.WORKING)) {
                            CliLog.release();
                        }
                    }
                }
                if (progress != null) {
                    progress.update();
                }
                sink.syncIfDue();
                if (jobLog != null) {
                    jobLog.syncIfDue();
                }
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

    // ========================================================================================== helpers

    private static Thread daemon(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        return t;
    }

    private static String describe(Throwable e) {
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
            c.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
