package dev.processpool.protocol;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;

/** One received frame: its type and body. */
public final class Frame {

    private final byte type;
    private final byte[] body;
    private final byte[] bytesValue;

    public Frame(byte type, byte[] body) {
        this(type, body, null);
    }

    /**
     * @param bytesValue for a frame whose body is a sequence number and one compact {@code byte[]} value: that
     *                   value, read straight into its own array ({@code body} then holds the sequence only)
     */
    Frame(byte type, byte[] body, byte[] bytesValue) {
        this.type = type;
        this.body = body;
        this.bytesValue = bytesValue;
    }

    /** The lone {@code byte[]} value that followed the sequence number, if it was read apart; else null. */
    public byte[] bytesValue() {
        return bytesValue;
    }

    public byte type() {
        return type;
    }

    public byte[] body() {
        return body;
    }

    /** The body as a stream of fields. */
    public DataInputStream fields() {
        return new DataInputStream(new ByteArrayInputStream(body));
    }

    /** The leading int64 sequence number of a task frame. */
    public long sequence() throws ProtocolException {
        if (body.length < 8) {
            throw new ProtocolException(Protocol.frameName(type) + " frame too short for a sequence number: "
                    + body.length + " bytes");
        }
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (body[i] & 0xFF);
        }
        return v;
    }

    @Override
    public String toString() {
        return Protocol.frameName(type) + "(" + body.length + " bytes)";
    }
}
