package dev.processpool.cli;

import java.io.Serializable;

/**
 * What a {@link JsonTask} sends back from the worker: the result already written as JSON (so the parent
 * needs none of the task's classes and results need not be serialisable), or what the task threw; with the
 * worker's pid and how long the task ran there.
 */
final class TaskOutcome implements Serializable {

    private static final long serialVersionUID = 1L;

    final boolean ok;
    final String resultJson;
    final String errorType;
    final String errorMessage;
    final String stackTrace;
    final long workerPid;
    final long durationNanos;

    private TaskOutcome(boolean ok, String resultJson, String errorType, String errorMessage, String stackTrace,
                        long workerPid, long durationNanos) {
        this.ok = ok;
        this.resultJson = resultJson;
        this.errorType = errorType;
        this.errorMessage = errorMessage;
        this.stackTrace = stackTrace;
        this.workerPid = workerPid;
        this.durationNanos = durationNanos;
    }

    static TaskOutcome ok(String resultJson, long pid, long nanos) {
        return new TaskOutcome(true, resultJson, null, null, null, pid, nanos);
    }

    static TaskOutcome failed(String type, String message, String stackTrace, long pid, long nanos) {
        return new TaskOutcome(false, null, type, message, stackTrace, pid, nanos);
    }
}
