package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static dev.processpool.cli.CliProcess.byId;
import static org.assertj.core.api.Assertions.assertThat;

/** Input bytes that are not UTF-8: the bad line gets an error line, every other line runs, from a file or stdin. */
class CliInputIT extends CliTestBase {

    @Test
    void anInvalidUtf8LineIsAnErrorLineAndEveryOtherLineRunsFromAFileAndFromStdin() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<String> shape = new ArrayList<>();
        for (int i = 1; i <= 3010; i++) {
            byte[] line = ("[" + i + "]").getBytes(StandardCharsets.US_ASCII);
            if (i == 3001) {
                line = new byte[] {'[', '"', 'a', (byte) 0xFF, 'b', '"', ']'};
            }
            bytes.write(line);
            bytes.write('\n');
            shape.add("x");
        }
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, bytes.toByteArray());

        CliProcess fromFile = run(null, "run", "--task", task("CountPrimes::isPrime"), "--input", file.toString(),
                "--max", "2");
        CliProcess fromStdin = run(file, "run", "--task", task("CountPrimes::isPrime"), "--input", "-",
                "--max", "2");
        for (CliProcess p : List.of(fromFile, fromStdin)) {
            assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
            List<JsonNode> lines = p.outputLines();
            assertOneOutputPerInput(shape, lines);
            Map<String, JsonNode> r = byId(lines);
            JsonNode bad = r.get("3001");
            assertThat(bad.get("status").asText()).isEqualTo("error");
            assertThat(bad.get("error").get("type").asText()).isEqualTo("dev.processpool.cli.BadInputException");
            assertThat(bad.get("error").get("message").asText()).isEqualTo("invalid UTF-8 at byte 4 of the line");
            assertThat(lines).filteredOn(n -> n.get("line").asLong() != 3001)
                    .allSatisfy(n -> assertThat(n.get("status").asText()).isEqualTo("ok"));
            assertThat(r.get("3010").get("result").asBoolean()).isFalse();
            assertThat(r.get("3011")).isNull();
            assertThat(p.stderrText()).contains("processpool: line 3001: invalid UTF-8 at byte 4 of the line",
                    "ok 3009, error 1");
        }
    }

    @Test
    void everyKindOfBadUtf8IsCaughtAndTheLinesIdIsKeptWhenReadable() throws Exception {
        byte[][] bad = {
            {'{', '"', 'i', 'd', '"', ':', '"', 'x', '"', ',', '"', 'a', 'r', 'g', 's', '"', ':', '[', '"',
                (byte) 0xC3, '"', ']', '}'},                               // truncated two-byte sequence
            {'[', '"', (byte) 0xC0, (byte) 0x80, '"', ']'},                // overlong NUL
            {'[', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', ']'},   // a UTF-16 surrogate
            {'[', '"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"', ']'}, // above U+10FFFF
            {'[', '"', (byte) 0x80, '"', ']'},                             // a lone continuation byte
        };
        int[] at = {20, 3, 3, 3, 3};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}); // a byte order mark, then good line 1
        bytes.write("[\"ok\"]\n".getBytes(StandardCharsets.UTF_8));
        for (byte[] b : bad) {
            bytes.write(b);
            bytes.write('\n');
        }
        bytes.write("[\"\u00e9t\u00e9 \u2603 \uD83D\uDE00\"]\n".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {'[', '"', 'e', 'n', 'd', (byte) 0xE2, (byte) 0x82}); // last line, cut, no newline
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, bytes.toByteArray());

        for (boolean stdin : new boolean[] {false, true}) {
            CliProcess p = run(stdin ? file : null, "run", "--task", "dev.processpool.cli.testtasks.Strings::length",
                    "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", stdin ? "-" : file.toString(),
                    "--max", "1");
            List<JsonNode> lines = p.outputLines();
            assertThat(lines).hasSize(8);
            Map<Long, JsonNode> byLine = new java.util.TreeMap<>();
            lines.forEach(n -> byLine.put(n.get("line").asLong(), n));
            for (int i = 0; i < bad.length; i++) {
                JsonNode n = byLine.get((long) i + 2);
                assertThat(n.get("status").asText()).isEqualTo("error");
                assertThat(n.get("error").get("message").asText()).as("line " + (i + 2))
                        .isEqualTo("invalid UTF-8 at byte " + at[i] + " of the line");
            }
            assertThat(byLine.get(2L).get("id").asText()).as("the id before the bad byte is kept").isEqualTo("x");
            assertThat(byLine.get(8L).get("error").get("message").asText())
                    .isEqualTo("invalid UTF-8 at byte 6 of the line");
            assertThat(byLine.get(1L).get("result").asInt()).as("the BOM is not part of the line").isEqualTo(2);
            assertThat(byLine.get(7L).get("result").asInt()).isEqualTo(8);
        }
    }

    @Test
    void aStringOverTheLimitIsNamedAsSuchTheIdIsKeptAndTheLimitIsAnOption() throws Exception {
        String tt = "dev.processpool.cli.testtasks.Strings::";
        String longArg = "y".repeat(20_000_001);
        List<String> in = List.of(
                "{\"args\": [\"" + longArg + "\"], \"id\": \"long-arg\"}",
                "{\"id\": \"short-arg\", \"args\": [\"abc\"]}",
                "{\"id\": \"long-result\", \"task\": \"" + tt + "repeat\", \"args\": [20000001]}",
                "{\"id\": \"ok-result\", \"task\": \"" + tt + "repeat\", \"args\": [3]}");
        Path file = input("in.jsonl", in);
        CliProcess p = run(null, "run", "--task", tt + "length", "--allow-task", "dev.processpool.cli.testtasks.*",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", file.toString(), "--max", "1",
                "--worker-heap", "512m");
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("long-arg").get("error").get("message").asText())
                .isEqualTo("a string of 20,000,001 characters exceeds the limit of 20,000,000 (--max-string-length)");
        assertThat(r.get("short-arg").get("result").asInt()).isEqualTo(3);
        assertThat(r.get("long-result").get("status").asText()).isEqualTo("error");
        assertThat(r.get("long-result").get("error").get("message").asText())
                .isEqualTo("the result holds a string of 20,000,001 characters, over the limit of 20,000,000"
                        + " (--max-string-length)");
        assertThat(r.get("ok-result").get("result").asText()).isEqualTo("xxx");

        CliProcess raised = run(null, "run", "--task", tt + "length", "--allow-task", "dev.processpool.cli.testtasks.*",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", file.toString(), "--max", "1",
                "--worker-heap", "512m", "--max-string-length", "30000000");
        assertThat(raised.exitCode()).as(raised.stderrText()).isZero();
        Map<String, JsonNode> r2 = byId(raised.outputLines());
        assertThat(r2.get("long-arg").get("result").asInt()).isEqualTo(20_000_001);
        assertThat(r2.get("long-result").get("result").asText()).hasSize(20_000_001);
    }

    @Test
    void runningOutOfMemoryWhileWritingTheResultSaysSo() throws Exception {
        // a 50 MB string, and a heap in which writing it as JSON cannot fit (the default 256m now can: the
        // workers' small young generation leaves the old one room for it)
        List<String> in = List.of("[50000000]", "[5]");
        CliProcess p = run(null, "run", "--task", "dev.processpool.cli.testtasks.Strings::repeat",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", input("in.jsonl", in).toString(),
                "--max", "1", "--max-string-length", "100000000", "--worker-heap", "128m");
        Map<String, JsonNode> r = byId(p.outputLines());
        JsonNode big = r.get("1");
        assertThat(big.get("status").asText()).isEqualTo("error");
        assertThat(big.get("error").get("type").asText()).isEqualTo("java.lang.OutOfMemoryError");
        assertThat(big.get("error").get("message").asText())
                .isEqualTo("the task returned; writing its result as JSON ran out of memory: raise --worker-heap");
        assertThat(r.get("2").get("result").asText()).isEqualTo("xxxxx");
    }

    @Test
    void outOfMemoryTracesEndWhereTheTasksOwnFramesEnd() throws Exception {
        List<String> in = List.of("[8]");
        CliProcess p = run(null, "run", "--task", task("ExhaustHeap"), "--input", input("in.jsonl", in).toString(),
                "--max", "1", "--worker-heap", "48m");
        JsonNode heap = p.outputLines().get(0);
        assertThat(heap.get("error").get("type").asText()).isEqualTo("java.lang.OutOfMemoryError");
        assertThat(heap.get("error").get("stackTrace").asText())
                .contains("at dev.processpool.cli.examples.ExhaustHeap.call(ExhaustHeap.java")
                .doesNotContain("dev.processpool.worker", "dev.processpool.cli.Invoker", "dev.processpool.cli.JsonTask",
                        "CliWorkerMain");
    }

    @Test
    void aNumberOutOfRangeForItsParameterIsABadLine() throws Exception {
        String n = "dev.processpool.cli.testtasks.Numbers::";
        List<String> in = List.of(
                line("double", n + "asDouble", "1e999999"),
                line("negative-double", n + "asDouble", "-1e999999"),
                line("tiny-double", n + "asDouble", "1e-999999"),
                line("float", n + "asFloat", "1e39"),
                line("decimal", n + "asDecimal", "1e999999"),
                line("big-integer", n + "asBigInteger", "1e999999999"),
                line("double-list", n + "asDoubleList", "[1.5, 1e999999]"),
                line("double-array", n + "asDoubleArray", "[1.5, 1e999999]"),
                line("fine-double", n + "asDouble", "2.5e300"),
                line("fine-float", n + "asFloat", "0.5"),
                line("fine-list", n + "asDoubleList", "[1.5, 2]"),
                line("object", n + "asObject", "1e999999"),
                line("object-small", n + "asObject", "0.25"));
        CliProcess p = run(null, "run", "--allow-task", "dev.processpool.cli.testtasks.*",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", input("in.jsonl", in).toString(),
                "--max", "1");
        Map<String, JsonNode> r = byId(p.outputLines());
        for (String id : List.of("double", "negative-double", "tiny-double", "float", "big-integer", "double-list",
                "double-array")) {
            JsonNode e = r.get(id);
            assertThat(e.get("status").asText()).as(id + ": " + e).isEqualTo("error");
            assertThat(e.get("error").get("type").asText()).as(id).isEqualTo("dev.processpool.cli.BadInputException");
            assertThat(e.get("error").get("message").asText()).as(id).contains("out of range");
        }
        assertThat(r.get("decimal").get("result").asText()).isEqualTo("BigDecimal 1E+999999");
        assertThat(r.get("fine-double").get("result").asText()).isEqualTo("double 2.5E300");
        assertThat(r.get("fine-float").get("result").asText()).isEqualTo("float 0.5");
        assertThat(r.get("fine-list").get("result").asText()).isEqualTo("List<Double> [1.5, 2.0]");
        assertThat(r.get("object").get("result").asText()).isEqualTo("BigDecimal 1E+999999");
        assertThat(r.get("object-small").get("result").asText()).isEqualTo("Double 0.25");
    }

    @Test
    void resultsThatAreNotDataAreErrorsNamingTheClass() throws Exception {
        String nd = "dev.processpool.cli.testtasks.NotData::";
        List<String> in = List.of(
                line("thread", nd + "thread", null),
                line("loader", nd + "classLoader", null),
                line("stream", nd + "stream", null),
                line("object", nd + "object", null),
                line("nested", nd + "nested", null),
                line("point", nd + "point", null),
                line("map", nd + "map", null));
        CliProcess p = run(null, "run", "--allow-task", "dev.processpool.cli.testtasks.*",
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", input("in.jsonl", in).toString(),
                "--max", "1");
        Map<String, JsonNode> r = byId(p.outputLines());
        Map<String, String> names = Map.of("thread", "java.lang.Thread", "loader", "ClassLoader",
                "stream", "java.io.ByteArrayInputStream", "object", "java.lang.Object", "nested", "java.lang.Thread");
        names.forEach((id, cls) -> {
            JsonNode e = r.get(id);
            assertThat(e.get("status").asText()).as(id + ": " + e).isEqualTo("error");
            assertThat(e.get("error").get("message").asText()).as(id).contains("not data", cls);
            assertThat(e.get("workerPid").asLong()).as(id).isPositive();
        });
        assertThat(r.get("point").get("result").toString()).isEqualTo("{\"x\":1,\"y\":2}");
        assertThat(r.get("map").get("result").toString()).isEqualTo("{\"a\":[1,2.5,\"x\"]}");
    }

    private static String line(String id, String task, String arg) {
        return "{\"id\": \"" + id + "\", \"task\": \"" + task + "\", \"args\": [" + (arg == null ? "" : arg) + "]}";
    }
}
