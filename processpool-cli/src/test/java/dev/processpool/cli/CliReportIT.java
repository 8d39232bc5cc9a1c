package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.processpool.cli.report.Chromium;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code --report FILE} end to end: a real run writes its report, whose counts, lanes and failure rows are
 * the run's as its output lines tell it; an interrupted run still leaves a complete report that says so.
 * Each page is then loaded in headless Chromium (when there is one; see {@code HtmlReportBrowserTest}), which
 * must build the same page without a console message; its screenshot is kept in
 * {@code target/report-browser/}.
 */
class CliReportIT extends CliTestBase {

    private static final Path SCREENSHOTS = Paths.get("target", "report-browser");
    private static final String ANNOUNCE = "dev.processpool.cli.testtasks.Announce";

    @Test
    void aRunWritesAReportThatMatchesItsOutput() throws Exception {
        List<String> in = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            in.add("{\"id\": \"p" + i + "\", \"args\": [0, " + (2000 + 500 * i) + "]}");
        }
        in.add("{\"id\": \"bad\", \"args\": \"not a list\"}");
        in.add("{\"id\": \"exit\", \"task\": \"" + task("ExitJvm") + "\", \"args\": [3]}");
        in.add("{\"id\": \"throws\", \"task\": \"" + task("Fail") + "\", \"args\": [\"<b>boom</b>\"]}");
        in.add("{\"id\": \"slow\", \"task\": \"" + task("Sleep") + "\", \"args\": [20000], \"timeout\": \"300ms\"}");
        Path report = dir.resolve("run.html");
        CliProcess p = run(null, "run", "--task", task("CountPrimes"), "--input", input("in.jsonl", in).toString(),
                "--max", "2", "--allow-task", CliProcess.EXAMPLE_PACKAGE + "*", "--report", report.toString());

