package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static dev.processpool.cli.CliProcess.byId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** --resume and --joblog: a run killed at any moment and resumed ends with exactly one line per input line. */
class CliResumeIT extends CliTestBase {

    private static final int LINES = 2000;

    @Test
    void aRunKilledBySigkillAgainAndAgainAndResumedEndsWithOneLinePerInputLine() throws Exception {
        long seed = Long.getLong("resume.seed", System.nanoTime());
        Random random = new Random(seed);
        List<String> in = new ArrayList<>();
        for (int i = 1; i <= LINES; i++) {
            in.add("{\"id\": \"t" + i + "\", \"args\": [" + random.nextInt(7) + "]}");
        }
        Path input = input("in.jsonl", in);
        Path out = dir.resolve("out.jsonl");
        Path log = dir.resolve("job.log");
        String[] args = {"run", "--task", task("Sleep"), "--input", input.toString(), "--output", out.toString(),
            "--resume", "--joblog", log.toString(), "--max", "2"};

        List<String> killPoints = new ArrayList<>();
        int kills = 0;
        for (int round = 0; round < 5; round++) {
            long before = lineCount(out);
            CliProcess p = start(Path.of("/dev/null"), args);
            long target;
            if (round == 0) {
                // the first kill lands early: maybe before any output, maybe while the first workers start
                long delay = 200 + random.nextInt(1200);
                await().pollDelay(Duration.ofMillis(delay)).atMost(Duration.ofSeconds(30)).until(() -> true);
                target = -1;
            } else {
                target = before + 50 + random.nextInt(500);
                await("the run writes up to line " + target).atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(2))
                        .until(() -> !p.process.isAlive() || lineCount(out) >= target);
            }
            if (!p.process.isAlive()) {
                killPoints.add("round " + round + ": ended by itself with " + lineCount(out) + " lines");
                break;
            }
            p.kill9();
            kills++;
            long at = lineCount(out);
            killPoints.add("round " + round + ": SIGKILL with " + at + " complete lines in the output (resumed from "
                    + before + (target < 0 ? ", killed after a random delay" : ", aimed at " + target) + ")"
                    + (endsTorn(out) ? ", last line torn" : ""));
            // the workers of a killed CLI exit by themselves
            p.assertNoWorkerAlive();
        }
        System.out.println("resume test: seed " + seed + "; " + String.join("; ", killPoints));
        assertThat(kills).as(String.join("\n", killPoints)).isGreaterThanOrEqualTo(3);

