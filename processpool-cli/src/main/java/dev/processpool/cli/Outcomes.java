package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.processpool.TaskCancelledException;
import dev.processpool.WorkerStartException;
import dev.processpool.cli.report.RunReport;
import dev.processpool.cli.report.TaskRecord;
import dev.processpool.cli.report.TaskStatus;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where outcomes go: one output line each (in input order with {@code --ordered}), a job-log line with
 * {@code --joblog}, the counts for the progress line and the summary, and the messages about bad input
 * lines on stderr. Thread-safe: outcomes arrive from the feeder, the callback thread and the main thread.
 *
 * <p>A failed line stops a {@code --fail-fast} run, and an output or job log that cannot be written stops
 * any run, through {@link Stopper}.
 */
final class Outcomes {

    /** What the run does when an outcome asks it to stop. */
    interface Stopper {
        void stop(RunStop.Reason reason, String why);
    }

    static final String CANCELLED_TYPE = TaskCancelledException.class.getName();
    static final String START_FAILURE_TYPE = WorkerStartException.class.getName();
    private static final int MAX_INPUT_MESSAGES = 20;

    private final RunContext run;
    private final OutputSink sink;
    private final JobLog jobLog;
    private final RunReport report;
    private final Stopper stopper;
    private final AtomicInteger inputMessages = new AtomicInteger();

    Outcomes(RunContext run, OutputSink sink, JobLog jobLog, RunReport report, Stopper stopper) {
        this.run = run;
        this.sink = sink;
        this.jobLog = jobLog;
        this.report = report;
        this.stopper = stopper;
    }

    // ========================================================================================= records

    ObjectNode record(long line, JsonNode id, Status status) {
        return record(mapper(), line, id, status);
    }

    ObjectNode error(String type, String message, String stackTrace) {
        return error(mapper(), type, message, stackTrace);
    }

    /** An output line's first fields: id (the line number if it has none), line, status. */
    static ObjectNode record(ObjectMapper mapper, long line, JsonNode id, Status status) {
        ObjectNode rec = mapper.createObjectNode();
        rec.set("id", id != null ? id : LongNode.valueOf(line));
        rec.put("line", line);
        rec.put("status", status.label);
        return rec;
    }

    /** An output line's {@code error} field. */
    static ObjectNode error(ObjectMapper mapper, String type, String message, String stackTrace) {
        ObjectNode e = mapper.createObjectNode();
        e.put("type", type);
        e.put("message", message);
        e.put("stackTrace", stackTrace);
        return e;
    }

