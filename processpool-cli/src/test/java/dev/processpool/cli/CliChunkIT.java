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
import java.util.TreeMap;
import java.util.stream.Collectors;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lines in chunks ({@code --chunk}) keep every line's own outcome: a chunk whose worker dies or whose line
 * overruns its timeout costs its other lines nothing (they run again, alone, with their own exact timeout),
 * and whatever a line holds, its output line is byte for byte the one it gets when it runs alone.
 * The task is {@code Tally}, which notes each run of a line in a file, so the tests see which lines ran
 * in the chunk and which ran again.
 */
class CliChunkIT extends CliTestBase {

    private static final String TALLY = "dev.processpool.cli.testtasks.Tally::run";

    @Test
    void aChunkWhoseWorkerDiesAtLine37CostsItsOtherLinesNothing() throws Exception {
        List<String> in = tallyLines(100, Map.of(37, "exit"));
        CliProcess p = run(null, runArgs(in, "--chunk", "100"));

        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> byId = CliProcess.byId(lines);
        assertThat(count(lines, "ok")).isEqualTo(99);
        assertThat(byId.get("37").get("status").asText()).isEqualTo("worker-died");
        assertThat(byId.get("37").get("error").get("message").asText()).contains("exit code 3");
        byId.forEach((id, n) -> {
            if (!id.equals("37")) {
                assertThat(n.get("result").asText()).isEqualTo("ran " + id);
            }
        });
        // the chunk ran lines 1..37 (37 took its worker down); then each line ran alone: 38..100 once in all
        Map<Long, Integer> runs = tally();
        for (long i = 1; i <= 100; i++) {
            assertThat(runs.get(i)).as("runs of line %d", i).isEqualTo(i <= 37 ? 2 : 1);
        }
        p.assertNoWorkerAlive();
    }

    @Test
    void aChunkWhoseLine50OverrunsItsTimeoutTimesOutThatLineOnly() throws Exception {
        List<String> in = tallyLines(100, Map.of(50, "hang"));
        CliProcess p = run(null, runArgs(in, "--chunk", "100", "--timeout", "2s"));

        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> byId = CliProcess.byId(lines);
        assertThat(count(lines, "ok")).isEqualTo(99);
        JsonNode fifty = byId.get("50");
        assertThat(fifty.get("status").asText()).isEqualTo("timeout");
        assertThat(fifty.get("error").get("message").asText()).isEqualTo("timed out after 2 s; the worker was killed");
        assertThat(fifty.get("durationMs").asLong()).as("its own timeout, alone").isBetween(2_000L, 3_500L);
        Map<Long, Integer> runs = tally();
        for (long i = 1; i <= 100; i++) {
            assertThat(runs.get(i)).as("runs of line %d", i).isEqualTo(i <= 50 ? 2 : 1);
        }
        p.assertNoWorkerAlive();
    }

    @Test
    void aLineAloneInAutomaticChunksTimesOutOrLosesItsWorkerOnceAsATaskOfItsOwn() throws Exception {
        // automatic chunks start with lines alone: these four go to the workers one by one, parsed there
        List<String> in = tallyLines(4, Map.of(1, "hang", 2, "exit"));
        CliProcess p = run(null, runArgs(in, "--timeout", "1s"));

        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> byId = CliProcess.byId(lines);
        JsonNode one = byId.get("1");
        assertThat(one.get("status").asText()).isEqualTo("timeout");
        assertThat(one.get("error").get("message").asText()).isEqualTo("timed out after 1 s; the worker was killed");
        assertThat(one.get("durationMs").asLong()).as("its exact timeout").isBetween(1_000L, 2_500L);
        assertThat(byId.get("2").get("status").asText()).isEqualTo("worker-died");
        assertThat(byId.get("2").get("error").get("message").asText()).contains("exit code 3");
        assertThat(count(lines, "ok")).isEqualTo(2);
        assertThat(tally()).as("each line ran once: a line alone is not run again").containsOnly(
                Map.entry(1L, 1), Map.entry(2L, 1), Map.entry(3L, 1), Map.entry(4L, 1));
        p.assertNoWorkerAlive();
    }

