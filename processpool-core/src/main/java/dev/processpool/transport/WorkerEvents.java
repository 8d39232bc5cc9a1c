package dev.processpool.transport;

import dev.processpool.WorkerOutputListener;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.RemoteFailure;

import java.util.List;

/**
 * What a worker reports to the pool. Called from the transport's threads: task events from the worker's
 * reader thread, in order; output from its output-reading threads; {@link #exited} once, last.
 */
public interface WorkerEvents {

    /** The worker started executing the task with this sequence number. */
    void taskStarted(long sequence);

    /** The running task reported progress. */
    void taskProgress(long sequence);

    /** The worker's heartbeat arrived. */
    void heartbeat();

    /** The task finished with a result (serialised). */
    void taskSucceeded(long sequence, Frame result);

    /** The worker gave these tasks back unstarted (in the order it received them); it will not run them. */
    void tasksGivenBack(long[] sequences);

    /** The task failed in the worker. */
    void taskFailed(long sequence, RemoteFailure failure);

    /**
     * The channel broke (the worker sent something the protocol does not allow, or closed it while alive).
     * The transport has already started killing the worker; {@link #exited} follows.
     */
    void channelBroken(String reason);

    /**
     * A line the worker wrote to stdout or stderr.
     *
     * @param sequence the task that wrote it, when output markers say so; -1 when unknown (written outside
     *                 {@code System.out}/{@code System.err}, or between tasks)
     */
    void output(WorkerOutputListener.Stream stream, String line, long sequence);

    /** The worker's process has exited. */
    void exited(int exitCode, List<String> stderrTail);
}
