package dev.processpool.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.Externalizable;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInput;
import java.io.ObjectOutput;
import java.io.ObjectStreamException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire form of the command line's two task functions, {@link JsonTask} (a line alone) and
 * {@link LineChunk} (a chunk of lines): their settings in a few bytes, instead of Java's serial form of their
 * object graphs. Rebuilding two records, the regular expressions of {@code --allow-task}, an immutable list
 * and a {@code Duration} cost a cold worker about 50 ms of interpreted reflection and method-handle spinning
 * before its first line (async-profiler: 113 of a worker's 1,537 samples over 200,000 lines), and the parent
 * as much again over a run's tasks. {@code Externalizable}, with a public constructor, so that no
 * constructor accessor is spun for it either. What arrives is checked as the command line is: a name that
 * is not a class name, or an {@code --allow-task} pattern that allows too much, is refused.
 *
 * <p>The settings: a kind ({@link #LINE} or {@link #CHUNK}), the task (class name, whether a method follows,
 * the method name, whether only declared methods may be called), the {@code --allow-task} patterns (a count,
 * then each), then what the kind adds; strings as {@link DataOutputStream#writeUTF}.
 */
public final class FunctionWire implements Externalizable {

    private static final long serialVersionUID = 1L;

    static final byte LINE = 1;
    static final byte CHUNK = 2;
    /** More than any settings take (a class name, patterns): a forged length allocates no more. */
    private static final int MAX_BYTES = 1 << 20;

    /** Writes what a kind adds to the settings. */
    interface Fields {
        void write(DataOutputStream out) throws IOException;
    }

    private byte[] settings;

    /** For deserialisation only. */
    public FunctionWire() {
    }

    /** A function's wire form: its kind, its task and patterns, then its own {@code fields}. */
    FunctionWire(byte kind, TaskTarget target, AllowedTasks allowed, Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(kind);
            out.writeUTF(target.className());
            out.writeBoolean(target.methodName() != null);
            out.writeUTF(target.methodName() == null ? "" : target.methodName());
            out.writeBoolean(target.declaredOnly());
            List<String> patterns = allowed.patterns();
            out.writeInt(patterns.size());
            for (String p : patterns) {
                out.writeUTF(p);
            }
            fields.write(out);
            this.settings = bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from memory
        }
    }

    byte[] settings() {
        return settings.clone();
    }

    @Override
    public void writeExternal(ObjectOutput out) throws IOException {
        out.writeInt(settings.length);
        out.write(settings);
    }

    @Override
    public void readExternal(ObjectInput in) throws IOException {
        int n = in.readInt();
        if (n < 1 || n > MAX_BYTES) {
            throw new InvalidObjectException("a task function's settings of " + n + " bytes");
        }
        byte[] b = new byte[n];
        in.readFully(b);
        settings = b;
    }

    private Object readResolve() throws ObjectStreamException {
        if (settings == null) {
            throw new InvalidObjectException("a task function's settings are missing");
        }
        return decode(settings);
    }

    /** The function these settings describe, checked as the command line's are. */
    static Object decode(byte[] settings) throws InvalidObjectException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(settings));
            byte kind = in.readByte();
            String cls = in.readUTF();
            boolean hasMethod = in.readBoolean();
            String method = in.readUTF();
            boolean declaredOnly = in.readBoolean();
            TaskTarget target = TaskTarget.checked(cls, hasMethod ? method : null, declaredOnly);
            int n = in.readInt();
            if (n < 0 || n > settings.length) {
                throw new IOException("a count of " + n + " patterns");
            }
            List<String> patterns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                patterns.add(in.readUTF());
            }
            AllowedTasks allowed = AllowedTasks.parse(patterns);
            Object f = switch (kind) {
                case LINE -> new JsonTask(target, allowed);
                case CHUNK -> LineChunk.read(in, target, allowed);
                default -> throw new IOException("an unknown kind " + kind);
            };
            if (in.read() != -1) {
                throw new IOException("bytes after the settings");
            }
            return f;
        } catch (IOException | RuntimeException | BadInputException e) {
            InvalidObjectException x = new InvalidObjectException("a task function's settings are malformed: " + e);
            x.initCause(e);
            throw x;
        }
    }
}
