package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.processpool.ProcessTask;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Lines in chunks ({@code --chunk}): how many lines go into one task, the chunks themselves and the
 * answers to them. Sending a chunk of lines as one task frame, with the lines parsed, checked, run and
 * written as output lines in the worker ({@link LineChunk}), takes the parent's work per line down to
 * reading it and copying its output line.
 *
 * <p>With {@code --chunk auto} (the default) a run starts with lines of their own, measures how long its
 * lines run and then sizes each chunk to about {@value #TARGET_MILLIS} ms of work, doubling at most from
 * one chunk to the next, up to {@value #MAX_AUTO} lines: slow lines stay alone, no-op lines go
 * {@value #MAX_AUTO} at a time. A chunk that fails (a timeout, a dead worker) takes the size back to 1.
 * With {@code --max-tasks-per-worker} lines always run alone, since a worker counts tasks.
 */
final class Chunks {

    static final int TARGET_MILLIS = 10;
    static final int MAX_AUTO = 4096;
    /** A chunk's input is cut at this many bytes (a longer line goes alone). */
    static final int MAX_BYTES = 1 << 20;
    /** How much later than the run's timeout a chunk whose line overran it is stopped. */
    static final Duration PROGRESS_SLACK = Duration.ofMillis(100);

    private final LineChunk function;
    private final Duration timeout;
    private final Duration progressTimeout;
    private final int fixed;
    private volatile int size;
    private double meanNanos = -1;

    /**
     * @param fixed the lines per chunk, or 0 for automatic
     * @param ids   whether the run needs each line's id apart from its output line
     */
    Chunks(TaskTarget target, AllowedTasks allowed, Duration timeout, int fixed, boolean ids) {
        this.function = new LineChunk(target, allowed, timeout, Json.maxStringLength(), ids);
        this.timeout = timeout;
        this.progressTimeout = timeout.isZero() ? null : timeout.plus(PROGRESS_SLACK);
        this.fixed = fixed;
        this.size = fixed > 0 ? fixed : 1;
    }

    LineChunk function() {
        return function;
    }

    /** The run's timeout (ZERO: none): a chunk of one line has it as its own, exact as for a line alone. */
    Duration timeout() {
        return timeout;
    }

    /** A chunk is stopped when one of its lines runs this long (the run's timeout and a little more). */
    Duration progressTimeout() {
        return progressTimeout;
    }

    /** How many lines the next chunk takes; 1 means the next line goes alone. */
    int size() {
        return size;
    }

    /** A line that ran alone took {@code nanos}. */
    void observe(long nanos) {
        if (fixed == 0 && nanos >= 0) {
            adapt(nanos, 1);
        }
    }

    /** A chunk's lines ran. */
    void observe(Answer a) {
        if (fixed > 0) {
            return;
        }
        long sum = 0;
        int n = 0;
        for (int i = 0; i < a.count; i++) {
            if (a.nanos[i] >= 0) {
                sum += a.nanos[i];
                n++;
            }
        }
        if (n > 0) {
            adapt(sum / n, n);
        }
    }

    private synchronized void adapt(long nanos, int weight) {
        // the worker's own work per line (parsing, writing) is not in the task's time: count a microsecond
        double x = Math.max(nanos, 1_000);
        double w = Math.min(1.0, weight / 64.0);
        meanNanos = meanNanos < 0 ? x : meanNanos + w * (x - meanNanos);
        long wanted = (long) (TARGET_MILLIS * 1_000_000L / meanNanos);
        size = (int) Math.max(1, Math.min(Math.min(wanted, MAX_AUTO), 2L * size));
    }

    /** A chunk failed: automatic chunks start again from lines of their own. */
    synchronized void failed() {
        if (fixed == 0) {
            size = 1;
        }
    }

    // ============================================================================================ chunk

    /** Lines read into a chunk, in input order, until it is queued; then the chunk until its outcome. */
    static final class Chunk {
        private final LineChunk.Bytes payload = new LineChunk.Bytes(4096);
        private long[] seqs = new long[16];
        private long[] lines = new long[16];
        private int[] offsets = new int[16];
        private int n;
        private volatile ProcessTask task;
        private volatile long queuedNanos = -1;

        void add(long seq, long line, String text) {
            if (n == seqs.length) {
                seqs = Arrays.copyOf(seqs, n * 2);
                lines = Arrays.copyOf(lines, n * 2);
                offsets = Arrays.copyOf(offsets, n * 2);
            }
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            seqs[n] = seq;
            lines[n] = line;
            payload.putLong(line).putInt(b.length);
            offsets[n] = payload.size;
            payload.put(b, 0, b.length);
            n++;
        }

        int size() {
            return n;
        }

        int bytes() {
            return payload.size;
        }

        long seq(int i) {
            return seqs[i];
        }

        long line(int i) {
            return lines[i];
        }

        String text(int i) {
            int length = ByteBuffer.wrap(payload.data, offsets[i] - 4, 4).getInt();
            return new String(payload.data, offsets[i], length, StandardCharsets.UTF_8);
        }

        /** The id its output line gives a line (as {@link InputParser#outputId}). */
        JsonNode id(int i) {
            return Json.readableId(text(i));
        }

        int[] all() {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }

        List<Object> payload() {
            return List.of(Arrays.copyOf(payload.data, payload.size));
        }

        ProcessTask task(ProcessTask t) {
            task = t;
            return t;
        }

        ProcessTask task() {
            return task;
        }

        void queued(long nanos) {
            queuedNanos = nanos;
        }

        long queuedNanos() {
            return queuedNanos;
        }
    }

    // =========================================================================================== answer

    /**
     * A worker's answer to a chunk (the format is {@link LineChunk}'s), read and checked against the chunk:
     * one entry per line, for the chunk's lines in order, and output lines that are exactly one line each.
     * The output lines stay where they are, in the answer's bytes.
     */
    static final class Answer {
        private static final Status[] STATUSES = Status.values();
        final byte[] bytes;
        final int count;
        final long pid;
        final byte[] kind;
        final byte[] status;
        final byte[] flags;
        final long[] nanos;
        private final int[] id;
        private final int[] type;
        private final int[] message;
        final int[] outputOffset;
        final int[] outputLength;
        int outputStart;
        private int[] alone;

        private Answer(byte[] bytes, int count, long pid) {
            this.bytes = bytes;
            this.count = count;
            this.pid = pid;
            this.kind = new byte[count];
            this.status = new byte[count];
            this.flags = new byte[count];
            this.nanos = new long[count];
            this.id = new int[count];
            this.type = new int[count];
            this.message = new int[count];
            this.outputOffset = new int[count];
            this.outputLength = new int[count];
        }

        /** The answer, or null if these bytes are not a well-formed answer to this chunk. */
        static Answer read(byte[] b, Chunk c) {
            try {
                ByteBuffer in = ByteBuffer.wrap(b);
                int count = in.getInt();
                long pid = in.getLong();
                if (count != c.size() || pid <= 0) {
                    return null;
                }
                Answer a = new Answer(b, count, pid);
                int[] lengths = new int[count];
                // each entry and each output line in a method of its own: see readEntry
                int aloneCount = 0;
                for (int i = 0; i < count; i++) {
                    if (!a.readEntry(in, i, c.line(i), lengths)) {
                        return null;
                    }
                    if (a.kind[i] == LineChunk.ALONE) {
                        aloneCount++;
                    }
                }
                int at = in.position();
                a.outputStart = at;
                for (int i = 0; i < count && at >= 0; i++) {
                    at = a.placeLine(i, at, lengths[i]);
                }
                if (at != b.length) {
                    return null;
                }
                a.alone = new int[aloneCount];
                for (int i = 0, k = 0; k < aloneCount; i++) {
                    if (a.kind[i] == LineChunk.ALONE) {
                        a.alone[k++] = i;
                    }
                }
                return a;
            } catch (RuntimeException e) {
                return null; // cut short
            }
        }

        /**
         * Reads entry {@code i}, which must be for input line {@code line}, and the length of its output line;
         * false if it is not well-formed. Called once per line, so that the JIT compiles it after a few
         * hundred lines: a loop in {@link #read}, called once per chunk, would run interpreted for a long time.
         */
        private boolean readEntry(ByteBuffer in, int i, long line, int[] lengths) {
            if (in.getLong() != line) {
                return false;
            }
            kind[i] = in.get();
            status[i] = in.get();
            flags[i] = in.get();
            nanos[i] = in.getLong();
            id[i] = skipString(in);
            type[i] = skipString(in);
            message[i] = skipString(in);
            lengths[i] = in.getInt();
            if (kind[i] == LineChunk.DONE) {
                return lengths[i] >= 2 && (status[i] == Status.OK.ordinal() || status[i] == Status.ERROR.ordinal());
            }
            return kind[i] == LineChunk.ALONE && lengths[i] == 0;
        }

        /**
         * Places output line {@code i}, of {@code length} bytes at {@code at}: exactly one line, a '\n' at its
         * end and nowhere else. Returns where the next one starts, or -1 if it does not fit or is not one line.
         */
        private int placeLine(int i, int at, int length) {
            if (length > bytes.length - at) {
                return -1;
            }
            int end = at + length;
            if (length > 0 && (bytes[end - 1] != '\n' || indexOf(bytes, (byte) '\n', at, end - 1) >= 0)) {
                return -1;
            }
            outputOffset[i] = at;
            outputLength[i] = length;
            return end;
        }

        private static int skipString(ByteBuffer in) {
            int at = in.position();
            int n = in.getInt();
            if (n < -1 || n > in.remaining()) {
                throw new IllegalArgumentException("bad length");
            }
            in.position(in.position() + Math.max(n, 0));
            return at;
        }

        private static int indexOf(byte[] a, byte x, int from, int to) {
            for (int i = from; i < to; i++) {
                if (a[i] == x) {
                    return i;
                }
            }
            return -1;
        }

        /** The lines the worker handed back to be run alone. */
        int[] alone() {
            return alone;
        }

        boolean done(int i) {
            return kind[i] == LineChunk.DONE;
        }

        Status status(int i) {
            return STATUSES[status[i]];
        }

        boolean ran(int i) {
            return (flags[i] & LineChunk.HAS_PID) != 0;
        }

        boolean inputMessage(int i) {
            return (flags[i] & LineChunk.INPUT_MESSAGE) != 0;
        }

        /** The line's id as JSON, or null for none. */
        String idJson(int i) {
            return string(id[i]);
        }

        String errorType(int i) {
            return string(type[i]);
        }

        String errorMessage(int i) {
            return string(message[i]);
        }

        private String string(int at) {
            int n = ByteBuffer.wrap(bytes, at, 4).getInt();
            return n < 0 ? null : new String(bytes, at + 4, n, StandardCharsets.UTF_8);
        }
    }
}
