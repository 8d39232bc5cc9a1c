package dev.processpool.cli;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.processpool.ProcessPool;
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
import java.util.concurrent.RejectedExecutionException;

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
    private final Map<String, Pending> outstanding = new ConcurrentHashMap<>();
    private final Object submitLock = new Object();
    private volatile ProcessPool pool;

    LineTasks(Outcomes out, RunStop stop, Run run) {
        this.out = out;
        this.stop = stop;
        this.run = run;
    }

    void pool(ProcessPool pool) {
        this.pool = pool;
    }

    /** Whether every queued task has its outcome. */
    boolean idle() {
        return outstanding.isEmpty();
    }

    /** Queues a line's task, waiting while the pool's queue is full; a line the run no longer takes is not run. */
    void submit(long seq, long line, JsonNode id, InputParser.Request r) {
        String taskId = "line-" + line;
        Pending[] self = new Pending[1];
        ProcessTask task = ProcessTask.builder(new JsonTask(r.target()))
                .taskId(taskId)
                .args(r.args())
                .kwargs(r.kwargs())
                .timeout(r.timeout())
                .callback((t, result) -> guarded(self[0], () -> onResult(self[0], result)))
                .exceptionCallback((t, failure) -> guarded(self[0], () -> onFailure(self[0], t, failure)))
                .build();
        Pending p = new Pending(seq, line, id, task, new long[] {-1});
        self[0] = p;
        outstanding.put(taskId, p);
        while (true) {
            synchronized (submitLock) {
                if (stop.stopping()) {
                    outstanding.remove(taskId);
                    out.notRun(seq, line, id);
                    return;
                }
                try {
                    p.queuedNanos()[0] = System.nanoTime();
                    if (pool.queueTask(task, Duration.ofMillis(100), false)) {
                        return;
                    }
                } catch (RejectedExecutionException e) {
                    outstanding.remove(taskId);
                    out.notRun(seq, line, id);
                    return;
                } catch (IllegalArgumentException e) {
                    outstanding.remove(taskId);
                    out.badInput(seq, line, id, e.getMessage());
                    return;
                }
            }
        }
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
    }

    /** Whatever has no outcome by now (it should not happen) is written as not run, so no line goes missing. */
    void cancelLeftovers() {
        for (Pending p : new ArrayList<>(outstanding.values())) {
            if (outstanding.remove("line-" + p.line()) != null) {
                out.notRun(p.seq(), p.line(), p.id());
            }
        }
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
        long ms = o.durationNanos / 1_000_000;
        if (o.ok) {
            JsonNode result;
            try {
                result = out.mapper().readTree(o.resultJson);
            } catch (StreamConstraintsException e) {
                long n = Json.stringOverLimit(e, o.resultJson);
                writeError(p, e.getClass().getName(), n >= 0
                        ? String.format(Locale.ROOT, "the result holds a string of %,d characters, over the limit"
                        + " of %,d (--max-string-length)", n, Json.maxStringLength())
                        : "the result exceeds a limit of JSON: " + e.getOriginalMessage(), null, o.workerPid, ms, false,
                        o.durationNanos);
                return;
            } catch (IOException e) {
                writeError(p, e.getClass().getName(), "the result is not valid JSON: " + e.getMessage(), null,
                        o.workerPid, ms, false, o.durationNanos);
                return;
            }
            ObjectNode rec = out.record(p.line(), p.id(), Status.OK);
            rec.set("result", result);
            rec.put("workerPid", o.workerPid);
            rec.put("durationMs", ms);
            done(p, rec, Status.OK, ms, o.workerPid, false, o.durationNanos);
        } else {
            if (BadInputException.class.getName().equals(o.errorType)) {
                out.inputMessage(p.line(), o.errorMessage);
            }
            writeError(p, o.errorType, o.errorMessage, o.stackTrace, o.workerPid, ms, false, o.durationNanos);
        }
    }

    private void onFailure(Pending p, ProcessTask task, TaskException f) {
        long knownPid = f.getWorkerPid() > 0 ? f.getWorkerPid() : task.getWorkerPid();
        Long pid = knownPid > 0 ? knownPid : null;
        Long ran = task.getRunTime().isZero() ? null : task.getRunTime().toMillis();
        long runNanos = task.getRunTime().isZero() ? -1 : task.getRunTime().toNanos();
        RunStop.State st = stop.state();
        if (f instanceof TaskTimeoutException t) {
            ObjectNode rec = out.record(p.line(), p.id(), Status.TIMEOUT);
            rec.set("error", out.error(f.getClass().getName(), (t.isProgressTimeout() ? "reported no progress for "
                    : "timed out after ") + Durations.format(t.getTimeout()) + "; the worker was killed", null));
            long ms = ran != null ? ran : t.getTimeout().toMillis();
            Outcomes.putPidAndDuration(rec, pid, ms);
            done(p, rec, Status.TIMEOUT, ms, pid, true, runNanos >= 0 ? runNanos : t.getTimeout().toNanos());
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
        outstanding.remove("line-" + p.line());
        out.error(p.seq(), p.line(), p.id(), type, message, stackTrace, pid, ms, workerGone, p.queuedNanos()[0],
                runNanos);
        stop.wake();
    }

    private void done(Pending p, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone,
                      long runNanos) {
        outstanding.remove("line-" + p.line());
        out.ended(p.seq(), p.line(), rec, status, ms, pid, workerGone, p.queuedNanos()[0], runNanos);
        stop.wake();
    }
}