    static void putPidAndDuration(ObjectNode rec, Long pid, Long ms) {
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

    /** The mapper, made when first needed: a run whose lines all go in chunks may never need one here. */
    ObjectMapper mapper() {
        return Json.mapper();
    }

    // ======================================================================================== outcomes

    /**
     * A line that ran (or was meant to) and ended: written, counted; a failure stops a --fail-fast run.
     *
     * @param queuedNanos when its task was queued ({@link System#nanoTime()}), or -1
     * @param runNanos    how long its task ran, or -1 if it never started
     */
    void ended(long seq, long line, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone,
               long queuedNanos, long runNanos) {
        if (pid != null) {
            CliLog.release(); // a worker has started: what the pool said while none had may be shown
        }
        emit(seq, rec, status, ms, pid, workerGone, queuedNanos, runNanos);
        if (status != Status.OK && status != Status.CANCELLED && run.settings().failFast()) {
            stopper.stop(RunStop.Reason.FAIL_FAST, "--fail-fast: line " + line + " failed");
        }
    }

    /** A line that cannot be run: an error line, and a message on stderr. */
    void badInput(long seq, long line, JsonNode id, String message) {
        inputMessage(line, message);
        ObjectNode rec = record(line, id, Status.ERROR);
        rec.set("error", error(BadInputException.class.getName(), message, null));
        putPidAndDuration(rec, null, null);
        emit(seq, rec, Status.ERROR, null, null, false, -1, -1);
        if (run.settings().failFast()) {
            stopper.stop(RunStop.Reason.FAIL_FAST, "--fail-fast: line " + line + " failed");
        }
    }

    /** The message about a bad input line on stderr: the first {@value #MAX_INPUT_MESSAGES}, then one more. */
    void inputMessage(long line, String message) {
        if (run.settings().quiet()) {
            return;
        }
        int n = inputMessages.incrementAndGet();
        if (n <= MAX_INPUT_MESSAGES) {
            run.console().message("processpool: line " + line + ": " + Console.printable(message));
        } else if (n == MAX_INPUT_MESSAGES + 1) {
            run.console().message("processpool: more input errors follow; the output has them all");
        }
    }

    /** A line the run did not run because it stopped: cancelled, or an error when no worker could start. */
    void notRun(long seq, long line, JsonNode id) {
        RunStop.State st = run.stop().state();
        boolean noWorkers = st.reason() == RunStop.Reason.NO_WORKERS;
        Status status = noWorkers ? Status.ERROR : Status.CANCELLED;
        ObjectNode rec = record(line, id, status);
        rec.set("error", noWorkers ? error(START_FAILURE_TYPE, startErrorMessage(), null)
                : error(CANCELLED_TYPE, "not run: " + st.why(), null));
        putPidAndDuration(rec, null, null);
        emit(seq, rec, status, null, null, false, -1, -1);
    }

    /** What a line that never ran because no worker could start says. */
    String startErrorMessage() {
        return "not run: no worker could be started: " + run.stop().state().startError();
    }

    private void emit(long seq, ObjectNode rec, Status status, Long ms, Long pid, boolean workerGone,
                      long queuedNanos, long runNanos) {
        if (run.stop().closed()) {
            return;
        }
        run.stats().record(status, ms, pid, workerGone);
        if (report != null) {
            long now = System.nanoTime();
            JsonNode error = rec.path("error");
            JsonNode id = rec.get("id");
            report.taskEnded(new TaskRecord(id.isTextual() ? id.textValue() : id.toString(), rec.path("line").asLong(),
                    pid == null ? -1 : pid, queuedNanos < 0 ? -1 : report.since(queuedNanos),
                    runNanos < 0 ? -1 : report.since(now - runNanos), report.since(now),
                    TaskStatus.ofLabel(status.label), error.path("type").textValue(), error.path("message").textValue()));
        }
        sink.emit(seq, rec);
        if (sink.failure() != null && run.stop().reason() == null) {
            stopper.stop(RunStop.Reason.OUTPUT_BROKEN, "the output could not be written");
        }
        if (jobLog != null) {
            JsonNode type = rec.path("error").path("type");
            String idJson;
            try {
                idJson = mapper().writeValueAsString(rec.get("id"));
            } catch (IOException e) {
                idJson = null;
            }
            logJob(rec.path("line").asLong(), idJson, status, ms, pid, type.isTextual() ? type.asText() : null);
        }
    }

    /**
     * The lines of a chunk that the worker ran (or found bad): their output lines as the worker wrote them,
     * counted, reported and logged one by one; a failure among them stops a --fail-fast run.
     */
    void chunkEnded(Chunks.Chunk c, Chunks.Answer a) {
        if (run.stop().closed()) {
            return;
        }
        long[] ends = report == null ? null : ends(a, System.nanoTime());
        long failed = -1;
        boolean ran = false;
        for (int i = 0; i < a.count; i++) {
            if (a.done(i)) {
                ran |= a.ran(i);
                if (!lineEnded(c, a, i, ends == null ? 0 : ends[i]) && failed < 0) {
                    failed = c.line(i);
                }
            }
        }
        if (ran) {
            CliLog.release(); // a worker has started: what the pool said while none had may be shown
        }
        sink.emit(c, a);
        if (sink.failure() != null && run.stop().reason() == null) {
            stopper.stop(RunStop.Reason.OUTPUT_BROKEN, "the output could not be written");
        }
        if (jobLog != null) {
            for (int i = 0; i < a.count; i++) {
                if (!a.done(i)) {
                    continue;
                }
                if (!logJob(c.line(i), a.idJson(i), a.status(i), a.ran(i) ? a.nanos[i] / 1_000_000 : null,
                        a.ran(i) ? a.pid : null, a.errorType(i))) {
                    break;
                }
            }
        }
        if (failed >= 0 && run.settings().failFast()) {
            stopper.stop(RunStop.Reason.FAIL_FAST, "--fail-fast: line " + failed + " failed");
        }
    }

    /**
     * When each line of a chunk that ended {@code now} ended, for the report: the lines ran one after the
     * other, the last until now.
     */
    private static long[] ends(Chunks.Answer a, long now) {
        long[] ends = new long[a.count];
        long end = now;
        for (int i = a.count - 1; i >= 0; i--) {
            ends[i] = end;
            if (a.done(i) && a.nanos[i] > 0) {
                end -= a.nanos[i];
            }
        }
        return ends;
    }

    /**
     * Counts line {@code i} of a chunk that ran, reports it, and returns whether it is ok. Called once per line,
     * so that the JIT compiles it after a few hundred lines: the loop in {@link #chunkEnded}, called once per
     * chunk, would run interpreted for tens of thousands of lines.
     *
     * @param end when the line ended (read for the report only)
     */
    private boolean lineEnded(Chunks.Chunk c, Chunks.Answer a, int i, long end) {
        Status status = a.status(i);
        Long pid = a.ran(i) ? a.pid : null;
        Long ms = a.ran(i) ? a.nanos[i] / 1_000_000 : null;
        run.stats().record(status, ms, pid, false);
        if (report != null) {
            String id = a.idJson(i);
            if (id != null && id.startsWith("\"")) {
                id = textOf(id);
            }
            report.taskEnded(new TaskRecord(id == null ? Long.toString(c.line(i)) : id, c.line(i),
                    pid == null ? -1 : pid, report.since(c.queuedNanos()),
                    pid == null ? -1 : report.since(end - a.nanos[i]), report.since(end),
                    TaskStatus.ofLabel(status.label), a.errorType(i), a.errorMessage(i)));
        }
        if (a.inputMessage(i)) {
            inputMessage(c.line(i), a.errorMessage(i));
        }
        return status == Status.OK;
    }

    /** A job log line; a job log that cannot be written stops the run, said once. Returns whether it was written. */
    private boolean logJob(long line, String idJson, Status status, Long ms, Long pid, String errorType) {
        try {
            jobLog.record(line, idJson, status, ms, pid, errorType);
            return true;
        } catch (IOException e) {
            if (run.stop().reason() == null) {
                run.console().message("processpool: the job log " + run.settings().jobLog() + " could not be written: "
                        + Runner.describe(e));
                stopper.stop(RunStop.Reason.OUTPUT_BROKEN, "the job log could not be written");
            }
            return false;
        }
    }

    private String textOf(String json) {
        try {
            return mapper().readTree(json).textValue();
        } catch (IOException e) {
            return json;
        }
    }

    // ========================================================================================== files

    /** Forces the output and the job log to the disk if a second has passed (the monitor's tick). */
    void syncIfDue() throws IOException {
        sink.syncIfDue();
        if (jobLog != null) {
            jobLog.syncIfDue();
        }
    }

    /** Forces the output and the job log to the disk now (at exit). */
    void sync() {
        sink.sync();
        if (jobLog != null) {
            try {
                jobLog.sync();
            } catch (IOException e) {
                // reported when it is closed
            }
        }
    }

    /** Writes what waits, closes the output and the job log; nothing is written after this. */
    void close() {
        run.stop().close();
        sink.close();
        if (jobLog != null) {
            try {
                jobLog.close();
            } catch (IOException e) {
                run.console().message("processpool: the job log " + run.settings().jobLog() + " could not be written: "
                        + Runner.describe(e));
            }
        }
    }

    /** The output's write failure, or null. */
    IOException failure() {
        return sink.failure();
    }

    /** How many ordered results wait for an earlier one. */
    int waitingCount() {
        return sink.waitingCount();
    }
}
