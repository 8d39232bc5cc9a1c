package dev.processpool.protocol;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker runs, as it travels in a {@link Protocol#FRAME_TASK} frame after the sequence number:
 * <pre>
 *   optional: byte {@link #OPTIONS}, int32 attempt (1 for the first), int64 soft timeout in nanoseconds (0: none);
 *             written only when one of them differs from its default, so a first attempt's frame is unchanged
 *   byte    kind        {@link #FUNCTION} or {@link #CALLABLE_CLASS}
 *   FUNCTION:        int32 length, then the function: a {@link CompactLambda} (a lambda that captures
 *                    nothing) or the Java-serialised function object
 *   CALLABLE_CLASS:  string binary class name
 *   int32   length of the arguments (0: no args and no kwargs), then either 'A' and the args list in
 *           {@link ValueCodec}'s compact form (plain values, no kwargs), or Java-serialised
 *           {@code Object[] {ArrayList args, LinkedHashMap kwargs}}
 * </pre>
 * The function's bytes are kept apart from the arguments so that both sides can cache them: the parent
 * serialises a stateless function once, the worker deserialises identical bytes once (see
 * {@link FunctionCache}). The parts are written to the channel one after the other and never joined into
 * one array, and a received payload refers to its arguments inside the frame's body: a 1 MiB argument is
 * not copied on its way through.
 */
public final class TaskPayload {

    public static final byte FUNCTION = 0;
    public static final byte CALLABLE_CLASS = 1;
    /** Marks the optional block of per-attempt settings before the kind. */
    static final byte OPTIONS = 2;

    private static final byte[] NONE = new byte[0];
    /** First byte of an argument block in {@link ValueCodec}'s compact form (a Java stream starts 0xAC). */
    static final byte PLAIN_ARGS = 'A';

    private final byte[] functionBytes;
    private final String className;
    private final byte[] classNameBytes;
    private final byte[] argumentBytes;
    private final int argumentOffset;
    private final int argumentLength;
    /** Which attempt at the task this is: 1 for the first. */
    private final int attempt;
    /** The soft timeout in nanoseconds (the worker interrupts the task then), or 0 for none. */
    private final long softTimeoutNanos;

    /**
     * @param functionBytes the serialised function, or null for a callable-class task
     * @param className     the callable class, or null for a function task
     * @param argumentBytes the arguments from {@link #encodeArguments}, or an empty array for none
     */
    public TaskPayload(byte[] functionBytes, String className, byte[] argumentBytes) {
        this(functionBytes, className, argumentBytes, 0, argumentBytes.length, 1, 0);
    }

    private TaskPayload(byte[] functionBytes, String className, byte[] argumentBytes, int argumentOffset,
                        int argumentLength, int attempt, long softTimeoutNanos) {
        if (attempt < 1 || softTimeoutNanos < 0) {
            throw new IllegalArgumentException("attempt must be >= 1 and the soft timeout >= 0, were " + attempt
                    + " and " + softTimeoutNanos);
        }
        if ((functionBytes == null) == (className == null)) {
            throw new IllegalArgumentException("a task payload has a function or a class name, not both or neither");
        }
        this.functionBytes = functionBytes;
        this.className = className;
        this.classNameBytes = className == null ? null : className.getBytes(StandardCharsets.UTF_8);
        this.argumentBytes = argumentBytes;
        this.argumentOffset = argumentOffset;
        this.argumentLength = argumentLength;
        this.attempt = attempt;
        this.softTimeoutNanos = softTimeoutNanos;
    }

    /**
     * The same task for another attempt, or with a soft timeout: the function and arguments are shared, not
     * copied.
     *
     * @param attempt          which attempt: 1 for the first
     * @param softTimeoutNanos the soft timeout in nanoseconds, or 0 for none
     * @return the payload with these settings (this one when they are its own)
     */
    public TaskPayload with(int attempt, long softTimeoutNanos) {
        if (attempt == this.attempt && softTimeoutNanos == this.softTimeoutNanos) {
            return this;
        }
        return new TaskPayload(functionBytes, className, argumentBytes, argumentOffset, argumentLength, attempt,
                softTimeoutNanos);
    }

    /** {@return which attempt at the task this is: 1 for the first} */
    public int attempt() {
        return attempt;
    }

    /** {@return the soft timeout in nanoseconds, or 0 for none} */
    public long softTimeoutNanos() {
        return softTimeoutNanos;
    }

    private boolean hasOptions() {
        return attempt != 1 || softTimeoutNanos != 0;
    }

    /** The serialised function, or null for a callable-class task. */
    public byte[] functionBytes() {
        return functionBytes;
    }

    /** The callable class's binary name, or null for a function task. */
    public String className() {
        return className;
    }

    /**
     * Serialises the arguments (in the caller's thread: a failure names what was not serialisable). Plain
     * positional arguments without kwargs take {@link ValueCodec}'s compact form, marked by a leading
     * {@link #PLAIN_ARGS}; anything else is a Java-serialised {@code Object[] {args, kwargs}}.
     */
    public static byte[] encodeArguments(List<Object> args, Map<String, Object> kwargs) throws IOException {
        if (args.isEmpty() && kwargs.isEmpty()) {
            return NONE;
        }
        ArrayList<Object> list = new ArrayList<>(args);
        if (kwargs.isEmpty() && ValueCodec.isPlain(list)) {
            return ValueCodec.encodePlain(PLAIN_ARGS, list);
        }
        return JavaSerialization.serialize(new Object[] {list, new LinkedHashMap<>(kwargs)});
    }

    /**
     * The arguments: {@code Object[] {ArrayList args, Map kwargs}}, with Java-serialised ones read through
     * {@code loader}.
     */
    public Object[] decodeArguments(ClassLoader loader) throws IOException, ClassNotFoundException {
        if (argumentLength == 0) {
            return new Object[] {new ArrayList<>(), new LinkedHashMap<>()};
        }
        int end = argumentOffset + argumentLength;
        if (argumentBytes[argumentOffset] == PLAIN_ARGS) {
            return new Object[] {ValueCodec.decode(argumentBytes, argumentOffset + 1, end, loader, null),
                    new LinkedHashMap<>()};
        }
        return (Object[]) JavaSerialization.deserialize(argumentBytes, argumentOffset, argumentLength, loader, null);
    }

    /** Bytes {@link #writeTo} writes. */
    int size() {
        return (hasOptions() ? 1 + 4 + 8 : 0) + 1 + 4 + (functionBytes != null ? functionBytes.length : classNameBytes.length) + 4 + argumentLength;
    }

    /** Writes the payload's fields (see the class comment). */
    void writeTo(DataOutputStream out) throws IOException {
        if (hasOptions()) {
            out.writeByte(OPTIONS);
            out.writeInt(attempt);
            out.writeLong(softTimeoutNanos);
        }
        if (functionBytes != null) {
            out.writeByte(FUNCTION);
            out.writeInt(functionBytes.length);
            out.write(functionBytes);
        } else {
            out.writeByte(CALLABLE_CLASS);
            out.writeInt(classNameBytes.length); // as FrameWriter.writeString
            out.write(classNameBytes);
        }
        out.writeInt(argumentLength);
        out.write(argumentBytes, argumentOffset, argumentLength);
    }

    /** The payload as one array, as it follows the sequence number in a TASK frame. */
    public byte[] encode() throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(size());
        writeTo(new DataOutputStream(bytes));
        return bytes.toByteArray();
    }

    /**
     * Reads a payload from a TASK frame's body, starting at {@code offset}. The arguments stay in
     * {@code body}, which must not change afterwards.
     */
    public static TaskPayload decode(byte[] body, int offset) throws IOException {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body, offset, body.length - offset);
        try {
            byte kind = in.get();
            int attempt = 1;
            long softTimeoutNanos = 0;
            if (kind == OPTIONS) {
                attempt = in.getInt();
                softTimeoutNanos = in.getLong();
                if (attempt < 1 || softTimeoutNanos < 0) {
                    throw new ProtocolException("attempt " + attempt + " or soft timeout " + softTimeoutNanos
                            + " out of range in the TASK frame");
                }
                kind = in.get();
            }
            byte[] function = null;
            String className = null;
            if (kind == FUNCTION) {
                function = new byte[blockLength(in, "function")];
                in.get(function);
            } else if (kind == CALLABLE_CLASS) {
                int n = in.getInt();
                if (n < 0 || n > in.remaining()) {
                    throw new ProtocolException("class name of " + n + " bytes does not fit in the TASK frame");
                }
                className = new String(body, in.position(), n, StandardCharsets.UTF_8);
                in.position(in.position() + n);
            } else {
                throw new ProtocolException("unknown task kind " + kind);
            }
            int argumentLength = blockLength(in, "argument");
            if (argumentLength != in.remaining()) {
                throw new ProtocolException((in.remaining() - argumentLength) + " bytes left over in the TASK frame");
            }
            return new TaskPayload(function, className, body, in.position(), argumentLength, attempt,
                    softTimeoutNanos);
        } catch (java.nio.BufferUnderflowException e) {
            throw new ProtocolException("TASK frame truncated");
        }
    }

    private static int blockLength(java.nio.ByteBuffer in, String what) throws ProtocolException {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new ProtocolException(what + " block of " + n + " bytes does not fit in the TASK frame");
        }
        return n;
    }
}