    @Test
    void aLineWritesTheSameOutputLineInAChunkAsAlone() throws Exception {
        Path file = dir.resolve("mixed.jsonl");
        Files.write(file, mixedInput());
        Map<String, String> alone = outputsWithoutTimes(file, "alone", "--chunk", "1");
        assertThat(alone).hasSize(mixedLineCount() + 1);
        assertThat(outputsWithoutTimes(file, "chunk-7", "--chunk", "7")).isEqualTo(alone);
        assertThat(outputsWithoutTimes(file, "auto")).isEqualTo(alone);
        assertThat(outputsWithoutTimes(file, "chunk-7-ordered", "--chunk", "7", "--ordered")).isEqualTo(alone);
    }

    @Test
    void anInputLineNamingCodeIsRefusedInAChunkAndNothingRuns() throws Exception {
        List<String> in = new ArrayList<>(tallyLines(20, Map.of()));
        in.set(9, "{\"id\": \"evil\", \"task\": \"java.lang.Runtime::halt\", \"args\": [7]}");
        in.set(10, "{\"id\": \"evil2\", \"task\": \"dev.processpool.cli.testtasks.Evil\", \"args\": []}");
        CliProcess p = run(null, runArgs(in, "--chunk", "20"));
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> byId = CliProcess.byId(lines);
        for (String id : List.of("evil", "evil2")) {
            JsonNode n = byId.get(id);
            assertThat(n.get("status").asText()).isEqualTo("error");
            assertThat(n.get("error").get("type").asText()).isEqualTo(BadInputException.class.getName());
            assertThat(n.get("error").get("message").asText()).contains("--allow-task");
            assertThat(n.get("workerPid").isNull()).isTrue();
        }
        assertThat(count(lines, "ok")).isEqualTo(18);
        assertThat(tally().values()).as("every other line ran once, in the chunk").containsOnly(1);
    }

