package dev.processpool.worker;

import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.TaskProgress;
import dev.processpool.protocol.ValueCodec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingDeque;

/**
 * Runs one task on the worker's main thread and answers for it: STARTED, then exactly one RESULT or ERROR,
 * with the task's output marked off before the answer (see {@link OutputMarks}), its last progress report
 * sent before it (see {@link ProgressReporter}) and its soft deadline armed around it (see
 * {@link SoftDeadline}). After a {@link VirtualMachineError} other than {@link StackOverflowError} the worker
 * exits with {@value #EXIT_AFTER_VM_ERROR}, once the error has been sent.
 */
final class TaskRunner {

    /** Exit code after a VirtualMachineError other than StackOverflowError (the JVM may be unusable). */
    static final int EXIT_AFTER_VM_ERROR = 5;

    /** Where this JVM's heap dump goes on an OutOfMemoryError (-XX:HeapDumpPath), or null for none. */
    private static Path heapDump;

    /** Whether the last task's soft timeout had passed when it returned or threw (main thread only). */
    private static boolean softEnded;

    private TaskRunner() {
    }

    /** Reads where the JVM writes its heap dump, if anywhere (before the first task). */
    static void init() {
        String dumps = System.getProperty(Protocol.HEAP_DUMP_PROPERTY);
        heapDump = dumps == null || dumps.isEmpty() ? null
                : Path.of(dumps, Protocol.heapDumpName(ProcessHandle.current().pid()));
    }

    /**
     * Runs the task of a TASK frame and sends its answer; flushes the answer unless a next task is already
     * here (its STARTED frame flushes both: one write, not two).
     */
    static void run(Frame frame, FrameWriter writer, BlockingDeque<Frame> next) throws IOException {
        long seq = frame.sequence();
        ProgressReporter.taskStarts(seq);
        OutputMarks.taskStarts(seq);
        writer.writeSequenced(Protocol.FRAME_STARTED, seq, null, true);
        Object result;
        try {
            softEnded = false;
            TaskPayload payload = TaskPayload.decode(frame.body(), 8);
            TaskProgress.taskStarts(payload.attempt());
            SoftDeadline.arm(payload.softTimeoutNanos());
            try {
                result = TaskInvoker.invoke(payload);
            } finally {
                ProgressReporter.taskEnds(); // the task's last report comes before its answer
                softEnded = SoftDeadline.end();
            }
        } catch (Throwable t) {
            ProgressReporter.noTask();
            markOutput(seq);
            sendFailure(writer, seq, softEnded ? RemoteFailure.THREW_AFTER_SOFT_TIMEOUT : RemoteFailure.TASK_THREW,
                    namingTheHeapDump(t), true);
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                // After an OutOfMemoryError or an InternalError the JVM may be in a bad state: start afresh.
                System.err.println("processpool worker exits after " + t);
                Runtime.getRuntime().halt(EXIT_AFTER_VM_ERROR);
            }
            return;
        }
        if (result instanceof byte[] array) {
            markOutput(seq);
            writer.writeBytesResult(seq, array, next.isEmpty());
            return;
        }
        byte[] bytes;
        try {
            bytes = ValueCodec.encode(result);
        } catch (Throwable t) {
            markOutput(seq);
            sendFailure(writer, seq, RemoteFailure.RESULT_NOT_SERIALIZABLE, t, next.isEmpty());
            return;
        }
        markOutput(seq);
        // With the next task already here, its STARTED frame will flush this result too: one write, not two.
        writer.writeSequenced(Protocol.FRAME_RESULT, seq, bytes, next.isEmpty());
    }

    /**
     * An OutOfMemoryError after which the JVM wrote a heap dump, as one whose message names the dump (same
     * stack trace, same suppressed exceptions); anything else as it is.
     */
    private static Throwable namingTheHeapDump(Throwable t) {
        Path dump = heapDump;
        if (!(t instanceof OutOfMemoryError) || dump == null || !Files.isRegularFile(dump)) {
            return t;
        }
        try {
            OutOfMemoryError named = new OutOfMemoryError(t.getMessage() + " (heap dump: " + dump + ")");
            named.setStackTrace(t.getStackTrace());
            for (Throwable s : t.getSuppressed()) {
                named.addSuppressed(s);
            }
            return named;
        } catch (Throwable noMemory) {
            return t;
        }
    }

    /** Marks where the task's output ends, if it printed (see {@link OutputMarks}). */
    private static void markOutput(long seq) {
        try {
            OutputMarks.taskEnds(seq);
        } catch (RuntimeException | Error markFailed) {
            // best effort (the heap may be exhausted): lines are then tagged by arrival
        }
    }

    private static void sendFailure(FrameWriter writer, long seq, byte kind, Throwable t, boolean flush)
            throws IOException {
        byte[] body;
        try {
            body = RemoteFailure.of(kind, t).encode();
        } catch (Throwable describeFailed) {
            body = RemoteFailure.of(kind, new RuntimeException(t.getClass().getName()
                    + " (its description failed: " + describeFailed + ")")).encode();
        }
        writer.writeSequenced(Protocol.FRAME_ERROR, seq, body, flush);
    }
}
