package dev.processpool.protocol;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames from a stream. The length field is checked against a limit before anything is allocated,
 * so a hostile or broken peer cannot make the reader allocate more than the limit.
 */
public final class FrameReader {

    private final DataInputStream in;
    private final int maxFrameBytes;

    public FrameReader(InputStream in, int maxFrameBytes) {
        this(in, maxFrameBytes, 64 * 1024);
    }

    /**
     * @param bufferBytes how much one read(2) may take in: frames that arrive together are read together
     *                    (larger bodies are read straight into their arrays, whatever the size)
     */
    public FrameReader(InputStream in, int maxFrameBytes, int bufferBytes) {
        // Buffered: a frame's header and a small body come in one read(2), not one per field.
        this.in = new DataInputStream(new java.io.BufferedInputStream(in, bufferBytes));
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Whether bytes of a next frame are already buffered, so that {@link #read} starts without waiting. */
    public boolean hasBufferedInput() throws IOException {
        return in.available() > 0;
    }

    /**
     * Reads the next frame.
     *
     * @return the frame, or {@code null} at a clean end of stream (between frames)
     * @throws ProtocolException if the length is out of range or the stream ends inside a frame
     */
    public Frame read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return null;
        }
        int length;
        byte type;
        byte[] body;
        try {
            length = (b0 << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
            if (length < 1) {
                throw new ProtocolException("frame length " + length + " is invalid");
            }
            if (length > maxFrameBytes) {
                throw new ProtocolException("frame of " + length + " bytes exceeds the limit of " + maxFrameBytes
                        + " bytes (maxFrameBytes)");
            }
            type = in.readByte();
            if (type == Protocol.FRAME_RESULT && length - 1 >= SEQUENCED_BYTES_HEADER) {
                return readResult(length - 1);
            }
            body = new byte[length - 1];
            in.readFully(body);
        } catch (EOFException e) {
            throw new ProtocolException("stream ended inside a frame (truncated frame)");
        }
        return new Frame(type, body);
    }

    /** Sequence number, then the tag and count of a compact {@code byte[]}. */
    private static final int SEQUENCED_BYTES_HEADER = 8 + ValueCodec.BYTES_HEADER;

    /**
     * A result frame. When its value is a lone {@code byte[]} (the usual large result), the bytes go from the
     * channel straight into the value's own array: no frame-sized array to fill and copy out of again.
     */
    private Frame readResult(int bodyLength) throws IOException {
        byte[] head = new byte[SEQUENCED_BYTES_HEADER];
        in.readFully(head);
        int count = ((head[9] & 0xFF) << 24) | ((head[10] & 0xFF) << 16) | ((head[11] & 0xFF) << 8) | (head[12] & 0xFF);
        if (head[8] == ValueCodec.BYTES && count == bodyLength - SEQUENCED_BYTES_HEADER) {
            byte[] value = new byte[count];
            in.readFully(value);
            return new Frame(Protocol.FRAME_RESULT, java.util.Arrays.copyOf(head, 8), value);
        }
        byte[] body = java.util.Arrays.copyOf(head, bodyLength);
        in.readFully(body, head.length, bodyLength - head.length);
        return new Frame(Protocol.FRAME_RESULT, body);
    }
}
