package dev.processpool.transport;

import dev.processpool.WorkerOutputListener;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.TaskProgress;

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

    /**
     * The running task reported progress with a payload ({@code TaskContext.reportProgress(fraction, message)}).
     * By default only a sign of progress.
     *
     * @param sequence the task's wire number
     * @param report   how far it is and what it is doing
     */
    default void taskProgress(long sequence, TaskProgress.Report report) {
        taskProgress(sequence);
    }

    /** The worker's heartbeat arrived. */
    void heartbeat();

    /**
     * The header of a task's answer (a {@link dev.processpool.protocol.Protocol#FRAME_RESULT RESULT} or
     * {@link dev.processpool.protocol.Protocol#FRAME_ERROR ERROR} frame) has arrived, before its body is read.
     * May wait (for memory to hold the body); the time it waits is not the worker's silence.
     *
     * @param valueBytes the bytes of the body after the sequence number
     * @return true to read the body ({@link #answer} follows), false to skip it unread
     * @throws ProtocolException    if the worker may not send this answer now: the reader stops, and
     *                              {@link #channelBroken} has already been reported
     * @throws InterruptedException if the worker is being killed while this waits
     */
    boolean answerArriving(byte type, long sequence, int valueBytes) throws ProtocolException, InterruptedException;

    /** A task's answer, whole, after {@link #answerArriving} said to read it: a RESULT or ERROR frame. */
    void answer(Frame frame);

    /** The worker gave these tasks back unstarted (in the order it received them); it will not run them. */
    void tasksGivenBack(long[] sequences);

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