        CliProcess last = run(null, args);
        assertThat(last.exitCode()).as(last.stderrText()).isZero();
        List<JsonNode> lines = CliProcess.parse(Files.readString(out, StandardCharsets.UTF_8));
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).endsWith("\n");
        assertOneOutputPerInput(in, lines);
        assertThat(lines).allSatisfy(n -> assertThat(n.get("status").asText()).isEqualTo("ok"));
        Set<String> ids = lines.stream().map(n -> n.get("id").asText()).collect(Collectors.toSet());
        assertThat(ids).hasSize(LINES);
        System.out.println("resume test: final output has " + lines.size() + " lines for " + LINES + " input lines");

        List<String> jobs = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(jobs.get(0)).isEqualTo("line\tid\tstart\truntime\tworker\tstatus\terror");
        assertThat(jobs.stream().filter(l -> l.startsWith("line\t")).count()).as("one header").isEqualTo(1);
        List<String> records = jobs.subList(1, jobs.size());
        assertThat(records).allSatisfy(l -> assertThat(l.split("\t", -1)).hasSize(7));
        assertThat(records.size()).isBetween(LINES - kills, LINES);
        assertThat(last.stderrText()).contains("skipped");
    }

    @Test
    void aTornLastLineIsRepairedAndLinesNotFinallyDoneRunAgain() throws Exception {
        List<String> in = List.of("[1]", "[2]", "[3]", "[4]", "[5]", "[6]");
        Path out = dir.resolve("out.jsonl");
        Files.writeString(out,
                "{\"id\":1,\"line\":1,\"status\":\"ok\",\"result\":\"from before\",\"workerPid\":1,\"durationMs\":1}\n"
                + "{\"id\":2,\"line\":2,\"status\":\"cancelled\",\"error\":{\"type\":\"dev.processpool.TaskCancelledException\","
                + "\"message\":\"not run\",\"stackTrace\":null},\"workerPid\":null,\"durationMs\":null}\n"
                + "{\"id\":3,\"line\":3,\"status\":\"timeout\",\"error\":{\"type\":\"dev.processpool.TaskTimeoutException\","
                + "\"message\":\"timed out\",\"stackTrace\":null},\"workerPid\":7,\"durationMs\":5}\n"
                + "{\"id\":4,\"line\":4,\"status\":\"error\",\"error\":{\"type\":\"dev.processpool.WorkerStartException\","
                + "\"message\":\"no worker\",\"stackTrace\":null},\"workerPid\":null,\"durationMs\":null}\n"
                + "{\"id\":5,\"line\":5,\"status\":\"ok\",\"res", StandardCharsets.UTF_8);
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--output", out.toString(), "--resume");
        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1); // line 3 stays a timeout
        List<JsonNode> lines = CliProcess.parse(Files.readString(out, StandardCharsets.UTF_8));
        assertOneOutputPerInput(in, lines);
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("1").get("result").asText()).as("kept").isEqualTo("from before");
        assertThat(r.get("2").get("result").asText()).as("cancelled: run again").isEqualTo("slept 2 ms");
        assertThat(r.get("3").get("status").asText()).as("a timeout is final").isEqualTo("timeout");
        assertThat(r.get("4").get("result").asText()).as("never started: run again").isEqualTo("slept 4 ms");
        assertThat(r.get("5").get("result").asText()).as("torn: run again").isEqualTo("slept 5 ms");
        assertThat(r.get("6").get("result").asText()).isEqualTo("slept 6 ms");
        assertThat(p.stderrText()).contains("skipped 2");
    }

    @Test
    void duplicateIdsAreMatchedByLineAndOrderedAppendsInInputOrder() throws Exception {
        List<String> in = List.of(
                "{\"id\": \"dup\", \"args\": [1]}",
                "{\"id\": \"a\", \"args\": [2]}",
                "{\"id\": \"dup\", \"args\": [3]}",
                "{\"id\": \"b\", \"args\": [30]}",
                "{\"id\": \"dup\", \"args\": [5]}",
                "{\"id\": \"c\", \"args\": [1]}");
        Path out = dir.resolve("out.jsonl");
        Files.writeString(out,
                "{\"id\":\"dup\",\"line\":3,\"status\":\"ok\",\"result\":\"third\",\"workerPid\":1,\"durationMs\":1}\n"
                + "{\"id\":\"a\",\"line\":2,\"status\":\"ok\",\"result\":\"second\",\"workerPid\":1,\"durationMs\":1}\n",
                StandardCharsets.UTF_8);
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--output", out.toString(), "--resume", "--ordered", "--max", "2");
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        List<JsonNode> lines = CliProcess.parse(Files.readString(out, StandardCharsets.UTF_8));
        assertOneOutputPerInput(in, lines);
        assertThat(lines.stream().map(n -> n.get("line").asLong()).collect(Collectors.toList()))
                .containsExactly(3L, 2L, 1L, 4L, 5L, 6L);
        assertThat(lines.get(0).get("result").asText()).isEqualTo("third");
    }

    @Test
    void aLineWhoseIdMovedIsStillSkipped() throws Exception {
        List<String> in = List.of("{\"id\": \"new\", \"args\": [1]}", "{\"id\": \"old\", \"args\": [2]}");
        Path out = dir.resolve("out.jsonl");
        Files.writeString(out,
                "{\"id\":\"old\",\"line\":1,\"status\":\"ok\",\"result\":\"done before\",\"workerPid\":1,\"durationMs\":1}\n",
                StandardCharsets.UTF_8);
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--output", out.toString(), "--resume");
        assertThat(p.exitCode()).as(p.stderrText()).isZero();
        Map<String, JsonNode> r = byId(CliProcess.parse(Files.readString(out, StandardCharsets.UTF_8)));
        assertThat(r).hasSize(2);
        assertThat(r.get("old").get("result").asText()).isEqualTo("done before");
        assertThat(r.get("new").get("result").asText()).isEqualTo("slept 1 ms");
    }

    @Test
    void resumeNeedsAnOutputFileThatIsOurs() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        CliProcess noOutput = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--resume");
        assertThat(noOutput.exitCode()).isEqualTo(2);
        assertThat(noOutput.stderrText()).contains("--resume", "--output");
        CliProcess stdout = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--resume",
                "--output", "-");
        assertThat(stdout.exitCode()).isEqualTo(2);

        CliProcess sameFile = run(null, "run", "--task", task("Sleep"), "--input", in.toString(),
                "--output", in.toString());
        assertThat(sameFile.exitCode()).isEqualTo(2);
        assertThat(sameFile.stderrText()).contains("the input");
        assertThat(Files.readString(in, StandardCharsets.UTF_8)).as("the input is untouched").isEqualTo("[1]\n");

        Path foreign = dir.resolve("foreign.jsonl");
        Files.writeString(foreign, "{\"id\":1,\"line\":1,\"status\":\"ok\",\"result\":1}\nnot json at all\n"
                + "{\"id\":2,\"line\":2,\"status\":\"ok\",\"result\":2}\n", StandardCharsets.UTF_8);
        CliProcess garbage = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--resume",
                "--output", foreign.toString());
        assertThat(garbage.exitCode()).isEqualTo(2);
        assertThat(garbage.stderrText()).contains("line 2 of " + foreign);
        assertThat(Files.readString(foreign, StandardCharsets.UTF_8)).as("left as it was").contains("not json at all");
    }

    @Test
    void theJobLogHasAHeaderAndOneLinePerFinishedTask() throws Exception {
        List<String> in = List.of("{\"id\": \"a\\tb\", \"args\": [5]}", "[-1]", "not json");
        Path log = dir.resolve("job.log");
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                "--joblog", log.toString(), "--max", "1");
        assertThat(p.exitCode()).isEqualTo(1);
        List<String> jobs = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(jobs).hasSize(4);
        assertThat(jobs.get(0)).isEqualTo("line\tid\tstart\truntime\tworker\tstatus\terror");
        Map<String, String[]> byLine = new java.util.HashMap<>();
        for (String l : jobs.subList(1, 4)) {
            String[] f = l.split("\t", -1);
            assertThat(f).hasSize(7);
            byLine.put(f[0], f);
        }
        String[] a = byLine.get("1");
        assertThat(a[1]).isEqualTo("\"a\\tb\"");
        assertThat(a[2]).matches("\\d{10}\\.\\d{3}");
        assertThat(Double.parseDouble(a[3])).isBetween(0.005, 5.0);
        assertThat(a[4]).matches("\\d+");
        assertThat(a[5]).isEqualTo("ok");
        assertThat(a[6]).isEqualTo("-");
        assertThat(byLine.get("2")[5]).isEqualTo("error");
        assertThat(byLine.get("2")[6]).isEqualTo("java.lang.IllegalArgumentException");
        assertThat(byLine.get("3")[4]).isEqualTo("-");
        assertThat(byLine.get("3")[6]).isEqualTo("dev.processpool.cli.BadInputException");
    }

    private static long lineCount(Path file) {
        try {
            if (!Files.exists(file)) {
                return 0;
            }
            byte[] b = Files.readAllBytes(file);
            long n = 0;
            for (byte x : b) {
                if (x == '\n') {
                    n++;
                }
            }
            return n;
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static boolean endsTorn(Path file) throws java.io.IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            return false;
        }
        byte[] b = Files.readAllBytes(file);
        return b[b.length - 1] != '\n';
    }
}
