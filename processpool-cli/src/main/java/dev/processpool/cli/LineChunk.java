package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.processpool.TaskContext;
import dev.processpool.TaskFunction;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The task function of a chunk of input lines (see {@code --chunk}): runs in a worker, and does there
 * what the parent does for a line of its own: parses the line, refuses a {@code "task"} that
 * {@code --allow-task} does not allow, checks the arguments, runs the task through {@link JsonTask} and
 * writes the line's output line, byte for byte the one the parent would have written. The parent only
 * copies those bytes to the output.
 *
 * <p>A line is handed back to be run alone, as a task of its own with its own exact timeout, when it
 * names a timeout other than the run's, or when it ran for the run's timeout or longer (alone it might have
 * timed out). A line is not run at all but handed back once the chunk's output passes
 * {@value #MAX_OUTPUT_BYTES} bytes. An error that takes the worker down (out of memory, a crash, an exit)
 * fails the whole chunk, and the parent runs each of its lines alone.
 *
 * <p>The request, one {@code byte[]}: per line, its number (8 bytes), its length (4) and its UTF-8 bytes.
 * The answer, one {@code byte[]}: a count (4), then per line its number (8), {@link #DONE} or
 * {@link #ALONE} (1), its {@link Status} ordinal (1), flags (1: {@link #INPUT_MESSAGE}, {@link #HAS_PID}),
 * its run time in nanoseconds or -1 (8), its id, error type and error message as length-prefixed UTF-8
 * (4 + n each, -1 for none) and the length of its output line (4); then every output line, in order,
 * each with its {@code \n}.
 */
final class LineChunk implements TaskFunction {

    private static final long serialVersionUID = 1L;

    static final byte DONE = 0;
    static final byte ALONE = 1;
    static final int INPUT_MESSAGE = 1;
    static final int HAS_PID = 2;
    /** Past this much output, the chunk's remaining lines are handed back unrun. */
    static final int MAX_OUTPUT_BYTES = 4 << 20;

    private final TaskTarget target;
    private final AllowedTasks allowed;
    private final Duration timeout;
    private final int maxStringLength;
    private final boolean ids;
    private final boolean quick;
    private transient volatile InputParser parser;

    /**
     * @param ids whether the parent needs each line's id apart from its output line (for the job log and
     *            the report)
     */
    LineChunk(TaskTarget target, AllowedTasks allowed, Duration timeout, int maxStringLength, boolean ids) {
        this(target, allowed, timeout, maxStringLength, ids, true);
    }

    /** @param quick whether common lines take the quick way ({@link FastLine}); false for tests of the full way */
    LineChunk(TaskTarget target, AllowedTasks allowed, Duration timeout, int maxStringLength, boolean ids,
              boolean quick) {
        this.quick = quick;
        this.target = target;
        this.allowed = allowed;
        this.timeout = timeout;
        this.maxStringLength = maxStringLength;
        this.ids = ids;
    }

    /** A chunk's function travels as its settings ({@link FunctionWire}). */
    private Object writeReplace() {
        return new FunctionWire(FunctionWire.CHUNK, target, allowed, out -> {
            out.writeLong(timeout.getSeconds());
            out.writeInt(timeout.getNano());
            out.writeInt(maxStringLength);
            out.writeBoolean(ids);
            out.writeBoolean(quick);
        });
    }

    /** The rest of a chunk function's settings, after its task and patterns. */
    static LineChunk read(java.io.DataInputStream in, TaskTarget target, AllowedTasks allowed) throws IOException {
        Duration timeout = Duration.ofSeconds(in.readLong(), in.readInt());
        int maxStringLength = in.readInt();
        boolean ids = in.readBoolean();
        boolean quick = in.readBoolean();
        if (timeout.isNegative() || maxStringLength < 1) {
            throw new IOException("a timeout of " + timeout + " or a longest string of " + maxStringLength);
        }
        return new LineChunk(target, allowed, timeout, maxStringLength, ids, quick);
    }

    private void readObject(ObjectInputStream in) throws IOException {
        throw new java.io.InvalidObjectException("a chunk's function travels in its wire form only");
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
        if (Json.maxStringLength() != maxStringLength) {
            Json.setMaxStringLength(maxStringLength);
        }
        InputParser p = parser;
        if (p == null) {
            p = parser = new InputParser(target, timeout, allowed);
        }
        ByteBuffer in = ByteBuffer.wrap((byte[]) args.get(0));
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        long pid = ProcessHandle.current().pid();
        Answer answer = new Answer(ids, in.remaining());
        while (in.hasRemaining()) {
            nextLine(in, answer, p, loader);
        }
        return answer.toBytes(pid);
    }

    /**
     * Reads the chunk's next line and runs it into the answer. All of a line's work is in methods called once
     * per line, which the worker's JIT compiles after a few hundred lines; the loop that calls this is in a
     * method called once per chunk, which stays interpreted (the JIT compiles a loop only after tens of
     * thousands of rounds), so it does nothing else.
     */
    private void nextLine(ByteBuffer in, Answer answer, InputParser p, ClassLoader loader) throws Exception {
        long line = in.getLong();
        int length = in.getInt();
        String text = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        if (answer.outputBytes() > MAX_OUTPUT_BYTES) {
            answer.alone(line);
            return;
        }
        runLine(answer, line, text, p, loader);
    }

    /** Runs one line of the chunk into the answer. */
    private void runLine(Answer answer, long line, String text, InputParser p, ClassLoader loader) throws Exception {
        TaskContext.reportProgress();
        JsonNode id = null;
        InputParser.Request r;
        // the common line the quick way; anything unusual the full way (the same outcome either way)
        FastLine.Parsed fast = !quick || target == null ? null : FastLine.parse(text, maxStringLength);
        try {
            if (fast != null) {
                id = fast.id();
                r = new InputParser.Request(id, target, fast.args(), new LinkedHashMap<>(), timeout);
            } else {
                r = p.parse(text);
                // the id as the parent reads it (InputParser.outputId); a string or an integer reads the same
                id = r.id() == null || r.id().isTextual() || r.id().isIntegralNumber() ? r.id()
                        : Json.readableId(text);
            }
            Invoker.check(r.target(), loader, r.args(), r.kwargs());
        } catch (InputParser.LineException | BadInputException e) {
            if (id == null) {
                id = Json.readableId(text);
            }
            ObjectMapper mapper = Json.mapper();
            ObjectNode rec = Outcomes.record(mapper, line, id, Status.ERROR);
            rec.set("error", Outcomes.error(mapper, BadInputException.class.getName(), e.getMessage(), null));
            Outcomes.putPidAndDuration(rec, null, null);
            answer.done(line, Status.ERROR, INPUT_MESSAGE, -1, id, BadInputException.class.getName(),
                    e.getMessage(), mapper.writeValueAsBytes(rec));
            return;
        }
        if (!r.timeout().equals(timeout)) {
            answer.alone(line);
            return;
        }
        TaskOutcome o = (TaskOutcome) new JsonTask(r.target(), allowed).call(r.args(), r.kwargs());
        if (!timeout.isZero() && o.durationNanos >= timeout.toNanos()) {
            answer.alone(line);
            return;
        }
        if (fast != null && o.ok && FastLine.simpleResult(o.resultJson, maxStringLength)) {
            answer.doneOk(line, o.durationNanos, fast.idJson(), o.resultJson, o.workerPid);
            return;
        }
        ObjectMapper mapper = Json.mapper();
        ObjectNode rec = LineTasks.outcomeRecord(mapper, line, id, o);
        boolean ok = rec.path("status").textValue().equals(Status.OK.label);
        JsonNode error = rec.path("error");
        int flags = HAS_PID | (BadInputException.class.getName().equals(o.errorType) ? INPUT_MESSAGE : 0);
        answer.done(line, ok ? Status.OK : Status.ERROR, flags, o.durationNanos, id,
                ok ? null : error.path("type").textValue(), ok ? null : error.path("message").textValue(),
                mapper.writeValueAsBytes(rec));
    }

    /** The answer as it is built: the entries and the output lines, in two growing buffers. */
    private static final class Answer {
        private final Bytes entries;
        private final Bytes output;
        private final boolean ids;
        private int count;

        /** @param requestBytes the size of the request, from which the answer's is guessed (to grow it less) */
        Answer(boolean ids, int requestBytes) {
            this.ids = ids;
            int guess = Math.min(requestBytes, 1 << 20);
            this.entries = new Bytes(Math.max(1024, guess));
            this.output = new Bytes(Math.max(4096, 2 * guess));
        }

        int outputBytes() {
            return output.size;
        }

        void alone(long line) {
            entries.putLong(line).put(ALONE).put((byte) 0).put((byte) 0).putLong(-1);
            entries.putString(null).putString(null).putString(null).putInt(0);
            count++;
        }

        /** A line of the quick way ({@link FastLine}) whose task returned a simple result. */
        void doneOk(long line, long nanos, String idJson, String resultJson, long pid) {
            entries.putLong(line).put(DONE).put((byte) Status.OK.ordinal()).put((byte) HAS_PID).putLong(nanos);
            entries.putString(ids ? idJson : null).putString(null)
                    .putString(null);
            int start = output.size;
            FastLine.appendOk(output, line, idJson, resultJson, pid, nanos / 1_000_000);
            output.put((byte) '\n');
            entries.putInt(output.size - start);
            count++;
        }

        void done(long line, Status status, int flags, long nanos, JsonNode id, String errorType,
                  String errorMessage, byte[] record) throws IOException {
            entries.putLong(line).put(DONE).put((byte) status.ordinal()).put((byte) flags).putLong(nanos);
            entries.putString(id == null || !ids ? null : Json.mapper().writeValueAsString(id)).putString(errorType)
                    .putString(errorMessage).putInt(record.length + 1);
            output.put(record, 0, record.length).put((byte) '\n');
            count++;
        }

        byte[] toBytes(long pid) {
            byte[] b = new byte[4 + 8 + entries.size + output.size];
            ByteBuffer.wrap(b).putInt(count).putLong(pid);
            System.arraycopy(entries.data, 0, b, 12, entries.size);
            System.arraycopy(output.data, 0, b, 12 + entries.size, output.size);
            return b;
        }
    }

    /** A growing byte buffer, big-endian like {@link ByteBuffer}. */
    static final class Bytes {
        byte[] data;
        int size;

        Bytes(int capacity) {
            data = new byte[capacity];
        }

        private void room(int n) {
            if (size + n > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(data.length * 2, size + n));
            }
        }

        Bytes put(byte b) {
            room(1);
            data[size++] = b;
            return this;
        }

        Bytes put(byte[] b, int off, int len) {
            room(len);
            System.arraycopy(b, off, data, size, len);
            size += len;
            return this;
        }

        Bytes putInt(int v) {
            room(4);
            for (int i = 0; i < 4; i++) {
                data[size + i] = (byte) (v >>> (24 - 8 * i));
            }
            size += 4;
            return this;
        }

        Bytes putLong(long v) {
            room(8);
            for (int i = 0; i < 8; i++) {
                data[size + i] = (byte) (v >>> (56 - 8 * i));
            }
            size += 8;
            return this;
        }

        /** Puts a number in decimal ASCII digits, as {@link Long#toString(long)} writes it. */
        Bytes putDecimal(long v) {
            if (v == Long.MIN_VALUE) {
                return putAscii(Long.toString(v));
            }
            int digits = 1;
            for (long x = Math.abs(v); x >= 10; x /= 10) {
                digits++;
            }
            int n = digits + (v < 0 ? 1 : 0);
            room(n);
            if (v < 0) {
                data[size] = '-';
            }
            long x = Math.abs(v);
            for (int i = size + n - 1; i >= size + n - digits; i--) {
                data[i] = (byte) ('0' + x % 10);
                x /= 10;
            }
            size += n;
            return this;
        }

        /** Puts a string of ASCII characters, a byte each. */
        Bytes putAscii(String s) {
            int n = s.length();
            room(n);
            for (int i = 0; i < n; i++) {
                data[size + i] = (byte) s.charAt(i);
            }
            size += n;
            return this;
        }

        Bytes putString(String s) {
            if (s == null) {
                return putInt(-1);
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            putInt(b.length);
            return put(b, 0, b.length);
        }
    }
}
