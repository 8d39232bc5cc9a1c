package dev.processpool.transport;

import java.io.IOException;

/** The pool's handle on one launched worker: send it work, stop it, kill it. */
public interface WorkerChannel {

    /** The worker's process id. */
    long pid();

    /**
     * Sends a task. Called by one thread at a time per worker (the scheduler gives a worker one task at a
     * time); blocks while the channel's buffer is full.
     *
     * @throws IOException if the worker cannot be reached; the task was then not delivered whole
     */
    void sendTask(long sequence, byte[] payload) throws IOException;

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
}
