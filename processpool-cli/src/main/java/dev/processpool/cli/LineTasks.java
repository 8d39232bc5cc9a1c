package dev.processpool.cli;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.processpool.TaskPool;
import dev.processpool.ProcessTask;
import dev.processpool.ResourceLimitException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerStartException;
import dev.processpool.WorkerUnresponsiveException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One pool task per input line: queues them and turns each task's outcome into its line's outcome.
 * Thread-safe: the feeder queues, the pool's callback thread reports, the stopping threads cancel.
 */
final class LineTasks {

    /** What {@link LineTasks} needs of the run around it. */
    interface Run {
        /** The pool has given up starting workers. */
        void workersCannotStart(String message);
    }

    /** A queued task, until its outcome is written. */
    private record Pending(long seq, long line, JsonNode id, ProcessTask task, long[] queuedNanos) {
    }

    private final Outcomes out;
    private final RunStop stop;
    private final Run run;
    private final InputParser parser;
    private final ClassLoader taskLoader;
    private final AllowedTasks allowed;
    private final Chunks chunks;
    private final Map<String, Pending> outstanding = new ConcurrentHashMap<>();
    private final Map<String, Chunks.Chunk> chunksOut = new ConcurrentHashMap<>();
    /** Lines of failed chunks on their way to be queued alone. */
    private final AtomicInteger reruns = new AtomicInteger();
    private final ExecutorService rerunner = Executors.newSingleThreadExecutor(r -> Runner.daemon("processpool-rerun", r));
    private final Object submitLock = new Object();
    /** With --cluster: where each task ran; else null. */
    private final ClusterSupport.Client cluster;
    private volatile TaskPool pool;
    /** Hears the tasks' progress reports for the progress display; null (the default) when it is not shown. */
    private volatile dev.processpool.ProgressListener progressListener;

    /** --soft-timeout: each line's (ZERO: none); not applied to a line whose own timeout is no longer. */
    private final Duration softTimeout;
    /** Whether each output line says how many attempts its task took (--retries; a cluster says it anyway). */
    private final boolean countAttempts;

    /**
     * @param chunks        how lines are put into chunks; null to run every line as a task of its own
     * @param softTimeout   each line's soft timeout, or ZERO
     * @param countAttempts whether each line's output says its attempts
     */
    LineTasks(Outcomes out, RunStop stop, Run run, InputParser parser, ClassLoader taskLoader, AllowedTasks allowed,
              Chunks chunks, ClusterSupport.Client cluster, Duration softTimeout, boolean countAttempts) {
        this.softTimeout = softTimeout;
        this.countAttempts = countAttempts;
        this.cluster = cluster;
        this.out = out;
        this.stop = stop;
        this.run = run;
        this.parser = parser;
        this.taskLoader = taskLoader;
        this.allowed = allowed;
        this.chunks = chunks;
    }

    void pool(TaskPool pool) {
        this.pool = pool;
    }

    /** Gives every task queued from now on this progress listener (the progress display's). */
    void progressListener(dev.processpool.ProgressListener listener) {
        this.progressListener = listener;
    }

    /** Whether every queued task has its outcome. */
    boolean idle() {
        return outstanding.isEmpty() && chunksOut.isEmpty() && reruns.get() == 0;
    }

    /** Parses and checks a line in the parent (its class and arguments only without --cluster) and queues it as a task of its own, or writes why it cannot run. */
    void submitLine(long seq, long line, JsonNode id, String text) {
        InputParser.Request request;
        try {
            request = parser.parse(text);
            if (taskLoader != null) { // on a cluster, the members' class path decides
                Invoker.check(request.target(), taskLoader, request.args(), request.kwargs());
            }
        } catch (InputParser.LineException | BadInputException e) {
            out.badInput(seq, line, id, e.getMessage());
            return;
        }
        submit(seq, line, id, request);
    }

    /** Queues a line's task, waiting while the pool's queue is full; a line the run no longer takes is not run. */
    void submit(long seq, long line, JsonNode id, InputParser.Request r) {
        String taskId = "line-" + line;
        Pending[] self = new Pending[1];
        ProcessTask task = ProcessTask.builder(new JsonTask(r.target(), allowed))
                .taskId(taskId)
                .args(r.args())
                .kwargs(r.kwargs())
                .timeout(r.timeout())
                .softTimeout(r.timeout().isZero() || softTimeout.compareTo(r.timeout()) < 0 ? softTimeout : Duration.ZERO)
                .progressListener(progressListener)
                .callback((t, result) -> guarded(self[0], () -> onResult(self[0], result)))
                .exceptionCallback((t, failure) -> guarded(self[0], () -> onFailure(self[0], t, failure)))
                .build();
        Pending p = new Pending(seq, line, id, task, new long[] {-1});
        self[0] = p;
        outstanding.put(taskId, p);
        boolean queued;
        try {
            queued = queue(task);
        } catch (IllegalArgumentException e) {
            outstanding.remove(taskId);
            out.badInput(seq, line, id, e.getMessage());
            return;
        }
        if (!queued) {
            outstanding.remove(taskId);
            out.notRun(seq, line, id);
        }
    }

