package dev.processpool.transport;

import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The parent's side of a new worker's handshake: the worker gets a random token on its stdin and must
 * present it, with the protocol's magic and version and its own pid, in one small HELLO, the only frame it
 * may send before it is welcomed; nothing large is allocated on its word. A worker that fails gets a REJECT
 * saying why; one that passes gets a WELCOME with the heartbeat intervals (busy and idle).
 */
final class Handshake {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Handshake() {
    }

    /** A fresh token for one worker. */
    static String newToken() {
        byte[] bytes = new byte[Protocol.TOKEN_LENGTH / 2];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Reads the worker's HELLO and answers it.
     *
     * @throws ProtocolException when the HELLO is missing or wrong (the worker was sent a REJECT)
     */
    static void perform(FrameReader reader, FrameWriter writer, String token, long pid, Duration heartbeat,
                        Duration idleHeartbeat) throws IOException {
        reader.setGate(Handshake::admit);
        Frame hello = reader.read();
        String problem = check(hello, token, pid);
        if (problem != null) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            FrameWriter.writeString(new DataOutputStream(body), problem);
            try {
                writer.writeRaw(Protocol.FRAME_REJECT, body.toByteArray());
            } catch (IOException ignored) {
                // it is being rejected anyway
            }
            throw new ProtocolException("handshake failed: " + problem);
        }
        ByteArrayOutputStream welcome = new ByteArrayOutputStream();
        DataOutputStream welcomeFields = new DataOutputStream(welcome);
        welcomeFields.writeShort(Protocol.VERSION);
        welcomeFields.writeInt((int) Math.min(Integer.MAX_VALUE, heartbeat.toMillis()));
        welcomeFields.writeInt((int) Math.min(Integer.MAX_VALUE, idleHeartbeat.toMillis()));
        writer.writeRaw(Protocol.FRAME_WELCOME, welcome.toByteArray());
    }

    /** Most bytes of a HELLO body: magic, version, pid and a token string, with room to spare. */
    private static final int MAX_HELLO_BYTES = 4096;

    /** Before the handshake a worker may send one small HELLO, nothing else: nothing large is allocated. */
    private static boolean admit(byte type, long sequence, int bodyBytes) throws ProtocolException {
        if (type != Protocol.FRAME_HELLO || bodyBytes > MAX_HELLO_BYTES) {
            throw new ProtocolException("expected HELLO, got " + Protocol.frameName(type) + " of " + bodyBytes + " bytes");
        }
        return true;
    }

    private static String check(Frame hello, String token, long pid) throws IOException {
        if (hello == null) {
            return "channel closed before the worker's HELLO";
        }
        if (hello.type() != Protocol.FRAME_HELLO) {
            return "expected HELLO, got " + hello;
        }
        DataInputStream in = hello.fields();
        int magic = in.readInt();
        if (magic != Protocol.MAGIC) {
            return "bad magic 0x" + Integer.toHexString(magic);
        }
        short version = in.readShort();
        if (version != Protocol.VERSION) {
            return "worker speaks protocol version " + version + ", the pool speaks " + Protocol.VERSION
                    + " (mixed processpool versions on the class path?)";
        }
        long workerPid = in.readLong();
        String presented = FrameWriter.readString(in);
        if (presented == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                token.getBytes(StandardCharsets.UTF_8))) {
            return "wrong token";
        }
        if (workerPid != pid) {
            return "worker reports pid " + workerPid + " but was launched as " + pid;
        }
        return null;
    }
}
