package dev.processpool.worker;

import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.TaskProgress;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Sends a PROGRESS frame for the running task, at most one per {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms.
 * A report with a payload that comes sooner is kept (the latest replaces it) and sent by {@link #flush}: from
 * the heartbeat thread, and before the task's answer. Connected to {@code TaskContext} through
 * {@link TaskProgress} (rather than setting TaskContext's fields by reflection at start-up, which cost the
 * first result a few milliseconds). Knows which task runs: {@link TaskRunner} tells it.
 */
final class ProgressReporter implements Runnable, BiConsumer<Double, String> {

    /** The sequence number of the running task, for progress reports; -1 between tasks. */
    private static volatile long currentSequence = -1;
    private static volatile long lastProgressNanos;
    /** The worker's progress reporter, once its channel is up. */
    private static volatile ProgressReporter current = new ProgressReporter(null);

    private final FrameWriter writer;
    /** The report waiting to be sent, and its task's sequence number; guarded by this. */
    private TaskProgress.Report pending;
    private long pendingSequence = -1;

    private ProgressReporter(FrameWriter writer) {
        this.writer = writer;
    }

    /** Connects {@code TaskContext} to this worker's channel. */
    static void install(FrameWriter writer) {
        ProgressReporter reporter = new ProgressReporter(writer);
        current = reporter;
        TaskProgress.install(reporter);
        TaskProgress.installDetailed(reporter);
    }

    /** The task with this sequence number starts running (main thread only). */
    static void taskStarts(long sequence) {
        currentSequence = sequence;
    }

    /** The running task returned or threw: its last report goes before its answer (main thread only). */
    static void taskEnds() {
        try {
            current.flush(true);
        } finally {
            currentSequence = -1;
        }
    }

    /** Between tasks (main thread only), also when a task ended before it could start. */
    static void noTask() {
        currentSequence = -1;
    }

    /** Sends a report that came too soon after the one before, now that its time has come (heartbeat thread). */
    static void flushDue() {
        current.flush(false);
    }

    @Override
    public void accept(Double fraction, String message) {
        long seq = currentSequence;
        if (seq < 0 || writer == null) {
            return;
        }
        synchronized (this) {
            pending = new TaskProgress.Report(fraction, message);
            pendingSequence = seq;
        }
        flush(false);
    }

    /** Sends the waiting report, if its task still runs and (unless {@code now}) it is not too soon. */
    synchronized void flush(boolean now) {
        TaskProgress.Report r = pending;
        if (r == null) {
            return;
        }
        long seq = pendingSequence;
        long at = System.nanoTime();
        if (seq != currentSequence) {
            pending = null; // its task has ended
            return;
        }
        if (!now && at - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(Protocol.PROGRESS_INTERVAL_MILLIS)) {
            return;
        }
        pending = null;
        lastProgressNanos = at;
        try {
            writer.writeSequenced(Protocol.FRAME_PROGRESS, seq, r.encode(), true);
        } catch (Throwable e) {
            // the channel is gone (the main loop notices and leaves), or the heap is exhausted: a report lost
        }
    }

    @Override
    public void run() {
        long now = System.nanoTime();
        long seq = currentSequence;
        if (seq < 0 || writer == null || now - lastProgressNanos < TimeUnit.MILLISECONDS.toNanos(Protocol.PROGRESS_INTERVAL_MILLIS)) {
            return;
        }
        lastProgressNanos = now;
        try {
            writer.writeSequenced(Protocol.FRAME_PROGRESS, seq, null, true);
        } catch (IOException e) {
            // the channel is gone: the main loop notices and leaves
        }
    }
}
