package dev.processpool.transport;

import dev.processpool.protocol.TaskPayload;

import java.io.IOException;

/** The pool's handle on one launched worker: send it work, stop it, kill it. */
public interface WorkerChannel {

    /** The worker's process id. */
    long pid();

    /**
     * Sends a task; the worker runs the tasks it receives one at a time, in order. Blocks while the channel's
     * buffer is full.
     *
     * @param flush false when another task for this worker follows at once (they go out in one write)
     * @throws IOException if the worker cannot be reached; the task was then not delivered whole
     */
    void sendTask(long sequence, TaskPayload payload, boolean flush) throws IOException;

    /** Asks the worker to drop a task it has received but not started; best effort. */
    void cancelTask(long sequence);

    /**
     * Asks the worker to give back every task it holds and has not started ({@link WorkerEvents#tasksGivenBack}
     * follows); best effort.
     */
    void reclaimUnstarted();

    /** Asks the worker to exit normally; does nothing if it cannot be reached. */
    void requestShutdown();

    /** Sends SIGTERM to the worker's process tree. */
    void terminate();

    /** Sends SIGKILL to the worker's process tree: the worker and everything its tasks started. */
    void kill();

    /** Whether the worker's process is alive. */
    boolean isAlive();

    /** When anything (a frame or part of one) last arrived from the worker, in {@link System#nanoTime()}. */
    long lastActivityNanos();

    /** The worker's resident memory in bytes, if it can be read. */
    java.util.OptionalLong residentBytes();

    /**
     * How long each of the worker's threads has waited for a CPU so far, if that can be read: a silent
     * worker whose threads mostly waited for a CPU is starved by its host, not unresponsive. Empty by default
     * (and where it cannot be read): silence alone then counts.
     */
    default java.util.Optional<RunQueueWaits> runQueueWaits() {
        return java.util.Optional.empty();
    }

    /**
     * What the worker left behind to say why it died (its JVM's fatal error report, its heap dump), once
     * {@link WorkerEvents#exited} has been reported; empty before, or when it left nothing.
     */
    default java.util.Optional<CrashReport> crashReport() {
        return java.util.Optional.empty();
    }
}