    /**
     * Queues a task, waiting while the pool's queue is full.
     *
     * @return false if the run no longer takes tasks
     */
    private boolean queue(ProcessTask task) {
        while (true) {
            synchronized (submitLock) {
                if (stop.stopping()) {
                    return false;
                }
                try {
                    if (pool.queueTask(task, Duration.ofMillis(100), false)) {
                        return true;
                    }
                } catch (RejectedExecutionException e) {
                    return false;
                }
            }
        }
    }

    // ========================================================================================== chunks

    /**
     * Queues a chunk of lines as one task; a chunk the run no longer takes is not run, line by line. A chunk
     * of one line is that line's task: it has the line's exact timeout, and how it fails is how the line ends
     * (as a line alone would; only the parsing and checking are the worker's).
     */
    void submit(Chunks.Chunk c) {
        String key = "chunk-" + c.line(0);
        ProcessTask.Builder b = ProcessTask.builder(chunks.function())
                .taskId(c.size() == 1 ? "line-" + c.line(0) : key)
                .args(c.payload())
                .progressListener(progressListener)
                .callback((t, result) -> guardedChunk(c, () -> onChunkResult(c, t, result)))
                .exceptionCallback((t, failure) -> guardedChunk(c, () -> onChunkFailure(c, t, failure)));
        if (c.size() == 1) {
            b.timeout(chunks.timeout());
        } else if (chunks.progressTimeout() != null) {
            b.progressTimeout(chunks.progressTimeout());
        }
        ProcessTask task = c.task(b.build());
        chunksOut.put(key, c);
        c.queued(System.nanoTime());
        boolean queued;
        try {
            queued = queue(task);
        } catch (IllegalArgumentException e) {
            runAlone(c, c.all());
            return;
        }
        if (!queued && chunksOut.remove(key) != null) {
            for (int i = 0; i < c.size(); i++) {
                out.notRun(c.seq(i), c.line(i), c.id(i));
            }
        }
    }

