package dev.processpool.protocol;

import java.io.IOException;
import java.io.ObjectInputFilter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Encodes results and arguments: a compact tagged form for the common plain values, Java serialisation for
 * everything else. Java serialisation costs microseconds per value even for {@code null} and copies byte
 * arrays in 1 KiB blocks; lists of boxed numbers (a map's chunk) dominated the batched path.
 *
 * <p>The compact form covers {@code null}, {@link Boolean}, {@link Integer}, {@link Long}, {@link Double},
 * {@link String}, {@code byte[]} and {@link ArrayList}s of those (nested up to {@value #MAX_DEPTH} deep),
 * matched by exact class, so a value comes back with the class it had. Anything else, anywhere in the
 * value, makes the whole value go through Java serialisation. The two are told apart by the first bytes: a
 * Java stream starts with {@code 0xACED}, which is no tag.
 * <pre>
 *   NULL | TRUE | FALSE
 *   INT int32 | LONG int64 | DOUBLE float64 (IEEE bits)
 *   STRING int32 byte count, UTF-8 bytes | BYTES int32 count, bytes
 *   LIST int32 count, that many values
 * </pre>
 * Decoding checks every count against the bytes left, so a peer cannot make it allocate more than the
 * input's size, and limits nesting.
 */
public final class ValueCodec {

    static final byte NULL = 1;
    static final byte TRUE = 2;
    static final byte FALSE = 3;
    static final byte INT = 4;
    static final byte LONG = 5;
    static final byte DOUBLE = 6;
    static final byte STRING = 7;
    static final byte BYTES = 8;
    static final byte LIST = 9;

    static final int MAX_DEPTH = 32;

    private ValueCodec() {
    }

    /** Encodes a value; Java serialisation when it is not plain (may throw NotSerializableException). */
    public static byte[] encode(Object value) throws IOException {
        long size = compactSize(value, 0);
        if (size < 0 || size > Integer.MAX_VALUE - 16) {
            return JavaSerialization.serialize(value);
        }
        Out out = new Out((int) size);
        write(out, value);
        return out.finish();
    }

    /**
     * The compact form of a plain value behind one leading {@code prefix} byte, built in one array (a large
     * {@code byte[]} inside is copied once).
     *
     * @throws IllegalArgumentException if the value is not plain
     */
    static byte[] encodePlain(byte prefix, Object value) {
        long size = compactSize(value, 0);
        if (size < 0 || size > Integer.MAX_VALUE - 17) {
            throw new IllegalArgumentException("not a plain value of compact size: " + value.getClass().getName());
        }
        Out out = new Out((int) size + 1);
        out.b(prefix);
        write(out, value);
        return out.finish();
    }

    /** Whether {@link #encode} would use the compact form for this value. */
    public static boolean isPlain(Object value) {
        return compactSize(value, 0) >= 0;
    }

    /**
     * Decodes a value from {@code bytes[offset..]}. Java-serialised values are read with {@code loader} and
     * {@code filter}.
     */
    public static Object decode(byte[] bytes, int offset, ClassLoader loader, ObjectInputFilter filter)
            throws IOException, ClassNotFoundException {
        return decode(bytes, offset, bytes.length, loader, filter);
    }

    /** Decodes a value that fills {@code bytes[offset..end)} exactly. */
    public static Object decode(byte[] bytes, int offset, int end, ClassLoader loader, ObjectInputFilter filter)
            throws IOException, ClassNotFoundException {
        if (end - offset >= 2 && bytes[offset] == (byte) 0xAC && bytes[offset + 1] == (byte) 0xED) {
            return JavaSerialization.deserialize(bytes, offset, end - offset, loader, filter);
        }
        In in = new In(bytes, offset, end);
        Object v = read(in, 0);
        if (in.pos != end) {
            throw new ProtocolException((end - in.pos) + " bytes left over after a value");
        }
        return v;
    }

    /**
     * The value a {@link Protocol#FRAME_RESULT} frame carries after its sequence number: the array that
     * {@link FrameReader} read straight off the channel for a lone {@code byte[]}, or else the value decoded
     * from the body.
     */
    public static Object decodeResult(Frame frame, ClassLoader loader, ObjectInputFilter filter)
            throws IOException, ClassNotFoundException {
        byte[] direct = frame.bytesValue();
        return direct != null ? direct : decode(frame.body(), 8, loader, filter);
    }

    /** Tag and count of a lone {@code byte[]} value: what {@link FrameReader} looks for in a result frame. */
    static final int BYTES_HEADER = 5;

    /** The exact compact size of a plain value, or -1 if it is not plain (strings: an upper bound). */
    private static long compactSize(Object v, int depth) {
        if (v == null || v instanceof Boolean) {
            return 1;
        }
        Class<?> c = v.getClass();
        if (c == Integer.class) {
            return 5;
        }
        if (c == Long.class || c == Double.class) {
            return 9;
        }
        if (c == String.class) {
            return 5 + 3L * ((String) v).length();
        }
        if (c == byte[].class) {
            return 5 + ((byte[]) v).length;
        }
        if (c == ArrayList.class && depth < MAX_DEPTH) {
            long size = 5;
            for (Object e : (List<?>) v) {
                long s = compactSize(e, depth + 1);
                if (s < 0) {
                    return -1;
                }
                size += s;
            }
            return size;
        }
        return -1;
    }

    private static void write(Out out, Object v) {
        if (v == null) {
            out.b(NULL);
        } else if (v instanceof Boolean b) {
            out.b(b ? TRUE : FALSE);
        } else if (v instanceof Integer i) {
            out.b(INT);
            out.i(i);
        } else if (v instanceof Long l) {
            out.b(LONG);
            out.l(l);
        } else if (v instanceof Double d) {
            out.b(DOUBLE);
            out.l(Double.doubleToRawLongBits(d));
        } else if (v instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            out.b(STRING);
            out.i(utf8.length);
            out.bytes(utf8);
        } else if (v instanceof byte[] a) {
            out.b(BYTES);
            out.i(a.length);
            out.bytes(a);
        } else {
            List<?> list = (List<?>) v;
            out.b(LIST);
            out.i(list.size());
            for (Object e : list) {
                write(out, e);
            }
        }
    }

    private static Object read(In in, int depth) throws ProtocolException {
        byte tag = in.b();
        switch (tag) {
            case NULL: return null;
            case TRUE: return Boolean.TRUE;
            case FALSE: return Boolean.FALSE;
            case INT: return in.i();
            case LONG: return in.l();
            case DOUBLE: return Double.longBitsToDouble(in.l());
            case STRING: return new String(in.bytes(in.count(1)), StandardCharsets.UTF_8);
            case BYTES: return in.bytes(in.count(1));
            case LIST: {
                if (depth >= MAX_DEPTH) {
                    throw new ProtocolException("values nested more than " + MAX_DEPTH + " deep");
                }
                int n = in.count(1); // every element takes at least one byte
                ArrayList<Object> list = new ArrayList<>(n);
                for (int k = 0; k < n; k++) {
                    list.add(read(in, depth + 1));
                }
                return list;
            }
            default:
                throw new ProtocolException("unknown value tag " + tag);
        }
    }

    private static final class Out {
        private byte[] buf;
        private int n;

        Out(int capacity) {
            buf = new byte[capacity];
        }

        private void ensure(int k) {
            if (n + k > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + k));
            }
        }

        void b(byte v) {
            ensure(1);
            buf[n++] = v;
        }

        void i(int v) {
            ensure(4);
            buf[n++] = (byte) (v >>> 24);
            buf[n++] = (byte) (v >>> 16);
            buf[n++] = (byte) (v >>> 8);
            buf[n++] = (byte) v;
        }

        void l(long v) {
            i((int) (v >>> 32));
            i((int) v);
        }

        void bytes(byte[] a) {
            ensure(a.length);
            System.arraycopy(a, 0, buf, n, a.length);
            n += a.length;
        }

        byte[] finish() {
            return n == buf.length ? buf : Arrays.copyOf(buf, n);
        }
    }

    private static final class In {
        private final byte[] buf;
        private final int end;
        private int pos;

        In(byte[] buf, int pos, int end) {
            this.buf = buf;
            this.pos = pos;
            this.end = end;
        }

        private void need(int k) throws ProtocolException {
            if (k < 0 || end - pos < k) {
                throw new ProtocolException("value truncated: " + k + " more bytes needed, " + (end - pos)
                        + " left");
            }
        }

        byte b() throws ProtocolException {
            need(1);
            return buf[pos++];
        }

        int i() throws ProtocolException {
            need(4);
            int v = ((buf[pos] & 0xFF) << 24) | ((buf[pos + 1] & 0xFF) << 16) | ((buf[pos + 2] & 0xFF) << 8)
                    | (buf[pos + 3] & 0xFF);
            pos += 4;
            return v;
        }

        long l() throws ProtocolException {
            return ((long) i() << 32) | (i() & 0xFFFFFFFFL);
        }

        /** A count of items each taking at least {@code minBytes}: never more than the bytes left allow. */
        int count(int minBytes) throws ProtocolException {
            int n = i();
            if (n < 0 || (long) n * minBytes > end - pos) {
                throw new ProtocolException("count " + n + " does not fit in the " + (end - pos)
                        + " bytes left");
            }
            return n;
        }

        byte[] bytes(int n) throws ProtocolException {
            need(n);
            byte[] out = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return out;
        }
    }
}
