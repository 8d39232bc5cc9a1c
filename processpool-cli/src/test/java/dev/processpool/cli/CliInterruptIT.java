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

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static dev.processpool.cli.CliProcess.byId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGINT and SIGTERM sent to the CLI's own pid: every input line still gets its output line, the exit code
 * says what happened, and no worker is left alive. Tasks are {@code Announce}, which leaves a file when it
 * starts, so the tests wait for running tasks without sleeping.
 */
class CliInterruptIT extends CliTestBase {

    private static final String ANNOUNCE = "dev.processpool.cli.testtasks.Announce";

    @Test
    void ctrlCOnceLetsRunningTasksFinishAndCancelsTheRest() throws Exception {
        List<String> in = announce(6, 2500);
        CliProcess p = startRun(in, "--shutdown-timeout", "30s");
        awaitStarted(2);

        p.signal("INT");
        await("the CLI says it is stopping").atMost(Duration.ofSeconds(10))
                .until(() -> p.stderrText().contains("interrupted; letting running tasks finish"));

        List<JsonNode> lines = exitedWith(p, 130, in, LIMIT);
        long ok = lines.stream().filter(n -> n.get("status").asText().equals("ok")).count();
        long cancelled = lines.stream().filter(n -> n.get("status").asText().equals("cancelled")).count();
        assertThat(ok).as("the two running tasks finished").isEqualTo(2);
        assertThat(cancelled).isEqualTo(4);
        assertThat(startedFiles()).as("nothing started after Ctrl-C").hasSize(2);
        assertThat(p.stderrText()).contains("interrupted", "ok 2", "cancelled 4");
    }

    @Test
    void ctrlCTwiceKillsTheWorkersNow() throws Exception {
        List<String> in = announce(5, 600_000);
        CliProcess p = startRun(in, "--shutdown-timeout", "10m");
        awaitStarted(2);

        p.signal("INT");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> p.stderrText().contains("interrupted; letting running tasks finish"));
        p.signal("INT");

        List<JsonNode> lines = exitedWith(p, 130, in, Duration.ofSeconds(30));
        assertAllCancelled(lines);
        long killed = lines.stream().filter(n -> !n.get("workerPid").isNull()).count();
        assertThat(killed).as("the two running tasks were cancelled with their workers").isEqualTo(2);
        assertThat(p.stderrText()).contains("killing the workers", "cancelled 5");
    }

    @Test
    void runningTasksAreCancelledWhenTheShutdownTimeoutRunsOut() throws Exception {
        List<String> in = announce(3, 600_000);
        CliProcess p = startRun(in, "--shutdown-timeout", "500ms");
        awaitStarted(2);

        p.signal("INT");
        List<JsonNode> lines = exitedWith(p, 130, in, Duration.ofSeconds(30));
        assertAllCancelled(lines);
    }

    @Test
    void sigtermKillsNowAndStillWritesEveryLine() throws Exception {
        List<String> in = announce(4, 600_000);
        CliProcess p = startRun(in, "--shutdown-timeout", "10m");
        awaitStarted(2);

        p.signal("TERM");
        List<JsonNode> lines = exitedWith(p, 143, in, Duration.ofSeconds(30));
        assertAllCancelled(lines);
    }

    @Test
    void ctrlCWhileStdinIsStillOpen() throws Exception {
        CliProcess p = start(null, "run", "--task", ANNOUNCE, "--classpath", CliProcess.TEST_CLASSES.toString(),
                "--input", "-", "--max", "2", "--shutdown-timeout", "30s");
        List<String> in = announce(2, 1000);
        for (String line : in) {
            p.stdin().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        p.stdin().flush(); // and the pipe stays open: the CLI must not wait for its end
        awaitStarted(2);

        p.signal("INT");
        List<JsonNode> lines = exitedWith(p, 130, in, Duration.ofSeconds(30));
        Map<String, JsonNode> r = byId(lines);
        assertThat(r.get("1").get("status").asText()).isEqualTo("ok");
        assertThat(r.get("2").get("status").asText()).isEqualTo("ok");
    }

    /**
     * Waits up to {@code wait} for the CLI to exit with {@code code}; checks that no worker outlived it and that every input line
     * got its output line; returns the output lines.
     */
    private static List<JsonNode> exitedWith(CliProcess p, int code, List<String> in, Duration wait)
            throws Exception {
        assertThat(p.awaitExit(wait)).isEqualTo(code);
        p.assertNoWorkerAlive();
        List<JsonNode> lines = p.outputLines();
        assertOneOutputPerInput(in, lines);
        return lines;
    }

    private static void assertAllCancelled(List<JsonNode> lines) {
        assertThat(lines).allSatisfy(n -> assertThat(n.get("status").asText()).isEqualTo("cancelled"));
    }

    private CliProcess startRun(List<String> in, String... more) throws Exception {
        Path file = input("in.jsonl", in);
        List<String> args = new ArrayList<>(List.of("run", "--task", ANNOUNCE,
                "--classpath", CliProcess.TEST_CLASSES.toString(), "--input", file.toString(), "--max", "2"));
        args.addAll(List.of(more));
        return start(Path.of("/dev/null"), args.toArray(String[]::new));
    }

    /** Lines for {@code n} Announce tasks named t1..tn that sleep {@code millis}. */
    private List<String> announce(int n, long millis) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add("[\"" + dir + "\", \"t" + i + "\", " + millis + "]");
        }
        return lines;
    }

    private void awaitStarted(int n) {
        await("%d tasks running".formatted(n)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> startedFiles().size() >= n);
    }

    private List<Path> startedFiles() throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".started")).toList();
        }
    }
}
