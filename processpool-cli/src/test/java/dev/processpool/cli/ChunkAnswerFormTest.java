package dev.processpool.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The form of a chunk's answer, as the parent reads it ({@link Chunks.Answer#read}), against a statement of
 * the form written here apart from the reader: answers assembled entry by entry from values that are often
 * wrong (another line's number, a kind or a status that does not exist, an output line that is empty, has no
 * line break at its end or one inside, a length that runs past the end, a string length that is negative or
 * too long, bytes left over) are read exactly when the statement accepts them, and then read back as written.
 * An answer comes from a worker, where task code can write any bytes: whatever the reader accepts must be
 * what the worker's side of the form says.
 */
class ChunkAnswerFormTest {

    private static final byte DONE = LineChunk.DONE;
    private static final byte ALONE = LineChunk.ALONE;

    /** One entry as assembled, and whether it is one the form allows. */
    record Entry(long lineDelta, byte kind, byte status, byte flags, long nanos, int idLength, String output) {

        boolean wellFormed() {
            boolean stringOk = idLength >= -1 && idLength <= 3;
            if (lineDelta != 0 || !stringOk) {
                return false;
            }
            if (kind == DONE) {
                return (status == Status.OK.ordinal() || status == Status.ERROR.ordinal()) && isOneLine(output);
            }
            return kind == ALONE && output.isEmpty();
        }

        private static boolean isOneLine(String s) {
            return s.length() >= 2 && s.endsWith("\n") && s.indexOf('\n') == s.length() - 1;
        }
    }

    @Provide
    Arbitrary<Entry> entries() {
        Arbitrary<Long> lineDelta = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.just(0L)), net.jqwik.api.Tuple.of(1, Arbitraries.of(-1L, 1L, 1L << 40)));
        Arbitrary<Byte> kind = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(DONE)), net.jqwik.api.Tuple.of(3, Arbitraries.just(ALONE)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of((byte) 2, (byte) -1, (byte) '\n')));
        Arbitrary<Byte> status = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.of((byte) Status.OK.ordinal(), (byte) Status.ERROR.ordinal())),
                net.jqwik.api.Tuple.of(1, Arbitraries.bytes()));
        Arbitrary<Byte> flags = Arbitraries.of((byte) 0, (byte) LineChunk.HAS_PID, (byte) LineChunk.INPUT_MESSAGE, (byte) -1);
        Arbitrary<Long> nanos = Arbitraries.of(-1L, 0L, 1_500L, Long.MAX_VALUE);
        Arbitrary<Integer> idLength = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.of(-1, 0, 3)), net.jqwik.api.Tuple.of(1, Arbitraries.of(-2, 1 << 30)));
        Arbitrary<String> output = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, Arbitraries.of("{\"a\":1}\n", "[]\n", "{\"s\":\"\u00e9\u4e2d\"}\n")),
                net.jqwik.api.Tuple.of(3, Arbitraries.just("")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("\n", "x", "{}", "{\n}\n", "\n\n", "a\nb")));
        return Combinators.combine(lineDelta, kind, status, flags, nanos, idLength, output).as(Entry::new);
    }

    @Property(tries = 3000)
    void anAnswerIsReadExactlyWhenItHasTheForm(@ForAll("answers") List<Entry> entries,
                                                @ForAll("tails") int tail) {
        Chunks.Chunk c = chunk(entries.size());
        byte[] b = assemble(c, entries, tail);
        boolean expected = tail == 0 && entries.stream().allMatch(Entry::wellFormed);

        Chunks.Answer a = Chunks.Answer.read(b, c);

        assertThat(a != null).as("read: %s, tail %d", entries, tail).isEqualTo(expected);
        if (a == null) {
            return;
        }
        List<Integer> alone = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            assertThat(a.done(i)).isEqualTo(e.kind == DONE);
            if (e.kind == DONE) {
                assertThat(a.status(i).ordinal()).isEqualTo(e.status);
                assertThat(a.nanos[i]).isEqualTo(e.nanos);
                assertThat(a.idJson(i)).isEqualTo(e.idLength < 0 ? null : "123".substring(0, e.idLength));
                assertThat(a.errorType(i)).isEqualTo("T");
                assertThat(a.errorMessage(i)).isNull();
            } else {
                alone.add(i);
            }
            assertThat(new String(a.bytes, a.outputOffset[i], a.outputLength[i], StandardCharsets.UTF_8))
                    .isEqualTo(e.output);
        }
        assertThat(a.alone()).containsExactly(alone.stream().mapToInt(Integer::intValue).toArray());
    }

    @Provide
    Arbitrary<List<Entry>> answers() {
        return entries().list().ofMinSize(0).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Integer> tails() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(-1, 1, 7)));
    }

    // ========================================================================================= helpers

    /** A chunk of {@code n} lines, numbered 10, 11, ... */
    private static Chunks.Chunk chunk(int n) {
        Chunks.Chunk c = new Chunks.Chunk();
        for (int i = 0; i < n; i++) {
            c.add(i, 10 + i, "[1, 2]");
        }
        return c;
    }

    /**
     * The answer as a worker would write it (count, pid, the entries, the output lines), from entries that
     * may be wrong; {@code tail} bytes more at the end (fewer, cut, when negative).
     */
    private static byte[] assemble(Chunks.Chunk c, List<Entry> entries, int tail) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer head = ByteBuffer.allocate(12).putInt(entries.size()).putLong(4242);
        out.writeBytes(head.array());
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            byte[] output = e.output.getBytes(StandardCharsets.UTF_8);
            ByteBuffer entry = ByteBuffer.allocate(8 + 3 + 8 + 4 + 3 + 4 + 1 + 4 + 4);
            entry.putLong(c.line(i) + e.lineDelta).put(e.kind).put(e.status).put(e.flags).putLong(e.nanos);
            entry.putInt(e.idLength);
            if (e.idLength > 0 && e.idLength <= 3) {
                entry.put("123".substring(0, e.idLength).getBytes(StandardCharsets.US_ASCII));
            }
            entry.putInt(1).put((byte) 'T'); // an error type
            entry.putInt(-1); // no message
            entry.putInt(output.length);
            out.write(entry.array(), 0, entry.position());
            lines.append(e.output);
        }
        out.writeBytes(lines.toString().getBytes(StandardCharsets.UTF_8));
        byte[] b = out.toByteArray();
        if (tail < 0) {
            return b.length == 0 ? b : java.util.Arrays.copyOf(b, b.length - 1);
        }
        return java.util.Arrays.copyOf(b, b.length + tail);
    }
}
