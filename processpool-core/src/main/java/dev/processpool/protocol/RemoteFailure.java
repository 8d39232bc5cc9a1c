package dev.processpool.protocol;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * An exception thrown in a worker, in a form the parent can always read: every level of the cause chain as
 * type, message and stack frames, the printed stack trace, and (when the exception could be serialised)
 * the serialised exception itself. The body of an {@link Protocol#FRAME_ERROR} frame after its sequence
 * number:
 * <pre>
 *   byte    kind            {@link #TASK_THREW}, {@link #RESULT_NOT_SERIALIZABLE} or {@link #THREW_AFTER_SOFT_TIMEOUT}
 *   string  printed stack trace
 *   int32   levels          exception, then its causes
 *   per level: string type, string message, int32 frames, per frame: string class, string method,
 *              string file, int32 line
 *   int32   serialised bytes (0 when the exception was not serialisable), then those bytes
 * </pre>
 */
public final class RemoteFailure {

    /** The task's code threw (or the task could not be set up: unknown class, no matching constructor). */
    public static final byte TASK_THREW = 0;
    /** The task returned a value that could not be serialised. */
    public static final byte RESULT_NOT_SERIALIZABLE = 1;
    /** The task's code threw after its soft timeout had interrupted it: the soft deadline ended it. */
    public static final byte THREW_AFTER_SOFT_TIMEOUT = 2;

    private static final int MAX_LEVELS = 32;
    private static final int MAX_FRAMES = 1024;

    /** One level of the cause chain. */
    public record Level(String type, String message, StackTraceElement[] frames) {
    }

    private final byte kind;
    private final String printedStackTrace;
    private final List<Level> levels;
    private final byte[] serialized;

    public RemoteFailure(byte kind, String printedStackTrace, List<Level> levels, byte[] serialized) {
        this.kind = kind;
        this.printedStackTrace = printedStackTrace;
        this.levels = List.copyOf(levels);
        this.serialized = serialized;
    }

    /** Describes a throwable caught in the worker; serialises it too when it can. */
    public static RemoteFailure of(byte kind, Throwable t) {
        StringWriter sw = new StringWriter();
        try (PrintWriter pw = new PrintWriter(sw)) {
            t.printStackTrace(pw);
        }
        List<Level> levels = new ArrayList<>();
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable c = t; c != null && levels.size() < MAX_LEVELS && seen.put(c, true) == null; c = c.getCause()) {
            StackTraceElement[] st = c.getStackTrace();
            if (st.length > MAX_FRAMES) {
                st = java.util.Arrays.copyOf(st, MAX_FRAMES);
            }
            levels.add(new Level(c.getClass().getName(), c.getMessage(), st));
        }
        byte[] bytes;
        try {
            bytes = JavaSerialization.serialize(t);
        } catch (IOException | RuntimeException | StackOverflowError notSerializable) {
            bytes = null;
        }
        return new RemoteFailure(kind, sw.toString(), levels, bytes);
    }

    public byte kind() {
        return kind;
    }

    public String printedStackTrace() {
        return printedStackTrace;
    }

    /** The exception and its causes, outermost first; never empty. */
    public List<Level> levels() {
        return levels;
    }

    /** The serialised exception, or null when it could not be serialised. */
    public byte[] serialized() {
        return serialized;
    }

    public byte[] encode() throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(1024);
        DataOutputStream out = new DataOutputStream(bos);
        out.writeByte(kind);
        FrameWriter.writeString(out, printedStackTrace);
        out.writeInt(levels.size());
        for (Level level : levels) {
            FrameWriter.writeString(out, level.type());
            FrameWriter.writeString(out, level.message());
            out.writeInt(level.frames().length);
            for (StackTraceElement e : level.frames()) {
                FrameWriter.writeString(out, e.getClassName());
                FrameWriter.writeString(out, e.getMethodName());
                FrameWriter.writeString(out, e.getFileName());
                out.writeInt(e.getLineNumber());
            }
        }
        out.writeInt(serialized == null ? 0 : serialized.length);
        if (serialized != null) {
            out.write(serialized);
        }
        out.flush();
        return bos.toByteArray();
    }

    /** Reads a failure from the fields of an ERROR frame positioned after the sequence number. */
    public static RemoteFailure decode(DataInputStream in) throws IOException {
        byte kind = in.readByte();
        if (kind != TASK_THREW && kind != RESULT_NOT_SERIALIZABLE && kind != THREW_AFTER_SOFT_TIMEOUT) {
            throw new ProtocolException("unknown failure kind " + kind);
        }
        String printed = FrameWriter.readString(in);
        int n = in.readInt();
        if (n < 1 || n > MAX_LEVELS) {
            throw new ProtocolException("failure with " + n + " cause levels");
        }
        List<Level> levels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String type = FrameWriter.readString(in);
            if (type == null) {
                throw new ProtocolException("failure level without a type");
            }
            String message = FrameWriter.readString(in);
            int frames = in.readInt();
            if (frames < 0 || frames > MAX_FRAMES) {
                throw new ProtocolException("failure level with " + frames + " stack frames");
            }
            StackTraceElement[] st = new StackTraceElement[frames];
            for (int f = 0; f < frames; f++) {
                String cls = FrameWriter.readString(in);
                String method = FrameWriter.readString(in);
                String file = FrameWriter.readString(in);
                int line = in.readInt();
                st[f] = new StackTraceElement(cls == null ? "?" : cls, method == null ? "?" : method, file, line);
            }
            levels.add(new Level(type, message, st));
        }
        int len = in.readInt();
        if (len < 0 || len > in.available()) {
            throw new ProtocolException("serialised exception of " + len + " bytes does not fit in the frame");
        }
        byte[] serialized = null;
        if (len > 0) {
            serialized = new byte[len];
            in.readFully(serialized);
        }
        return new RemoteFailure(kind, printed, levels, serialized);
    }
}
