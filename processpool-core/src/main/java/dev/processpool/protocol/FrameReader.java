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
        // Buffered: a frame's header and a small body come in one read(2), not one per field.
        this.in = new DataInputStream(new java.io.BufferedInputStream(in, 64 * 1024));
        this.maxFrameBytes = maxFrameBytes;
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
            body = new byte[length - 1];
            in.readFully(body);
        } catch (EOFException e) {
            throw new ProtocolException("stream ended inside a frame (truncated frame)");
        }
        return new Frame(type, body);
    }
}