    /** An answer that cannot be used (it should not happen) is not trusted: the chunk's lines run alone. */
    private void guardedChunk(Chunks.Chunk c, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError e) {
            runAlone(c, c.all());
        }
    }

    private void onChunkResult(Chunks.Chunk c, ProcessTask task, Object value) {
        Chunks.Answer a = value instanceof byte[] b ? Chunks.Answer.read(b, c) : null;
        if (a == null) {
            // not an answer to this chunk (forged, or cut short): its lines run alone
            runAlone(c, c.all());
            return;
        }
        if (chunksOut.remove("chunk-" + c.line(0)) == null) {
            return;
        }
        chunks.observe(a);
        out.chunkEnded(c, a);
        if (a.alone().length > 0) {
            rerun(c, a.alone());
        }
        stop.wake();
    }

    private void onChunkFailure(Chunks.Chunk c, ProcessTask task, TaskException f) {
        if (f instanceof TaskCancelledException || f instanceof WorkerStartException || c.size() == 1) {
            if (c.size() == 1 && !(f instanceof TaskCancelledException || f instanceof WorkerStartException)) {
                chunks.failed();
            }
            if (chunksOut.remove("chunk-" + c.line(0)) != null) {
                // every line of it ends as a line of its own would have
                for (int i = 0; i < c.size(); i++) {
                    onFailure(new Pending(c.seq(i), c.line(i), c.id(i), task, new long[] {c.queuedNanos()}), task, f);
                }
            }
            stop.wake();
            return;
        }
        // it timed out, its worker died, its answer could not be read: no line of it is lost, each runs alone
        // with its own exact timeout
        chunks.failed();
        runAlone(c, c.all());
    }

    /** A chunk without an outcome yet: each of its lines runs as a task of its own. */
    private void runAlone(Chunks.Chunk c, int[] which) {
        if (chunksOut.remove("chunk-" + c.line(0)) != null) {
            rerun(c, which);
        }
    }

    /** Queues lines of a chunk alone, from a thread of their own (the pool's queue may be full). */
    private void rerun(Chunks.Chunk c, int[] which) {
        reruns.incrementAndGet();
        try {
            rerunner.execute(() -> {
                try {
                    for (int i : which) {
                        submitLine(c.seq(i), c.line(i), c.id(i), c.text(i));
                    }
                } finally {
                    reruns.decrementAndGet();
                    stop.wake();
                }
            });
        } catch (RejectedExecutionException e) {
            reruns.decrementAndGet();
            for (int i : which) {
                out.notRun(c.seq(i), c.line(i), c.id(i));
            }
        }
        stop.wake();
    }

    /** From now on nothing is queued: a submit in progress finishes first. */
    void closeSubmissions() {
        synchronized (submitLock) {
            // RunStop says stopping by now; this waits out a submit that looked before it did
        }
    }

    /** Cancels every queued task: a waiting one will not run, a running one has its worker killed. */
    void cancelOutstanding() {
        for (Pending p : new ArrayList<>(outstanding.values())) {
            p.task().future().cancel(false);
        }
        for (Chunks.Chunk c : new ArrayList<>(chunksOut.values())) {
            c.task().future().cancel(false);
        }
    }

    /** Whatever has no outcome by now (it should not happen) is written as not run, so no line goes missing. */
    void cancelLeftovers() {
        for (Pending p : new ArrayList<>(outstanding.values())) {
            if (outstanding.remove("line-" + p.line()) != null) {
                out.notRun(p.seq(), p.line(), p.id());
            }
        }
        for (Chunks.Chunk c : new ArrayList<>(chunksOut.values())) {
            if (chunksOut.remove("chunk-" + c.line(0)) != null) {
                for (int i = 0; i < c.size(); i++) {
                    out.notRun(c.seq(i), c.line(i), c.id(i));
                }
            }
        }
        // lines of failed chunks on their way: once the run stops they are written as not run
        stop.await(() -> reruns.get() == 0, 50, java.util.concurrent.TimeUnit.SECONDS.toNanos(10));
    }

    // ======================================================================================== outcomes

    /** An outcome that cannot be turned into its output line still gets one, so that no line goes missing. */
    private void guarded(Pending p, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | LinkageError e) {
            if (outstanding.containsKey("line-" + p.line())) {
                writeError(p, e.getClass().getName(), "the outcome could not be reported: " + e, null, null, null,
                        false, -1);
            }
        }
    }

    private void onResult(Pending p, Object value) {
        if (!(value instanceof TaskOutcome o)) {
            writeError(p, "java.lang.IllegalStateException", "unexpected result " + value, null, null, null, false, -1);
            return;
        }
        if (chunks != null) {
            chunks.observe(o.durationNanos);
        }
        ObjectNode rec = outcomeRecord(out.mapper(), p.line(), p.id(), o);
        if (BadInputException.class.getName().equals(o.errorType)) {
            out.inputMessage(p.line(), o.errorMessage);
        }
        Status status = rec.path("status").textValue().equals(Status.OK.label) ? Status.OK : Status.ERROR;
        done(p, rec, status, o.durationNanos / 1_000_000, o.workerPid, false, o.durationNanos);
    }

    /**
     * The output line of a task that returned (its result) or threw (its error): in the parent for a line
     * run alone, in the worker for a line of a chunk ({@link LineChunk}), so both write the same bytes.
     */
    static ObjectNode outcomeRecord(ObjectMapper mapper, long line, JsonNode id, TaskOutcome o) {
        long ms = o.durationNanos / 1_000_000;
        if (o.ok) {
            JsonNode result = null;
            String type = null;
            String message = null;
            try {
                result = mapper.readTree(o.resultJson);
            } catch (StreamConstraintsException e) {
                long n = Json.stringOverLimit(e, o.resultJson);
                type = e.getClass().getName();
                message = n >= 0 ? String.format(Locale.ROOT, "the result holds a string of %,d characters, over the"
                        + " limit of %,d (--max-string-length)", n, Json.maxStringLength())
                        : "the result exceeds a limit of JSON: " + e.getOriginalMessage();
            } catch (IOException e) {
                type = e.getClass().getName();
                message = "the result is not valid JSON: " + e.getMessage();
            }
            if (type == null) {
                ObjectNode rec = Outcomes.record(mapper, line, id, Status.OK);
                rec.set("result", result);
                rec.put("workerPid", o.workerPid);
                rec.put("durationMs", ms);
                return rec;
            }
            ObjectNode rec = Outcomes.record(mapper, line, id, Status.ERROR);
            rec.set("error", Outcomes.error(mapper, type, message, null));
            Outcomes.putPidAndDuration(rec, o.workerPid, ms);
            return rec;
        }
        ObjectNode rec = Outcomes.record(mapper, line, id, Status.ERROR);
        rec.set("error", Outcomes.error(mapper, o.errorType, o.errorMessage, o.stackTrace));
        Outcomes.putPidAndDuration(rec, o.workerPid, ms);
        return rec;
    }

    private void onFailure(Pending p, ProcessTask task, TaskException f) {
        long knownPid = f.getWorkerPid() > 0 ? f.getWorkerPid() : task.getWorkerPid();
        Long pid = knownPid > 0 ? knownPid : null;
        Long ran = task.getRunTime().isZero() ? null : task.getRunTime().toMillis();
        long runNanos = task.getRunTime().isZero() ? -1 : task.getRunTime().toNanos();
        RunStop.State st = stop.state();
        if (f instanceof TaskTimeoutException t) {
            ObjectNode rec = out.record(p.line(), p.id(), Status.TIMEOUT);
            rec.set("error", out.error(f.getClass().getName(), t.isSoftTimeout()
                    ? "stopped at its soft timeout of " + Durations.format(t.getTimeout()) + ": " + t.getCause()
                    : (t.isProgressTimeout() ? "reported no progress for " : "timed out after ")
                    + Durations.format(t.getTimeout()) + "; the worker was killed", null));
            long ms = ran != null ? ran : t.getTimeout().toMillis();
            Outcomes.putPidAndDuration(rec, pid, ms);
            done(p, rec, Status.TIMEOUT, ms, pid, !t.isSoftTimeout(),
                    runNanos >= 0 ? runNanos : t.getTimeout().toNanos());
        } else if (f instanceof WorkerDiedException || f instanceof WorkerUnresponsiveException
                || f instanceof ResourceLimitException) {
            // the worker process is gone: it exited or crashed, hung, or was killed over its memory limit
            ObjectNode rec = out.record(p.line(), p.id(), Status.WORKER_DIED);
            ObjectNode err = out.error(f.getClass().getName(), CliLog.plain(f.getMessage()), null);
            if (f instanceof WorkerDiedException d && !d.getStderrTail().isEmpty()) {
                err.set("stderrTail", out.mapper().valueToTree(d.getStderrTail()));
            }
            rec.set("error", err);
            Outcomes.putPidAndDuration(rec, pid, ran);
            done(p, rec, Status.WORKER_DIED, ran, pid, true, runNanos);
        } else if (f instanceof WorkerStartException) {
            run.workersCannotStart(f.getMessage());
            writeError(p, Outcomes.START_FAILURE_TYPE, out.startErrorMessage(), null, null, null, false, -1);
        } else if (f instanceof TaskCancelledException && st.reason() == RunStop.Reason.NO_WORKERS && pid == null) {
            // cancelled because no worker can start: it could never have run
            writeError(p, Outcomes.START_FAILURE_TYPE, out.startErrorMessage(), null, null, null, false, -1);
        } else if (f instanceof TaskCancelledException) {
            ObjectNode rec = out.record(p.line(), p.id(), Status.CANCELLED);
            String why = pid != null ? "cancelled while running (" + st.why() + "); its worker was killed"
                    : "not run: " + st.why();
            rec.set("error", out.error(Outcomes.CANCELLED_TYPE, st.stopping() ? why : f.getMessage(), null));
            Outcomes.putPidAndDuration(rec, pid, ran);
            done(p, rec, Status.CANCELLED, ran, pid, false, runNanos);
        } else if (f instanceof TaskExecutionException x) {
            // the task's own exceptions come back as data; this is what the worker could not catch
            boolean vmError = x.getRemoteCauseTypes().stream().findFirst()
                    .map(t -> t.equals(OutOfMemoryError.class.getName()) || t.startsWith("java.lang.InternalError")
                            || t.equals(VirtualMachineError.class.getName()) || t.startsWith("java.lang.UnknownError"))
                    .orElse(false);
            writeError(p, x.getRemoteType(), x.getRemoteMessage(), x.getRemoteStackTrace(), pid, ran, vmError, runNanos);
        } else {
            // ResultTransferException
            writeError(p, f.getClass().getName(), CliLog.plain(f.getMessage()), null, pid, ran, false, runNanos);
        }
    }

    private void writeError(Pending p, String type, String message, String stackTrace, Long pid, Long ms,
                            boolean workerGone, long runNanos) {
        ObjectNode rec = out.record(p.line(), p.id(), Status.ERROR);
        rec.set("error", out.error(type, message, stackTrace));
        Outcomes.putPidAndDuration(rec, pid, ms);
        done(p, rec, Status.ERROR, ms, pid, workerGone, runNanos);
    }

    private void done(Pending p, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone,
                      long runNanos) {
        outstanding.remove("line-" + p.line());
        if (cluster != null) {
            String member = cluster.member(p.task());
            rec.put("member", member);
            rec.put("attempts", cluster.attempts(p.task()));
            if (member != null && rec.get("error") instanceof ObjectNode error && error.hasNonNull("message")) {
                error.put("message", error.get("message").asText() + " (on member " + member + ")");
            }
        } else if (countAttempts) {
            rec.put("attempts", Math.max(1, p.task().getAttempts()));
        }
        out.ended(p.seq(), p.line(), rec, status, ms, pid, workerGone, p.queuedNanos()[0], runNanos);
        stop.wake();
    }
}
