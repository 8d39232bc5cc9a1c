package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The quick way through a chunk's common lines ({@link FastLine}) against the full way ({@link InputParser},
 * Jackson's tree, {@link LineTasks#outcomeRecord}): over generated lines, well-formed and hostile (other
 * fields, a {@code "task"}, duplicate keys, escapes, surrogates, non-ASCII and control characters, leading
 * zeros, {@code -0}, fractions, huge numbers, deep nesting, strings over the limit, anything after the
 * value), a line the quick way takes reads as the full way reads it, and a chunk answers the same bytes
 * either way. Runs in process, with a string limit of {@value #MAX} characters so that strings cross it.
 */
class FastLineTest {

    private static final int MAX = 12;
    private static final TaskTarget ADD = target("java.lang.Math::addExact");
    private static final List<String> TARGETS = List.of("java.lang.Math::addExact", "java.util.Objects::requireNonNull",
            "java.lang.String::valueOf", "java.util.List::of");

    @BeforeContainer
    static void smallStringLimit() {
        Json.setMaxStringLength(MAX);
    }

    @AfterContainer
    static void defaultStringLimit() {
        Json.setMaxStringLength(Json.DEFAULT_MAX_STRING_LENGTH);
    }

    // ========================================================================================= reading

    @Example
    void theCommonLinesTakeTheQuickWay() {
        assertThat(FastLine.parse("{\"id\":7,\"args\":[7,8]}", MAX)).isEqualTo(
                new FastLine.Parsed(IntNode.valueOf(7), "7", List.of(7, 8)));
        assertThat(FastLine.parse(" { \"args\" : [ \"x\" , true , null , 5000000000 ] , \"id\" : \"a-1\" } ", MAX))
                .isEqualTo(new FastLine.Parsed(TextNode.valueOf("a-1"), "\"a-1\"",
                        Arrays.asList("x", true, null, 5_000_000_000L)));
        assertThat(FastLine.parse("[1, -2]", MAX)).isEqualTo(new FastLine.Parsed(null, null, List.of(1, -2)));
        assertThat(FastLine.parse("{\"id\":null,\"args\":null}", MAX)).isEqualTo(new FastLine.Parsed(null, null, List.of()));
        assertThat(FastLine.parse("{}", MAX)).isEqualTo(new FastLine.Parsed(null, null, List.of()));
    }

    @Example
    void unusualLinesTakeTheFullWay() {
        for (String line : List.of("{\"id\":1,\"args\":[1],\"task\":\"java.lang.System::exit\"}",
                "{\"id\":1,\"id\":2,\"args\":[]}", "{\"args\":[1.5]}", "{\"args\":[01]}", "{\"args\":[-0]}",
                "{\"args\":[\"\\u0041\"]}", "{\"args\":[\"é\"]}", "{\"args\":[\"" + "x".repeat(MAX + 1) + "\"]}",
                "{\"args\":[1234567890123456789]}", "{\"args\":[[1]]}", "{\"args\":[1]} x", "{\"args\":[1]}{}",
                "{\"args\":[1],}", "{\"kwargs\":{}}", "{\"timeout\":\"1s\"}", "{\"i\\u0064\":1}", "{\"id\":true}",
                "{\"args\":[1]\r}", "[1,]", "[", "", "7", "\"x\"")) {
            assertThat(FastLine.parse(line, MAX)).as(line).isNull();
        }
    }

    @Property(tries = 1000)
    void aLineTheQuickWayReadsReadsTheSameTheFullWay(@ForAll("lines") String line) throws Exception {
        FastLine.Parsed fast = FastLine.parse(line, MAX);
        if (fast == null) {
            return;
        }
        InputParser.Request full = new InputParser(ADD, Duration.ZERO, AllowedTasks.NONE).parse(line);
        assertThat(fast.id()).isEqualTo(full.id());
        if (fast.id() != null) {
            assertThat(fast.id().getClass()).isEqualTo(full.id().getClass());
            assertThat(fast.idJson()).isEqualTo(Json.mapper().writeValueAsString(full.id()));
        } else {
            assertThat(fast.idJson()).isNull();
        }
        assertThat(full.target()).isEqualTo(ADD);
        assertThat(full.kwargs()).isEmpty();
        assertThat(full.timeout()).isEqualTo(Duration.ZERO);
        assertThat(fast.args()).hasSameSizeAs(full.args());
        for (int i = 0; i < fast.args().size(); i++) {
            Object a = fast.args().get(i);
            Object b = full.args().get(i);
            assertThat(a).isEqualTo(b);
            assertThat(a == null ? null : a.getClass()).isEqualTo(b == null ? null : b.getClass());
        }
    }

    @Property(tries = 120)
    void aChunkAnswersTheSameBytesTheQuickWayAndTheFullWay(@ForAll("chunkLines") List<String> lines,
                                                           @ForAll("targets") String spec, @ForAll boolean ids)
            throws Exception {
        TaskTarget t = target(spec);
        Chunks.Chunk c = new Chunks.Chunk();
        for (int i = 0; i < lines.size(); i++) {
            c.add(i, i + 1, lines.get(i));
        }
        Chunks.Answer quick = Chunks.Answer.read((byte[]) new LineChunk(t, AllowedTasks.NONE, Duration.ZERO, MAX, ids,
                true).call(c.payload(), Map.of()), c);
        Chunks.Answer full = Chunks.Answer.read((byte[]) new LineChunk(t, AllowedTasks.NONE, Duration.ZERO, MAX, ids,
                false).call(c.payload(), Map.of()), c);
        assertThat(quick).isNotNull();
        assertThat(full).isNotNull();
        for (int i = 0; i < c.size(); i++) {
            String as = "line " + lines.get(i);
            assertThat(quick.done(i)).as(as).isEqualTo(full.done(i));
            assertThat(quick.status(i)).as(as).isEqualTo(full.status(i));
            assertThat(quick.ran(i)).as(as).isEqualTo(full.ran(i));
            assertThat(quick.inputMessage(i)).as(as).isEqualTo(full.inputMessage(i));
            assertThat(quick.idJson(i)).as(as).isEqualTo(full.idJson(i));
            assertThat(quick.errorType(i)).as(as).isEqualTo(full.errorType(i));
            assertThat(quick.errorMessage(i)).as(as).isEqualTo(full.errorMessage(i));
            assertThat(output(quick, i)).as(as).isEqualTo(output(full, i));
        }
    }

    // ========================================================================================= writing

    @Property(tries = 1000)
    void aSimpleResultIsWrittenAsTheFullWayWritesIt(@ForAll("results") Object value, @ForAll("ids") JsonNode id,
                                                    @ForAll @LongRange(min = 1) long line,
                                                    @ForAll @LongRange(min = 0, max = 1L << 40) long nanos)
            throws Exception {
        ObjectMapper mapper = Json.mapper();
        String json = mapper.writeValueAsString(value);
        if (!FastLine.simpleResult(json, MAX)) {
            return;
        }
        byte[] expected = mapper.writeValueAsBytes(LineTasks.outcomeRecord(mapper, line, id,
                TaskOutcome.ok(json, 4242, nanos)));
        LineChunk.Bytes b = new LineChunk.Bytes(8);
        FastLine.appendOk(b, line, id == null ? null : mapper.writeValueAsString(id), json, 4242, nanos / 1_000_000);
        assertThat(new String(Arrays.copyOf(b.data, b.size), StandardCharsets.UTF_8))
                .isEqualTo(new String(expected, StandardCharsets.UTF_8));
    }

    @Property(tries = 1000)
    void aNumberIsPutAsLongToStringWritesIt(@ForAll long v) {
        LineChunk.Bytes b = new LineChunk.Bytes(1);
        b.put((byte) 'x').putDecimal(v);
        assertThat(new String(b.data, 0, b.size, StandardCharsets.US_ASCII)).isEqualTo("x" + v);
    }

    @Property(tries = 1000)
    void aPlainResultIsWrittenAsTheMapperWritesIt(@ForAll("results") Object value) throws Exception {
        String plain = JsonTask.plainJson(value);
        if (plain != null) {
            assertThat(plain).isEqualTo(Json.mapper().writeValueAsString(value));
        }
    }

    @Property(tries = 1000)
    void aSimpleResultReadsBackAndWritesAsItself(@ForAll("jsonTexts") String json) throws Exception {
        if (!FastLine.simpleResult(json, MAX)) {
            return;
        }
        ObjectMapper mapper = Json.mapper();
        assertThat(mapper.writeValueAsString(mapper.readTree(json))).isEqualTo(json);
    }

    @Example
    void simpleResults() {
        for (String s : List.of("0", "-7", "123456789012345678", "true", "false", "null", "\"\"", "\"a b/c\"")) {
            assertThat(FastLine.simpleResult(s, MAX)).as(s).isTrue();
        }
        for (String s : List.of("", "-0", "01", "1.5", "1e3", "1234567890123456789", "\"a\\nb\"", "\"é\"", "[1]",
                "{}", "\"" + "x".repeat(MAX + 1) + "\"", "true ", "nul", "\"a")) {
            assertThat(FastLine.simpleResult(s, MAX)).as(s).isFalse();
        }
    }

    // ====================================================================================== generators

    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> wellFormed = wellFormed();
        Arbitrary<String> mutated = Combinators.combine(wellFormed, Arbitraries.integers().between(0, 200),
                Arbitraries.integers().between(0, 3), Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\\", " ",
                        "0", "-", "e", ".", "+", "t", "n", "é", "\u0001", "\r", "\uD83D\uDE00")).as((s, at, op, x) -> {
            int i = Math.min(at, s.length());
            return switch (op) {
                case 0 -> s.substring(0, i) + x + s.substring(i);
                case 1 -> i < s.length() ? s.substring(0, i) + s.substring(i + 1) : s;
                case 2 -> i < s.length() ? s.substring(0, i) + x + s.substring(i + 1) : s + x;
                default -> s + s;
            };
        });
        return Arbitraries.frequencyOf(Tuple.of(6, wellFormed), Tuple.of(3, mutated),
                Tuple.of(1, wellFormed.map(s -> s + " x")));
    }

    @Provide
    Arbitrary<List<String>> chunkLines() {
        // lines of one argument too, so that the tasks that echo it return every kind of scalar
        Arbitrary<String> oneArgument = Combinators.combine(scalars(), scalars())
                .as((id, arg) -> "{\"id\":" + id + ",\"args\":[" + arg + "]}");
        return Arbitraries.frequencyOf(Tuple.of(1, lines()), Tuple.of(1, oneArgument)).list().ofMinSize(1).ofMaxSize(12);
    }

    @Provide
    Arbitrary<String> targets() {
        return Arbitraries.of(TARGETS);
    }

    private static Arbitrary<String> wellFormed() {
        Arbitrary<String> ws = Arbitraries.of("", "", "", "", " ", "\t", "  ", "\r", "\u00a0", "\f");
        Arbitrary<String> value = scalars();
        Arbitrary<String> array = value.list().ofMaxSize(4).flatMap(vs -> ws.list().ofSize(vs.size() + 1)
                .map(w -> {
                    StringBuilder sb = new StringBuilder("[");
                    for (int i = 0; i < vs.size(); i++) {
                        sb.append(w.get(i)).append(i > 0 ? "," : "").append(vs.get(i));
                    }
                    return sb.append(w.get(vs.size())).append(']').toString();
                }));
        Arbitrary<String> field = Arbitraries.frequencyOf(
                Tuple.of(4, value.map(v -> "\"id\":" + v)),
                Tuple.of(5, array.map(a -> "\"args\":" + a)),
                Tuple.of(2, Arbitraries.of("\"args\":null", "\"args\":1", "\"args\":{}", "\"args\":[[1,2]]",
                        "\"args\":[{\"a\":1}]", "\"task\":\"java.lang.System::exit\"", "\"task\":null",
                        "\"task\":\"java.lang.Math::addExact\"", "\"kwargs\":{}", "\"kwargs\":{\"a\":1}", "\"kwargs\":null",
                        "\"timeout\":\"1s\"", "\"timeout\":null", "\"timeout\":\"0s\"", "\"bogus\":1", "\"i\\u0064\":1",
                        "\"ID\":1", "\"args\" :[1,2]", "\"id\" : 3")));
        Arbitrary<String> object = field.list().ofMaxSize(3).flatMap(fs -> ws.list().ofSize(fs.size() + 2)
                .map(w -> {
                    StringBuilder sb = new StringBuilder(w.get(0)).append('{');
                    for (int i = 0; i < fs.size(); i++) {
                        sb.append(i > 0 ? "," : "").append(w.get(i + 1)).append(fs.get(i));
                    }
                    return sb.append('}').append(w.get(fs.size() + 1)).toString();
                }));
        return Arbitraries.frequencyOf(Tuple.of(6, object), Tuple.of(2, array), Tuple.of(1, value));
    }

    /** JSON scalars (and a few other values), as text: the common ones and the ones the full way reads its own way. */
    private static Arbitrary<String> scalars() {
        Arbitrary<String> plain = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(MAX + 3)
                .map(s -> "\"" + s.replace("\\", "").replace("\"", "") + "\"");
        Arbitrary<String> odd = Arbitraries.strings().withChars("aé\u2028\uD83D\uDE00\u0001\t\"\\/\u007f")
                .ofMaxLength(5).map(s -> "\"" + s + "\"");
        Arbitrary<String> fixed = Arbitraries.of("0", "-0", "00", "01", "-01", "1.0", "1e3", "1E3", "-", "+1", "0x1",
                "123456789012345678", "1234567890123456789", "-999999999999999999", "9223372036854775807",
                "9223372036854775808", "2147483647", "2147483648", "-2147483648", "-2147483649", "1.5e400", "1e-400",
                "true", "false", "null", "tru", "nul", "True", "NaN", "[]", "[1]", "{}", "{\"a\":1}",
                "\"\\u0041\"", "\"\\n\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"", "\"\\/\"", "\"\\\"\"", "\"a", "\"\"",
                "1" + "0".repeat(1200), "[".repeat(1200) + "]".repeat(1200), "\"" + "y".repeat(MAX) + "\"",
                "\"" + "y".repeat(MAX + 1) + "\"");
        return Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.integers().map(String::valueOf)),
                Tuple.of(2, Arbitraries.longs().map(String::valueOf)),
                Tuple.of(1, Arbitraries.integers().between(-20, 20).map(String::valueOf)),
                Tuple.of(3, plain), Tuple.of(1, odd), Tuple.of(3, fixed));
    }

    @Provide
    Arbitrary<Object> results() {
        Arbitrary<String> anyString = Arbitraries.strings().ofMaxLength(MAX + 2);
        Arbitrary<String> asciiString = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(MAX + 2);
        return Arbitraries.oneOf(Arbitraries.integers().map(Object.class::cast),
                Arbitraries.longs().map(Object.class::cast),
                Arbitraries.bigIntegers().map(b -> (Object) b.multiply(BigInteger.TEN.pow(15))),
                Arbitraries.doubles().map(Object.class::cast),
                Arbitraries.bigDecimals().map(Object.class::cast),
                Arbitraries.of(true, false, 'x', '"', (short) -3, (byte) 7, new BigDecimal("-0"), -0.0, 0.0)
                        .map(Object.class::cast),
                anyString.map(Object.class::cast), asciiString.map(Object.class::cast),
                Arbitraries.integers().list().ofMaxSize(2).map(l -> (Object) new ArrayList<>(l))).injectNull(0.05);
    }

    @Provide
    Arbitrary<JsonNode> ids() {
        return Arbitraries.oneOf(Arbitraries.integers().map(i -> (JsonNode) IntNode.valueOf(i)),
                Arbitraries.longs().filter(l -> l != l.intValue()).map(l -> (JsonNode) LongNode.valueOf(l)),
                Arbitraries.strings().withCharRange(' ', '~').excludeChars('"', '\\').ofMaxLength(MAX)
                        .map(s -> (JsonNode) TextNode.valueOf(s))).injectNull(0.2);
    }

    @Provide
    Arbitrary<String> jsonTexts() {
        return Arbitraries.oneOf(scalars(), Arbitraries.strings().ofMaxLength(8),
                Arbitraries.strings().withChars("-0123456789\"\\aeu. ").ofMaxLength(22));
    }

    // ========================================================================================= helpers

    private static TaskTarget target(String spec) {
        try {
            return TaskTarget.parse(spec);
        } catch (BadInputException e) {
            throw new AssertionError(e);
        }
    }

    /** A line's output line, its duration left out (it may differ from one run to the next). */
    private static String output(Chunks.Answer a, int i) {
        return new String(a.bytes, a.outputOffset[i], a.outputLength[i], StandardCharsets.UTF_8)
                .replaceAll("\"durationMs\":\\d+", "\"durationMs\":0");
    }
}
