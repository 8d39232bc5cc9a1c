package dev.processpool.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;

/**
 * What a worker runs, as it travels in a {@link Protocol#FRAME_TASK} frame after the sequence number:
 * <pre>
 *   byte    kind        {@link #FUNCTION} or {@link #CALLABLE_CLASS}
 *   FUNCTION:        int32 length, then the Java-serialised function object
 *   CALLABLE_CLASS:  string binary class name
 *   int32   length of the arguments (0: no args and no kwargs), then either 'A' and the args list in
 *           {@link ValueCodec}'s compact form (plain values, no kwargs), or Java-serialised
 *           {@code Object[] {ArrayList args, LinkedHashMap kwargs}}
 * </pre>
 * The function's bytes are kept apart from the arguments so that both sides can cache them: the parent
 * serialises a stateless function once, the worker deserialises identical bytes once (see
 * {@link FunctionCache}).
 *
 * @param functionBytes  the serialised function, or null for a callable-class task
 * @param className      the callable class, or null for a function task
 * @param argumentBytes  the serialised {@code Object[] {args, kwargs}}, or an empty array for none
 */
public record TaskPayload(byte[] functionBytes, String className, byte[] argumentBytes) {

    public static final byte FUNCTION = 0;
    public static final byte CALLABLE_CLASS = 1;

    private static final byte[] NONE = new byte[0];
    /** First byte of an argument block in {@link ValueCodec}'s compact form (a Java stream starts 0xAC). */
    static final byte PLAIN_ARGS = 'A';

    /**
     * Serialises the arguments (in the caller's thread: a failure names what was not serialisable). Plain
     * positional arguments without kwargs take {@link ValueCodec}'s compact form, marked by a leading
     * {@link #PLAIN_ARGS}; anything else is a Java-serialised {@code Object[] {args, kwargs}}.
     */
    public static byte[] encodeArguments(java.util.List<Object> args, java.util.Map<String, Object> kwargs)
            throws IOException {
        if (args.isEmpty() && kwargs.isEmpty()) {
            return NONE;
        }
        java.util.ArrayList<Object> list = new java.util.ArrayList<>(args);
        if (kwargs.isEmpty() && ValueCodec.isPlain(list)) {
            byte[] plain = ValueCodec.encode(list);
            byte[] out = new byte[plain.length + 1];
            out[0] = PLAIN_ARGS;
            System.arraycopy(plain, 0, out, 1, plain.length);
            return out;
        }
        return JavaSerialization.serialize(new Object[] {list, new java.util.LinkedHashMap<>(kwargs)});
    }

    /**
     * Reads arguments written by {@link #encodeArguments}: {@code Object[] {ArrayList args, Map kwargs}}.
     */
    public static Object[] decodeArguments(byte[] bytes, ClassLoader loader)
            throws IOException, ClassNotFoundException {
        if (bytes.length == 0) {
            return new Object[] {new java.util.ArrayList<>(), new java.util.LinkedHashMap<>()};
        }
        if (bytes[0] == PLAIN_ARGS) {
            return new Object[] {ValueCodec.decode(bytes, 1, loader, null), new java.util.LinkedHashMap<>()};
        }
        return (Object[]) JavaSerialization.deserialize(bytes, 0, loader, null);
    }

    public byte[] encode() {
        byte[] name = className == null ? null : className.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int size = 1 + 4 + (functionBytes != null ? functionBytes.length : name.length) + 4 + argumentBytes.length;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(size); // exact: one array, no copies
        if (functionBytes != null) {
            out.put(FUNCTION).putInt(functionBytes.length).put(functionBytes);
        } else {
            out.put(CALLABLE_CLASS).putInt(name.length).put(name); // as FrameWriter.writeString
        }
        out.putInt(argumentBytes.length).put(argumentBytes);
        return out.array();
    }

    /** Reads a payload from a TASK frame's body, starting at {@code offset}. */
    public static TaskPayload decode(byte[] body, int offset) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(body, offset, body.length - offset));
        byte kind = in.readByte();
        byte[] function = null;
        String className = null;
        if (kind == FUNCTION) {
            function = readBlock(in);
        } else if (kind == CALLABLE_CLASS) {
            className = FrameWriter.readString(in);
        } else {
            throw new ProtocolException("unknown task kind " + kind);
        }
        return new TaskPayload(function, className, readBlock(in));
    }

    private static byte[] readBlock(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new ProtocolException("block of " + n + " bytes does not fit in the TASK frame");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }
}
