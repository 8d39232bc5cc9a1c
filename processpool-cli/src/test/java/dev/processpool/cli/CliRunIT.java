package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static dev.processpool.cli.CliProcess.byId;
import static org.assertj.core.api.Assertions.assertThat;

/** Whole runs of the jar: results, statuses, ordering, timeouts, crashes, bad lines, pipes, exit codes. */
class CliRunIT extends CliTestBase {

    @Test
    void happyPathCountsPrimesIntoAnOutputFile() throws Exception {
        List<String> in = List.of(
                "{\"id\": \"first\", \"args\": [0, 10000]}",
                "{\"id\": 2, \"args\": [0, 100000]}",
                "",
                "[10000, 20000]",
                "{\"args\": [0, 2]}");
        Path out = dir.resolve("out.jsonl");
        CliProcess p = run(null, "run", "--task", task("CountPrimes"), "--input", input("in.jsonl", in).toString(),
                "--output", out.toString(), "--max", "2");

        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        assertThat(p.stdoutText()).isEmpty();
        List<JsonNode> lines = CliProcess.parse(Files.readString(out, StandardCharsets.UTF_8));
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("first").get("result").asLong()).isEqualTo(1229);
        assertThat(r.get("2").get("result").asLong()).isEqualTo(9592);
        assertThat(r.get("2").get("id").isNumber()).as("a numeric id stays a number").isTrue();
        assertThat(r.get("4").get("result").asLong()).as("id defaults to the line number").isEqualTo(1033);
        assertThat(r.get("5").get("result").asLong()).isZero();
        for (JsonNode n : lines) {
            assertThat(n.get("status").asText()).isEqualTo("ok");
            assertThat(n.get("workerPid").asLong()).isPositive();
            assertThat(n.get("durationMs").asLong()).isNotNegative();
            assertThat(n.has("error")).isFalse();
        }
        assertThat(p.stderrText()).contains("processpool: 4 tasks", "ok 4, error 0, timeout 0, worker-died 0, cancelled 0",
                "p50", "p95", "max", "workers started", "replaced 0");
    }

    @Test
    void aShortRunStillLeavesAClassDataArchiveAndNothingRunningOnceItHasExited() throws Exception {
        // The run is over before the archive is trained: the CLI waits for the training at its end, so that
        // nothing it started outlives it. (That later workers start from an archive is the core's
        // ClassDataCacheTest; here every run has its own worker options, so its own key.)
        Path cache = dir.resolve("cds");
        List<String> in = List.of("[0, 1000]", "[0, 2000]");
        CliProcess p = run(null, "run", "--task", task("CountPrimes"), "--input", input("in.jsonl", in).toString(),
                "--max", "1", "--class-data-cache", cache.toString());
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        Map<String, JsonNode> r = byId(p.outputLines());
        assertThat(r.get("1").get("result").asLong()).isEqualTo(168);
        assertThat(r.get("2").get("result").asLong()).isEqualTo(303);
        assertArchiveAndNoTraining(cache);
    }

    @Test
    void theClassDataCacheIsOnByDefaultUnderXdgCacheHome() throws Exception {
        Path xdg = dir.resolve("xdg");
        List<String> in = List.of("[0, 1000]");
        CliProcess p = start(input("in.jsonl", in), Map.of("XDG_CACHE_HOME", xdg.toString()), false, "run", "--task",
                task("CountPrimes"), "--input", "-", "--max", "1");
        p.awaitExit(java.time.Duration.ofMinutes(2));
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        assertThat(p.outputLines()).hasSize(1);
        assertArchiveAndNoTraining(xdg.resolve("processpool"));
    }

    /** The archive is in place, and neither a lock nor a training process is left. */
    private static void assertArchiveAndNoTraining(Path cache) throws java.io.IOException {
        try (java.util.stream.Stream<Path> files = Files.list(cache)) {
            List<String> names = files.map(f -> f.getFileName().toString()).collect(Collectors.toList());
            assertThat(names).anyMatch(n -> n.startsWith("worker-") && !n.startsWith("worker-training-")
                    && (n.endsWith(".jsa") || n.endsWith(".aot")));
            assertThat(names).noneMatch(n -> n.endsWith(".lock") || n.startsWith("worker-training-"));
        }
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
                .map(h -> h.info().commandLine().orElse("?")))
                .noneMatch(c -> c.contains("ArchiveTrainer") || c.contains("--train"));
    }

    @Test
    void staticMethodFromStdinToStdout() throws Exception {
        List<String> in = List.of("[97]", "[100]", "{\"id\": \"big\", \"args\": [1000000007]}");
        CliProcess p = run(input("in.jsonl", in), "run", "--task", task("CountPrimes::isPrime"), "--input", "-",
                "--max", "1");

        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("1").get("result").asBoolean()).isTrue();
        assertThat(r.get("2").get("result").asBoolean()).isFalse();
        assertThat(r.get("big").get("result").asBoolean()).isTrue();
    }

    @Test
    void unorderedWritesAsTasksFinishOrderedWritesInInputOrder() throws Exception {
        List<String> in = List.of("[3000]", "[10]", "[10]", "[10]");
        Path file = input("in.jsonl", in);

        CliProcess unordered = run(null, "run", "--task", task("Sleep"), "--input", file.toString(), "--max", "2",
                "--min", "2");
        assertThat(unordered.exitCode()).as(unordered.stderrText()).isZero();
        List<JsonNode> u = unordered.outputLines();
        assertOneOutputPerInput(in, u);
        assertThat(u.get(u.size() - 1).get("line").asLong()).as("the slow first line finishes last").isEqualTo(1);

        CliProcess ordered = run(null, "run", "--task", task("Sleep"), "--input", file.toString(), "--max", "2",
                "--min", "2", "--ordered");
        assertThat(ordered.exitCode()).as(ordered.stderrText()).isZero();
        List<JsonNode> o = ordered.outputLines();
        assertOneOutputPerInput(in, o);
        assertThat(o.stream().map(n -> n.get("line").asLong()).collect(Collectors.toList()))
                .containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void timeoutsKillTheWorkerAndTheRunGoesOn() throws Exception {
        List<String> in = List.of(
                "{\"id\": \"default-timeout\", \"args\": [20000]}",
                "{\"id\": \"quick\", \"args\": [10]}",
                "{\"id\": \"own-timeout\", \"args\": [20000], \"timeout\": \"300ms\"}",
                "{\"id\": \"longer-own-timeout\", \"args\": [1200], \"timeout\": \"1m\"}");
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--timeout", "2s", "--max", "2");

        assertThat(p.exitCode()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        for (String id : List.of("default-timeout", "own-timeout")) {
            JsonNode n = r.get(id);
            assertThat(n.get("status").asText()).as(id).isEqualTo("timeout");
            assertThat(n.get("error").get("type").asText()).isEqualTo("dev.processpool.TaskTimeoutException");
            long pid = n.get("workerPid").asLong();
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                    .as("worker %d of a timed-out task is dead", pid).isFalse();
        }
        assertThat(r.get("default-timeout").get("durationMs").asLong()).isBetween(2000L, 8000L);
        assertThat(r.get("own-timeout").get("durationMs").asLong()).isBetween(300L, 5000L);
        assertThat(r.get("quick").get("status").asText()).isEqualTo("ok");
        assertThat(r.get("longer-own-timeout").get("result").asText()).isEqualTo("slept 1200 ms");
        assertThat(p.stderrText()).contains("ok 2, error 0, timeout 2");
    }

    @Test
    void aCrashingTaskAmongGoodOnesTakesOnlyItsOwnLineDown() throws Exception {
        List<String> in = List.of(
                line("a", "CountPrimes", "[0, 1000]"),
                line("exit", "ExitJvm", "[7]"),
                line("b", "CountPrimes", "[0, 2000]"),
                line("heap", "ExhaustHeap", "[8]"),
                line("c", "CountPrimes", "[0, 3000]"),
                line("throws", "Fail", "[\"boom\"]"),
                line("d", "CountPrimes", "[0, 4000]"));
        CliProcess p = run(null, "run", "--input", input("in.jsonl", in).toString(), "--max", "2",
                "--worker-heap", "48m", "--allow-task", CliProcess.EXAMPLE_PACKAGE + "*");

        assertThat(p.exitCode()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(List.of("a", "b", "c", "d")).allSatisfy(id ->
                assertThat(r.get(id).get("status").asText()).as(id).isEqualTo("ok"));
        assertThat(r.get("d").get("result").asLong()).isEqualTo(550);

        JsonNode died = r.get("exit");
        assertThat(died.get("status").asText()).isEqualTo("worker-died");
        assertThat(died.get("error").get("message").asText()).contains("exit code 7");
        assertThat(died.get("workerPid").asLong()).isPositive();

        JsonNode heap = r.get("heap");
        assertThat(heap.get("status").asText()).isEqualTo("error");
        assertThat(heap.get("error").get("type").asText()).isEqualTo("java.lang.OutOfMemoryError");

        JsonNode threw = r.get("throws");
        assertThat(threw.get("status").asText()).isEqualTo("error");
        assertThat(threw.get("error").get("type").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(threw.get("error").get("message").asText()).isEqualTo("boom");
        assertThat(threw.get("error").get("stackTrace").asText())
                .contains("at dev.processpool.cli.examples.Fail.call(Fail.java", "Caused by: java.lang.ArithmeticException")
                .doesNotContain("dev.processpool.worker");
        assertThat(p.stderrText()).contains("ok 4, error 2, timeout 0, worker-died 1, cancelled 0",
                "[worker " + died.get("workerPid").asLong() + ", line 2, stderr] ExitJvm: exiting with status 7");
    }

    @Test
    void retriesSayTheirAttemptsAndASoftTimeoutStopsATaskWithoutKillingItsWorker() throws Exception {
        List<String> in = List.of(
                line("exit", "ExitJvm", "[7]"),
                line("ok", "CountPrimes", "[0, 1000]"),
                line("soft", "Sleep", "[60000]"));
        CliProcess p = run(null, "run", "--input", input("in.jsonl", in).toString(), "--max", "2",
                "--retries", "2", "--soft-timeout", "300ms", "--timeout", "30s", "--memory-budget", "64g",
                "--allow-task", CliProcess.EXAMPLE_PACKAGE + "*");

        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("exit").get("status").asText()).isEqualTo("worker-died");
        assertThat(r.get("exit").get("attempts").asInt()).as("1 + --retries 2").isEqualTo(3);
        assertThat(r.get("exit").get("error").get("message").asText()).contains("quarantined: failed 3 times");
        assertThat(r.get("ok").get("status").asText()).isEqualTo("ok");
        assertThat(r.get("ok").get("attempts").asInt()).isEqualTo(1);
        JsonNode soft = r.get("soft");
        assertThat(soft.get("status").asText()).isEqualTo("timeout");
        assertThat(soft.get("error").get("message").asText()).contains("stopped at its soft timeout of 300 ms");
        assertThat(soft.get("durationMs").asLong()).isBetween(300L, 20_000L);
        assertThat(soft.get("attempts").asInt()).as("a soft timeout is not retried").isEqualTo(1);
    }

    /**
     * {@code --memory-budget} reaches the pool: a worker JVM uses far more than 1 MiB, so no second worker
     * starts and every line waits for the first (without the budget, four 300 ms lines on --max 3 run on more
     * than one worker).
     */
    @Test
    void overTheMemoryBudgetEveryLineWaitsForTheOneWorker() throws Exception {
        List<String> in = List.of(line("a", "Sleep", "[300]"), line("b", "Sleep", "[300]"),
                line("c", "Sleep", "[300]"), line("d", "Sleep", "[300]"));
        CliProcess p = run(null, "run", "--input", input("in.jsonl", in).toString(), "--max", "3", "--chunk", "1",
                "--memory-budget", "1m", "--allow-task", CliProcess.EXAMPLE_PACKAGE + "*");
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        assertThat(lines).allMatch(l -> l.get("status").asText().equals("ok"));
        assertThat(lines.stream().map(l -> l.get("workerPid").asLong()).distinct()).as("one worker ran them all")
                .hasSize(1);
    }

    @Test
    void badLinesGetAnErrorLineAndAMessageAndTheRunGoesOn() throws Exception {
        List<String> in = List.of(
                "[0, 100]",
                "{\"args\": [0, 100",
                "{\"id\": \"typo\", \"arg\": [1, 2]}",
                "\"just a string\"",
                "{\"id\": \"unknown\", \"task\": \"com.example.NoSuchTask\"}",
                "{\"id\": \"not-callable\", \"task\": \"java.lang.StringBuilder\"}",
                "{\"id\": \"count\", \"args\": [1, 2, 3]}",
                "{\"id\": \"type\", \"args\": [\"zero\", 100]}",
                "{\"id\": \"bad-timeout\", \"args\": [0, 100], \"timeout\": \"soon\"}",
                "{\"id\": \"no-method\", \"task\": \"dev.processpool.cli.examples.CountPrimes::nope\", \"args\": [1]}",
                "[0, 1000]");
        CliProcess p = run(null, "run", "--task", task("CountPrimes"), "--input", input("in.jsonl", in).toString(),
                "--max", "1", "--allow-task", "com.example.*", "--allow-task", "java.lang.StringBuilder",
                "--allow-task", CliProcess.EXAMPLE_PACKAGE + "*");

        assertThat(p.exitCode()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("1").get("result").asLong()).isEqualTo(25);
        assertThat(r.get("11").get("result").asLong()).isEqualTo(168);
        String err = p.stderrText();
        Map<String, String> expected = Map.of(
                "2", "malformed JSON",
                "typo", "unknown field \"arg\"",
                "4", "expected a JSON object",
                "unknown", "unknown task class com.example.NoSuchTask",
                "not-callable", "is not callable",
                "count", "wrong number of arguments",
                "type", "args[0] = \"zero\"",
                "bad-timeout", "is not a duration",
                "no-method", "has no public static method nope");
        expected.forEach((id, message) -> {
            JsonNode n = r.get(id);
            assertThat(n).as(id).isNotNull();
            assertThat(n.get("status").asText()).as(id).isEqualTo("error");
            assertThat(n.get("error").get("message").asText()).as(id).contains(message);
            assertThat(n.get("workerPid").isNull()).as(id + " never reached a worker").isTrue();
            assertThat(err).contains("line " + n.get("line").asLong() + ": ");
        });
        assertThat(err).contains("ok 2, error 9");
    }

    @Test
    void failFastStopsAtTheFirstFailureAndReportsTheRestAsCancelled() throws Exception {
        // Sleep(-5) throws in the worker: Thread.sleep rejects a negative time
        List<String> in = new ArrayList<>(List.of("[10]", "[-5]"));
        for (int i = 0; i < 6; i++) {
            in.add("[30000]");
        }
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--max", "1", "--fail-fast");

        assertThat(p.exitCode()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("1").get("status").asText()).isEqualTo("ok");
        assertThat(r.get("2").get("status").asText()).isEqualTo("error");
        for (int line = 3; line <= 8; line++) {
            assertThat(r.get(String.valueOf(line)).get("status").asText()).as("line " + line).isEqualTo("cancelled");
        }
        assertThat(p.stderrText()).contains("stopped by --fail-fast: line 2 failed");
    }

    @Test
    void stdinToStdoutPipeWithProgressAndQuiet() throws Exception {
        List<String> in = List.of("[0, 10]", "[0, 20]", "[0, 30]");
        Path file = input("in.jsonl", in);
        CliProcess p = run(file, "run", "--task", task("CountPrimes"), "--input", "-", "--output", "-",
                "--progress", "--max", "2");
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        assertOneOutputPerInput(in, p.outputLines());
        assertThat(p.stderrText()).contains("tasks 100%", "3/3", "/s", "processpool: 3 tasks");

        CliProcess quiet = run(file, "run", "--task", task("CountPrimes"), "--input", "-", "--quiet", "--max", "1");
        assertThat(quiet.exitCode()).isZero();
        assertOneOutputPerInput(in, quiet.outputLines());
        assertThat(quiet.stderrText()).isEmpty();
    }

    @Test
    void theProgressDisplayShowsTheSlowestTasksLastReportAsPlainText() throws Exception {
        // line 1 runs longest and reports a message meant to take over the terminal
        List<String> in = List.of("[\"\\u001b[31mr\\u202e\\r\\nx\\u001b]0;t\\u0007\", 1200]", "[\"quick\", 50]");
        Path file = input("in.jsonl", in);
        for (String chunk : new String[] {"1", "100"}) {
            CliProcess p = start(Path.of("/dev/null"), Map.of("COLUMNS", "80"), false, "run", "--task",
                    "dev.processpool.cli.testtasks.Progressing::report", "--classpath", CliProcess.TEST_CLASSES.toString(),
                    "--input", file.toString(), "--progress", "--max", "2", "--chunk", chunk);
            p.awaitExit(LIMIT);
            p.assertNoWorkerAlive();
            assertThat(p.exitCode()).as(p.stderrText()).isZero();
            assertOneOutputPerInput(in, p.outputLines());
            String err = p.stderrText();
            assertThat(err).as(err).contains("slowest: " + (chunk.equals("1") ? "line 1, " : "lines from 1, "),
                    "50%: \\u001B[31mr\\u202E  x\\u001B]0;t\\u0007"); // 72 columns: fits 80
            assertThat(err).doesNotContain("\u001b[31m", "\u001b]0", "\u202e", "\u0007");
        }
    }

    @Test
    void tasksFromTheClassPathOptionAndRetiredWorkers() throws Exception {
        List<String> in = List.of(
                "{\"args\": [\"" + dir + "\", \"first\", 1]}",
                "{\"args\": [\"" + dir + "\", \"second\", 1]}");
        CliProcess p = run(null, "run", "--task", "dev.processpool.cli.testtasks.Announce",
                "--classpath", CliProcess.TEST_CLASSES.toString(),
                "--input", input("in.jsonl", in).toString(), "--max", "2", "--max-tasks-per-worker", "1");
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        assertThat(lines).extracting(n -> n.get("result").asText()).containsExactlyInAnyOrder("first", "second");
        assertThat(p.stderrText()).contains("replaced 2");
    }

    private static String line(String id, String simpleClass, String args) {
        return "{\"id\": \"" + id + "\", \"task\": \"" + task(simpleClass) + "\", \"args\": " + args + "}";
    }
}