    @Test
    void aWorkerSetsJacksonUpOnlyWhenALineNeedsItUnlessTimeoutsAreSetThenBeforeItConnects() throws Exception {
        List<String> in = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            in.add("{\"id\": " + i + ", \"args\": [" + i + ", " + (i + 1) + "]}");
        }
        Path input = input("sums.jsonl", in);
        // lines of the common shape with a number result: no worker sets Jackson up (a class or two of it may
        // load as the verifier checks a method; ObjectMapper's initialiser loads StdDateFormat, the set-up's
        // costliest part, and the mapper is built by JsonMapper's builder)
        List<List<String>> quick = workerClassLoads("quick", input, "java.lang.Math::addExact");
        assertThat(quick).as("worker class-load logs").isNotEmpty();
        for (List<String> log : quick) {
            assertThat(log).as("a worker of a run whose lines need no Jackson").noneMatch(
                    l -> l.contains(" com.fasterxml.jackson.databind.util.StdDateFormat ")
                            || l.contains(" com.fasterxml.jackson.databind.json.JsonMapper$Builder "));
        }
        // a string result needs Jackson: set up on first use, and the outputs are the same as ever
        CliProcess strings = run(null, "run", "--task", "java.lang.Integer::toString", "--input", input.toString(),
                "--max", "2");
        assertThat(strings.exitCode()).as(strings.stderrText()).isZero();
        Map<String, JsonNode> byId = CliProcess.byId(strings.outputLines());
        assertThat(byId).hasSize(200);
        assertThat(byId.get("7").get("result").asText()).isEqualTo("7");
        // with a timeout, every worker sets Jackson up before it connects, not in a task's time
        List<List<String>> timed = workerClassLoads("timed", input, "java.lang.Math::addExact", "--timeout", "30s");
        // (a worker still booting when the run ends is stopped there: it never connects, its log stops short)
        List<List<String>> connected = timed.stream()
                .filter(log -> indexOf(log, " sun.nio.ch.SocketChannelImpl ") >= 0).toList();
        assertThat(connected).as("workers that connected").isNotEmpty();
        for (List<String> log : connected) {
            int mapper = indexOf(log, " com.fasterxml.jackson.databind.util.StdDateFormat ");
            assertThat(mapper).as("ObjectMapper initialised").isNotNegative();
            assertThat(mapper).as("Jackson before the connection")
                    .isLessThan(indexOf(log, " sun.nio.ch.SocketChannelImpl "));
        }
    }

    // ========================================================================================= helpers

    /** Runs the task over the input with each worker's class loading logged; the workers' logs. */
    private List<List<String>> workerClassLoads(String name, Path input, String task, String... more)
            throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs-" + name));
        List<String> args = new ArrayList<>(List.of("run", "--task", task, "--input", input.toString(), "--max", "2",
                "--jvm-opt=-Xlog:class+load=info:file=" + logs + "/w%p.log"));
        args.addAll(List.of(more));
        CliProcess p = run(null, args.toArray(String[]::new));
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        assertThat(p.outputLines()).hasSize(200).allMatch(n -> n.get("status").asText().equals("ok"));
        List<List<String>> out = new ArrayList<>();
        try (var files = Files.list(logs)) {
            for (Path f : files.sorted().toList()) {
                out.add(Files.readAllLines(f));
            }
        }
        return out;
    }

    private static int indexOf(List<String> log, String part) {
        for (int i = 0; i < log.size(); i++) {
            if (log.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }

    private String[] runArgs(List<String> in, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--task", TALLY, "--classpath",
                CliProcess.TEST_CLASSES.toString(), "--input", input("in.jsonl", in).toString(), "--max", "2"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    private List<String> tallyLines(int n, Map<Integer, String> actions) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add("{\"id\": " + i + ", \"args\": [\"" + dir + "\", " + i + ", \"" + actions.getOrDefault(i, "ok")
                    + "\"]}");
        }
        return lines;
    }

    /** How often each line ran, from the tally file. */
    private Map<Long, Integer> tally() throws Exception {
        Map<Long, Integer> runs = new TreeMap<>();
        for (String l : Files.readAllLines(dir.resolve("tally.txt"))) {
            runs.merge(Long.parseLong(l.split(" ")[0]), 1, Integer::sum);
        }
        return runs;
    }

    private static int count(List<JsonNode> lines, String status) {
        return (int) lines.stream().filter(n -> n.get("status").asText().equals(status)).count();
    }

    private int mixedLines;

    private int mixedLineCount() {
        return mixedLines;
    }

    /** Lines of every kind: results of several types, errors of the task and of the line, odd ids, bad bytes. */
    private byte[] mixedInput() throws Exception {
        String d = "\"" + dir + "\"";
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 25; i++) {
            lines.add("{\"id\": " + i + ", \"args\": [" + d + ", " + i + ", \"" + (i % 5 == 0 ? "map" : "ok") + "\"]}");
        }
        lines.addAll(List.of(
                "{\"id\": \"s-\u00e9\\u0000\", \"args\": [" + d + ", 26, \"map\"]}",
                "{\"id\": 1.5, \"args\": [" + d + ", 27, \"throw\"]}",
                "{\"id\": -0.0, \"args\": [" + d + ", 28, \"ok\"]}",
                "{\"id\": 1e2, \"args\": [" + d + ", 29, \"ok\"]}",
                "{\"id\": 123456789012345678901234567890, \"args\": [" + d + ", 30, \"ok\"]}",
                "[" + d + ", 31, \"ok\"]",
                "{\"args\": [" + d + ", 32, \"ok\"], \"bogus\": 1}",
                "{\"id\": \"x\", \"args\": \"no\"}",
                "{\"id\": \"broken\", \"args\": [",
                "{\"id\": \"few\", \"args\": [" + d + "]}",
                "{\"id\": \"kw\", \"args\": [" + d + ", 33, \"ok\"], \"kwargs\": {\"a\": 1}}",
                "{\"id\": \"named\", \"task\": \"java.lang.System::exit\", \"args\": [3]}",
                "{\"id\": \"allowed\", \"task\": \"dev.processpool.cli.testtasks.Numbers::asDecimal\", \"args\": [1e400]}",
                "{\"id\": \"allowed2\", \"task\": \"dev.processpool.cli.testtasks.Numbers::asDouble\", \"args\": [1e400]}",
                "{\"id\": \"own-timeout\", \"args\": [" + d + ", 34, \"ok\"], \"timeout\": \"20s\"}",
                "{\"id\": \"bad-timeout\", \"args\": [" + d + ", 35, \"ok\"], \"timeout\": 5}",
                "   ",
                "{\"id\": \"dup\", \"id\": \"dup2\", \"args\": []}",
                "{\"id\": \"wrong-type\", \"args\": [" + d + ", \"x\", \"ok\"]}",
                "\"just a string\"",
                "{\"id\": {\"no\": 1}, \"args\": []}",
                "{\"id\": \"nested\", \"task\": \"no.such.Task\", \"args\": []}"));
        for (int i = 40; i <= 80; i++) {
            lines.add("{\"id\": \"t" + i + "\", \"args\": [" + d + ", " + i + ", \"ok\"]}");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            out.write((lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8));
            n += lines.get(i).isBlank() ? 0 : 1;
            if (i == 40) {
                // a line that is not UTF-8, with its id before the bad byte
                out.write("{\"id\": \"latin1\", \"args\": [\"caf".getBytes(StandardCharsets.US_ASCII));
                out.write(0xE9);
                out.write("\"]}\n".getBytes(StandardCharsets.US_ASCII));
                n++;
            }
        }
        mixedLines = n;
        return out.toByteArray();
    }

    /**
     * Runs the file with these options; returns each output line by line number with its worker pid and
     * duration blanked out (they differ from run to run), as text, plus the per-line messages on stderr.
     */
    private Map<String, String> outputsWithoutTimes(Path file, String name, String... more) throws Exception {
        Path runDir = Files.createDirectories(dir.resolve(name));
        List<String> args = new ArrayList<>(List.of("run", "--task", TALLY, "--classpath",
                CliProcess.TEST_CLASSES.toString(), "--input", file.toString(), "--max", "2", "--timeout", "30s",
                "--allow-task", "dev.processpool.cli.testtasks.Numbers::*", "--output",
                runDir.resolve("out.jsonl").toString()));
        args.addAll(List.of(more));
        CliProcess p = run(null, args.toArray(String[]::new));
        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<String> out = Files.readAllLines(runDir.resolve("out.jsonl"), StandardCharsets.UTF_8);
        if (List.of(more).contains("--ordered")) {
            List<Long> order = new ArrayList<>();
            for (String l : out) {
                order.add(CliProcess.JSON.readTree(l).get("line").asLong());
            }
            assertThat(order).isSorted();
        }
        Map<String, String> byLine = new TreeMap<>();
        for (String l : out) {
            String blanked = l.replaceAll("\"workerPid\":(\\d+|null)", "\"workerPid\":P")
                    .replaceAll("\"durationMs\":(\\d+|null)", "\"durationMs\":D")
                    .replaceAll("worker \\d+ ", "worker P ");
            byLine.put(String.format("%05d", CliProcess.JSON.readTree(l).get("line").asLong()), blanked);
        }
        byLine.put("stderr", p.stderrText().lines().filter(l -> l.startsWith("processpool: line "))
                .sorted().collect(Collectors.joining("\n")));
        return byLine;
    }
}