        assertThat(p.exitCode()).as(p.stderrText()).isEqualTo(1);
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        String page = Files.readString(report, StandardCharsets.UTF_8);
        assertMatchesRun(page, lines, 2);
        assertThat(page).as("a completed run has no banner").doesNotContain("class=\"banner\"")
                .doesNotContain("<b>boom</b>");
        inChromium(report, "cli-run", lines, 2);
    }

    /**
     * Ctrl-C lets the two running tasks finish and cancels the rest; SIGTERM kills at once and cancels all.
     * Either way the report is there, complete, and says how the run ended.
     */
    @ParameterizedTest(name = "SIG{0}")
    @CsvSource({"INT, 130, interrupted, 2", "TERM, 143, terminated, 0"})
    void anInterruptedRunStillLeavesACompleteReportThatSaysSo(String signal, int exitCode, String ending, int ok)
            throws Exception {
        List<String> in = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            in.add("[\"" + dir + "\", \"t" + i + "\", " + (ok > 0 ? 2000 : 600_000) + "]");
        }
        Path report = dir.resolve("interrupted.html");
        CliProcess p = start(Path.of("/dev/null"), "run", "--task", ANNOUNCE,
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", input("in.jsonl", in).toString(),
                "--max", "2", "--shutdown-timeout", "30s", "--report", report.toString());
        try {
            await("2 tasks running").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                try (var files = Files.list(dir)) {
                    return files.filter(f -> f.getFileName().toString().endsWith(".started")).count() >= 2;
                }
            });
        } catch (RuntimeException e) {
            throw new AssertionError("the CLI said: " + p.stderrText(), e);
        }
        assertThat(report).as("the first checkpoint is written before any task ends").exists();
        p.signal(signal);
        assertThat(p.awaitExit(LIMIT)).as(p.stderrText()).isEqualTo(exitCode);
        p.assertNoWorkerAlive();

        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        String page = Files.readString(report, StandardCharsets.UTF_8);
        assertMatchesRun(page, lines, 2);
        assertThat(page).contains("data-ending=\"" + ending + "\"");
        assertThat(count(lines, "ok")).isEqualTo(ok);
        assertThat(count(lines, "cancelled")).isEqualTo(6 - ok);
        inChromium(report, "cli-" + ending, lines, 2);
    }

    @Test
    void aReportThatCannotBeWrittenIsAUsageErrorBeforeAnythingRuns() throws Exception {
        Path report = dir.resolve("no-such-dir").resolve("run.html");
        CliProcess p = run(null, "run", "--task", task("CountPrimes"), "--input",
                input("in.jsonl", List.of("[0, 10]")).toString(), "--report", report.toString());
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.stderrText()).contains("cannot write the report " + report);
        assertThat(p.outputLines()).isEmpty();
        p.assertNoWorkerAlive();
    }

    /**
     * The page's counts are the output's: per status, tasks that ran per lane, failure rows. Lanes: at most --max,
     * plus one per worker that died or was killed (its replacement may start while it is still being reaped, and
     * then takes a lane of its own).
     */
    private static void assertMatchesRun(String page, List<JsonNode> lines, int maxWorkers) {
        Map<String, Integer> byStatus = new TreeMap<>();
        for (String s : List.of("ok", "error", "timeout", "worker-died", "cancelled")) {
            byStatus.put(s, count(lines, s));
        }
        byStatus.forEach((status, n) -> assertThat(matches(page, "data-status=\"" + status + "\" data-count=\"(\\d+)\""))
                .as(status).containsExactly(Integer.toString(n)));
        long ran = lines.stream().filter(n -> !n.get("workerPid").isNull() && !n.get("durationMs").isNull()).count();
        assertThat(matches(page, "<g class=\"lane\"[^>]*data-tasks=\"(\\d+)\"").stream().mapToInt(Integer::parseInt)
                .sum()).as("tasks drawn in the lanes: those that ran").isEqualTo((int) ran);
        List<String> lanes = matches(page, "<svg id=\"task-stream-svg\"[^>]*data-lanes=\"(\\d+)\"");
        assertThat(lanes).hasSize(1);
        int replaced = count(lines, "worker-died") + count(lines, "timeout");
        assertThat(Integer.parseInt(lanes.get(0))).isBetween(1, maxWorkers + replaced);
        // a cancelled line that never ran is counted, not listed (a stopped run may have thousands)
        long failures = lines.stream().filter(n -> !n.get("status").asText().equals("ok"))
                .filter(n -> !n.get("status").asText().equals("cancelled") || !n.get("workerPid").isNull()).count();
        assertThat(matches(page, "<table id=\"failure-list\" data-rows=\"(\\d+)\"")).containsExactly(
                Long.toString(failures));
    }

    private void inChromium(Path report, String name, List<JsonNode> lines, int maxWorkers) throws Exception {
        Optional<Path> chromium = Chromium.findUnlessRequired();
        if (chromium.isEmpty()) {
            System.out.println("SKIPPED the browser half of CliReportIT: no Chromium found (.ci/run installs it)");
            return;
        }
        Files.createDirectories(SCREENSHOTS);
        Path screenshot = SCREENSHOTS.resolve(name + ".png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        Chromium.Result r = Chromium.load(chromium.get(), report.toAbsolutePath(), screenshot, dir.resolve("profile-"
                + name), Duration.ofSeconds(120));
        assertThat(r.exitCode()).as("Chromium's exit code; its log:\n%s", r.log()).isZero();
        assertThat(r.consoleMessages()).as("console messages").isEmpty();
        assertThat(r.dom()).contains("</html>").doesNotContain("<script");
        assertMatchesRun(r.dom(), lines, maxWorkers);
        assertThat(screenshot).exists();
    }

    private static int count(List<JsonNode> lines, String status) {
        return (int) lines.stream().filter(n -> n.get("status").asText().equals(status)).count();
    }

    private static List<String> matches(String text, String regex) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
