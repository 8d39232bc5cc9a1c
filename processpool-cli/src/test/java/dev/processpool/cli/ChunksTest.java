package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A chunk's answer, in process (no worker): what {@link LineChunk} writes reads back line for line, and
 * bytes that are not an answer to that chunk (forged by task code, cut short, lines out of order, an output
 * line with a line break inside) are refused, so that the parent runs the chunk's lines alone instead.
 */
class ChunksTest {

    private static final TaskTarget ADD = target("java.lang.Math::addExact");

    @Test
    void aChunkAnswersEveryLineInOrderWithTheOutputLineItWouldHaveAlone() throws Exception {
        Chunks.Chunk c = chunk("{\"id\": \"a\", \"args\": [1, 2]}", "[3, 4]", "{\"args\": [1], \"bogus\": 2}",
                "{\"id\": 9, \"args\": [2147483647, 1]}", "{\"args\": [1, 1], \"timeout\": \"3s\"}",
                "{\"id\": \"evil\", \"task\": \"java.lang.System::exit\", \"args\": [1]}");
        Chunks.Answer a = Chunks.Answer.read(answer(c, true), c);

        assertThat(a).isNotNull();
        assertThat(a.count).isEqualTo(6);
        assertThat(output(a, 0)).startsWith("{\"id\":\"a\",\"line\":1,\"status\":\"ok\",\"result\":3,\"workerPid\":");
        assertThat(output(a, 1)).startsWith("{\"id\":2,\"line\":2,\"status\":\"ok\",\"result\":7,");
        assertThat(output(a, 2)).isEqualTo("{\"id\":3,\"line\":3,\"status\":\"error\",\"error\":{\"type\":"
                + "\"dev.processpool.cli.BadInputException\",\"message\":\"unknown field \\\"bogus\\\" (a line may have"
                + " id, args, kwargs, timeout and task)\",\"stackTrace\":null},\"workerPid\":null,\"durationMs\":null}\n");
        assertThat(a.inputMessage(2)).isTrue();
        assertThat(a.ran(2)).isFalse();
        assertThat(a.status(3)).isEqualTo(Status.ERROR);
        assertThat(a.errorType(3)).isEqualTo("java.lang.ArithmeticException");
        assertThat(a.idJson(3)).isEqualTo("9");
        assertThat(a.alone()).as("a line with a timeout of its own runs alone").containsExactly(4);
        assertThat(a.errorType(5)).isEqualTo(BadInputException.class.getName());
        assertThat(a.errorMessage(5)).contains("--allow-task");
    }

    @Test
    void bytesThatAreNotAnAnswerToThisChunkAreRefused() throws Exception {
        Chunks.Chunk c = chunk("[1, 2]", "[3, 4]", "[5, 6]");
        byte[] good = answer(c, false);
        assertThat(Chunks.Answer.read(good, c)).isNotNull();

        assertThat(Chunks.Answer.read(new byte[0], c)).as("empty").isNull();
        assertThat(Chunks.Answer.read(Arrays.copyOf(good, good.length - 1), c)).as("cut short").isNull();
        assertThat(Chunks.Answer.read(Arrays.copyOf(good, good.length + 1), c)).as("a byte too many").isNull();
        assertThat(Chunks.Answer.read(good, chunk("[1, 2]", "[3, 4]"))).as("another chunk's").isNull();

        byte[] otherLine = good.clone();
        ByteBuffer.wrap(otherLine).putLong(12, 7); // the first entry names line 7
        assertThat(Chunks.Answer.read(otherLine, c)).as("lines out of order").isNull();

        byte[] twoLines = good.clone();
        // the first output line's brace: the entries before the output lines hold binary numbers (the pid, the
        // run times), which may have a '{' byte of their own
        int firstBrace = indexOf(twoLines, (byte) '{', Chunks.Answer.read(good, c).outputStart);
        twoLines[firstBrace + 1] = '\n';
        assertThat(Chunks.Answer.read(twoLines, c)).as("a line break inside an output line").isNull();

        byte[] forgedLength = good.clone();
        ByteBuffer.wrap(forgedLength).putInt(0, Integer.MAX_VALUE);
        assertThat(Chunks.Answer.read(forgedLength, c)).as("a forged count").isNull();
    }

    @Test
    void aTaskAnInputLineNamesIsRefusedInTheWorkerToo() throws Exception {
        TaskTarget exit = TaskTarget.parseFromInput("java.lang.System::exit");
        TaskOutcome o = (TaskOutcome) new JsonTask(exit, AllowedTasks.NONE).call(List.of(3), Map.of());
        assertThat(o.ok).isFalse();
        assertThat(o.errorType).isEqualTo(BadInputException.class.getName());
        assertThat(o.errorMessage).contains("--allow-task");
    }

    @Test
    void automaticChunksGrowForQuickLinesAndStartOverAfterAFailure() {
        Chunks chunks = new Chunks(ADD, AllowedTasks.NONE, Duration.ZERO, 0, false);
        assertThat(chunks.size()).isEqualTo(1);
        for (int i = 0; i < 20; i++) {
            chunks.observe(2_000L);
        }
        assertThat(chunks.size()).isEqualTo(Chunks.MAX_AUTO);
        chunks.failed();
        assertThat(chunks.size()).isEqualTo(1);
        for (int i = 0; i < 20; i++) {
            chunks.observe(50_000_000L);
        }
        assertThat(chunks.size()).as("slow lines stay alone").isEqualTo(1);
        Chunks fixed = new Chunks(ADD, AllowedTasks.NONE, Duration.ZERO, 100, false);
        fixed.observe(50_000_000L);
        fixed.failed();
        assertThat(fixed.size()).isEqualTo(100);
    }

    // ========================================================================================= helpers

    private static TaskTarget target(String spec) {
        try {
            return TaskTarget.parse(spec);
        } catch (BadInputException e) {
            throw new AssertionError(e);
        }
    }

    private static Chunks.Chunk chunk(String... lines) {
        Chunks.Chunk c = new Chunks.Chunk();
        for (int i = 0; i < lines.length; i++) {
            c.add(i, i + 1, lines[i]);
        }
        return c;
    }

    private static byte[] answer(Chunks.Chunk c, boolean ids) throws Exception {
        return (byte[]) new LineChunk(ADD, AllowedTasks.NONE, Duration.ZERO, Json.maxStringLength(), ids)
                .call(c.payload(), Map.of());
    }

    private static String output(Chunks.Answer a, int i) {
        return new String(a.bytes, a.outputOffset[i], a.outputLength[i], StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] b, byte x, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }
}
