package dev.processpool.cli;

import dev.processpool.protocol.JavaSerialization;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command line's task functions travel as their settings ({@link FunctionWire}): what arrives behaves
 * as what was sent, and settings that are cut short, too long, forged or that allow too much are refused.
 */
class FunctionWireTest {

    private static final String[] LINES = {
        "{\"id\":1,\"args\":[1,2]}",
        "{\"id\":\"two\",\"args\":[3]}",
        "{\"id\":3,\"task\":\"java.lang.Math::negateExact\",\"args\":[7]}",
        "{\"id\":4,\"task\":\"java.lang.Math::abs\",\"args\":[-7]}",
        "{\"id\":5,\"args\":[1,2],\"timeout\":\"5s\"}",
        "{\"id\":6,\"args\":[\"x\"]}",
        "not json",
    };

    private static Object roundTrip(Object o) throws Exception {
        return JavaSerialization.deserialize(JavaSerialization.serialize(o), 0,
                FunctionWireTest.class.getClassLoader(), null);
    }

    private static String run(LineChunk f) throws Exception {
        Chunks.Chunk c = new Chunks.Chunk();
        for (int i = 0; i < LINES.length; i++) {
            c.add(i, i + 1, LINES[i]);
        }
        Chunks.Answer a = Chunks.Answer.read((byte[]) f.call(c.payload(), Map.of()), c);
        assertThat(a).isNotNull();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < a.count; i++) {
            sb.append(a.done(i) ? "done " : "alone ").append(a.status(i)).append(' ')
                    .append(new String(a.bytes, a.outputOffset[i], a.outputLength[i], StandardCharsets.UTF_8)
                            .replaceAll("\"durationMs\":\\d+", "\"durationMs\":0"))
                    .append(a.idJson(i)).append('\n');
        }
        return sb.toString();
    }

    private static LineChunk chunk(List<String> allowed, boolean ids, boolean quick) throws Exception {
        return new LineChunk(TaskTarget.parse("java.lang.Math::addExact"), AllowedTasks.parse(allowed),
                Duration.ofMillis(1500), 12345, ids, quick);
    }

    @Test
    void aChunkThatArrivesRunsLinesAsTheOneSentDoesWithEverySetting() throws Exception {
        for (boolean ids : new boolean[] {true, false}) {
            for (boolean quick : new boolean[] {true, false}) {
                LineChunk sent = chunk(List.of("java.lang.Math::negateExact"), ids, quick);
                Object arrived = roundTrip(sent);
                assertThat(arrived).isInstanceOf(LineChunk.class).isNotSameAs(sent);
                assertThat(run((LineChunk) arrived)).isEqualTo(run(sent));
            }
        }
    }

    @Test
    void aLineTaskThatArrivesIsTheOneSent() throws Exception {
        JsonTask sent = new JsonTask(TaskTarget.parseFromInput("java.lang.Math::negateExact"),
                AllowedTasks.parse(List.of("java.lang.Math::negateExact", "java.util.*")));
        Object arrived = roundTrip(sent);
        assertThat(arrived).isInstanceOf(JsonTask.class).isNotSameAs(sent);
        JsonTask got = (JsonTask) arrived;
        assertThat(got.target()).isEqualTo(sent.target());
        assertThat(got.allowed().patterns()).isEqualTo(sent.allowed().patterns());
        assertThat(JavaSerialization.serialize(got)).isEqualTo(JavaSerialization.serialize(sent));
        assertThat(got.allowed().refusal(TaskTarget.parseFromInput("java.lang.Math::abs")))
                .isEqualTo(sent.allowed().refusal(TaskTarget.parseFromInput("java.lang.Math::abs"))).isNotNull();
    }

    @Test
    void theWireFormIsSmall() throws Exception {
        assertThat(JavaSerialization.serialize(chunk(List.of(), false, true)).length).isLessThan(200);
    }

    @Test
    void garbageIsRefusedWhereItArrives() throws Exception {
        byte[] bytes = JavaSerialization.serialize(new Forged(new byte[] {9, 9, 9}).wire());
        assertThatThrownBy(() -> JavaSerialization.deserialize(bytes, 0, getClass().getClassLoader(), null))
                .hasStackTraceContaining("a task function's settings are malformed");
    }

    @Test
    void settingsCutShortOrTooLongOrThatAllowTooMuchOrNameNoClassAreRefused() throws Exception {
        byte[] good = settings("java.lang.Math", "addExact", List.of());
        assertThat(FunctionWire.decode(good)).isInstanceOf(LineChunk.class);
        for (int cut = 0; cut < good.length; cut++) {
            byte[] shorter = Arrays.copyOf(good, cut);
            assertThatThrownBy(() -> FunctionWire.decode(shorter)).as("cut at %d", cut)
                    .isInstanceOf(InvalidObjectException.class);
        }
        byte[] longer = Arrays.copyOf(good, good.length + 1);
        assertThatThrownBy(() -> FunctionWire.decode(longer)).isInstanceOf(InvalidObjectException.class);
        assertThatThrownBy(() -> FunctionWire.decode(settings("java.lang.Math", "addExact", List.of("*"))))
                .isInstanceOf(InvalidObjectException.class);
        for (String cls : new String[] {"", "java/lang/Math", "a b", "java.lang.Math::abs", "[Ljava.lang.Object;"}) {
            assertThatThrownBy(() -> FunctionWire.decode(settings(cls, "addExact", List.of()))).as(cls)
                    .isInstanceOf(InvalidObjectException.class);
        }
        assertThatThrownBy(() -> FunctionWire.decode(settings("java.lang.Math", "a::b", List.of())))
                .isInstanceOf(InvalidObjectException.class);
        assertThat(FunctionWire.decode(settings("java.lang.Math", "addExact", List.of("java.lang.*")))).isNotNull();
    }

    @Test
    void aForgedLengthAllocatesNothingLarge() throws Exception {
        byte[] b = JavaSerialization.serialize(new Forged(new byte[] {1, 2, 3, 4, 5}).wire());
        int at = indexOf(b, new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5});
        b[at] = 0x7f;
        b[at + 1] = (byte) 0xff;
        b[at + 2] = (byte) 0xff;
        b[at + 3] = (byte) 0xff;
        assertThatThrownBy(() -> new ObjectInputStream(new ByteArrayInputStream(b)).readObject())
                .isInstanceOf(InvalidObjectException.class).hasMessageContaining("2147483647 bytes");
    }

    // ======================================================================================= helpers

    /** A wire form with settings of one's choosing, through readExternal as a stream would give them. */
    private record Forged(byte[] settings) {
        FunctionWire wire() throws Exception {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(raw)) {
                out.writeInt(settings.length);
                out.write(settings);
            }
            FunctionWire w = new FunctionWire();
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(raw.toByteArray()))) {
                w.readExternal(in);
            }
            return w;
        }
    }

    private static int indexOf(byte[] b, byte[] part) {
        for (int i = 0; i + part.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    /** A chunk's settings naming this task, with these --allow-task patterns (decode checks them all). */
    private static byte[] settings(String cls, String method, List<String> patterns) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(FunctionWire.CHUNK);
        out.writeUTF(cls);
        out.writeBoolean(method != null);
        out.writeUTF(method == null ? "" : method);
        out.writeBoolean(false);
        out.writeInt(patterns.size());
        for (String p : patterns) {
            out.writeUTF(p);
        }
        out.writeLong(0);
        out.writeInt(0);
        out.writeInt(1000);
        out.writeBoolean(false);
        out.writeBoolean(true);
        return bytes.toByteArray();
    }
}
