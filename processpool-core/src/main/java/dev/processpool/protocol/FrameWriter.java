package dev.processpool.protocol;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes frames to a stream. Each {@code write*} call writes one whole frame and flushes it; calls are
 * serialised so frames from different threads never interleave.
 */
public final class FrameWriter {

    private final DataOutputStream out;

    public FrameWriter(OutputStream out) {
        this(out, 64 * 1024);
    }

    /** @param bufferBytes how many bytes of frames one write(2) may gather (larger bodies go out directly) */
    public FrameWriter(OutputStream out, int bufferBytes) {
        this.out = new DataOutputStream(new BufferedOutputStream(out, bufferBytes));
    }

    /** A frame with an empty body. */
    public synchronized void writeEmpty(byte type) throws IOException {
        out.writeInt(1);
        out.writeByte(type);
        out.flush();
    }

    /**
     * A frame whose body is an int64 sequence number followed by {@code data} (which may be null: empty).
     * Without {@code flush} the frame may wait in the buffer for the next flushed frame, so that frames
     * written back to back go out in one system call.
     */
    public synchronized void writeSequenced(byte type, long sequence, byte[] data, boolean flush) throws IOException {
        int dataLength = data == null ? 0 : data.length;
        if (dataLength > Integer.MAX_VALUE - 9) {
            throw new ProtocolException("frame body too large: " + dataLength + " bytes");
        }
        out.writeInt(1 + 8 + dataLength);
        out.writeByte(type);
        out.writeLong(sequence);
        if (dataLength > 0) {
            out.write(data);
        }
        if (flush) {
            out.flush();
        }
    }

    /**
     * A {@link Protocol#FRAME_TASK} frame, written from the payload's parts (see {@link TaskPayload}); large
     * parts go from their own arrays to the channel.
     */
    public synchronized void writeTask(long sequence, TaskPayload payload, boolean flush) throws IOException {
        int size = payload.size();
        if (size > Integer.MAX_VALUE - 9) {
            throw new ProtocolException("frame body too large: " + size + " bytes");
        }
        out.writeInt(1 + 8 + size);
        out.writeByte(Protocol.FRAME_TASK);
        out.writeLong(sequence);
        payload.writeTo(out);
        if (flush) {
            out.flush();
        }
    }

    /**
     * A {@link Protocol#FRAME_RESULT} frame whose value is a lone {@code byte[]}, in {@link ValueCodec}'s
     * compact form, written from the array itself (no encoded copy first). Its length cannot change under
     * us, so the frame's length field stays true even if the task's code still writes into it.
     */
    public synchronized void writeBytesResult(long sequence, byte[] value, boolean flush) throws IOException {
        if (value.length > Integer.MAX_VALUE - 9 - ValueCodec.BYTES_HEADER) {
            throw new ProtocolException("frame body too large: " + value.length + " bytes");
        }
        out.writeInt(1 + 8 + ValueCodec.BYTES_HEADER + value.length);
        out.writeByte(Protocol.FRAME_RESULT);
        out.writeLong(sequence);
        out.writeByte(ValueCodec.BYTES);
        out.writeInt(value.length);
        out.write(value);
        if (flush) {
            out.flush();
        }
    }

    /**
     * {@link Protocol#FRAME_OUTPUT} frames for {@code b[off, off+len)}, written by task {@code sequence}
     * (-1: none) on {@code stream}; as many frames as {@link Protocol#MAX_OUTPUT_BYTES} requires, flushed.
     */
    public synchronized void writeOutput(long sequence, byte stream, byte[] b, int off, int len) throws IOException {
        do {
            int n = Math.min(len, Protocol.MAX_OUTPUT_BYTES);
            out.writeInt(1 + 9 + n);
            out.writeByte(Protocol.FRAME_OUTPUT);
            out.writeLong(sequence);
            out.writeByte(stream);
            out.write(b, off, n);
            off += n;
            len -= n;
        } while (len > 0);
        out.flush();
    }

    /** Sends whatever frames wait in the buffer. */
    public synchronized void flush() throws IOException {
        out.flush();
    }

    /** A frame with a body built by the caller. */
    public synchronized void writeRaw(byte type, byte[] body) throws IOException {
        out.writeInt(1 + body.length);
        out.writeByte(type);
        out.write(body);
        out.flush();
    }

    /** Writes a nullable string field: int32 byte count (-1 for null) and UTF-8 bytes. */
    public static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads a string field written by {@link #writeString}; rejects counts beyond what is left. */
    public static String readString(java.io.DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n == -1) {
            return null;
        }
        if (n < 0 || n > in.available()) {
            throw new ProtocolException("string field of " + n + " bytes does not fit in the frame");
        }
        byte[] bytes = new byte[n];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
