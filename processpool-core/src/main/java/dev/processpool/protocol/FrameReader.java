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
    private volatile FrameGate gate;

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

    /** From now on, asks {@code gate} before reading each frame's body (null: read every body). */
    public void setGate(FrameGate gate) {
        this.gate = gate;
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
        while (true) {
            int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            try {
                Frame f = readFrame(b0);
                if (f != null) {
                    return f;
                }
                // its body was skipped at the gate's word: on to the next frame
            } catch (EOFException e) {
                throw new ProtocolException("stream ended inside a frame (truncated frame)");
            }
        }
    }

    /** The frame whose first byte is {@code b0}; null if the gate had its body skipped. */
    private Frame readFrame(int b0) throws IOException {
        int length = (b0 << 24) | (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
        if (length < 1) {
            throw new ProtocolException("frame length " + length + " is invalid");
        }
        if (length > maxFrameBytes) {
            throw new ProtocolException("frame of " + length + " bytes exceeds the limit of " + maxFrameBytes
                    + " bytes (maxFrameBytes)");
        }
        byte type = in.readByte();
        FrameGate g = gate;
        if (g != null) {
            boolean answer = type == Protocol.FRAME_RESULT || type == Protocol.FRAME_ERROR;
            if (answer && length - 1 < 8) {
                throw new ProtocolException(Protocol.frameName(type) + " frame too short for a sequence number: "
                        + (length - 1) + " bytes");
            }
            if (!answer) {
                try {
                    g.admit(type, -1, length - 1); // throws if not allowed
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while checking a frame");
                }
            } else {
                byte[] sequence = new byte[8];
                in.readFully(sequence);
                boolean read;
                try {
                    read = g.admit(type, new Frame(type, sequence).sequence(), length - 9);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting to read a "
                            + Protocol.frameName(type) + " frame of " + (length - 1) + " bytes");
                }
                if (!read) {
                    in.skipNBytes(length - 9);
                    return null;
                }
                return type == Protocol.FRAME_RESULT ? readResult(sequence, length - 1)
                        : new Frame(type, rest(sequence, length - 1));
            }
        }
        if (type == Protocol.FRAME_RESULT && length - 1 >= 8) {
            byte[] sequence = new byte[8];
            in.readFully(sequence);
            return readResult(sequence, length - 1);
        }
        byte[] body = new byte[length - 1];
        in.readFully(body);
        return new Frame(type, body);
    }

    /** A body of {@code bodyLength} bytes whose first (sequence) bytes have been read already. */
    private byte[] rest(byte[] head, int bodyLength) throws IOException {
        byte[] body = java.util.Arrays.copyOf(head, bodyLength);
        in.readFully(body, head.length, bodyLength - head.length);
        return body;
    }

    /** Sequence number, then the tag and count of a compact {@code byte[]}. */
    private static final int SEQUENCED_BYTES_HEADER = 8 + ValueCodec.BYTES_HEADER;

    /**
     * A result frame. When its value is a lone {@code byte[]} (the usual large result), the bytes go from the
     * channel straight into the value's own array: no frame-sized array to fill and copy out of again.
     */
    private Frame readResult(byte[] sequence, int bodyLength) throws IOException {
        if (bodyLength < SEQUENCED_BYTES_HEADER) {
            return new Frame(Protocol.FRAME_RESULT, rest(sequence, bodyLength));
        }
        byte[] head = java.util.Arrays.copyOf(sequence, SEQUENCED_BYTES_HEADER);
        in.readFully(head, 8, SEQUENCED_BYTES_HEADER - 8);
        int count = ((head[9] & 0xFF) << 24) | ((head[10] & 0xFF) << 16) | ((head[11] & 0xFF) << 8) | (head[12] & 0xFF);
        if (head[8] == ValueCodec.BYTES && count == bodyLength - SEQUENCED_BYTES_HEADER) {
            byte[] value = new byte[count];
            in.readFully(value);
            return new Frame(Protocol.FRAME_RESULT, sequence, value);
        }
        return new Frame(Protocol.FRAME_RESULT, rest(head, bodyLength));
    }
}
