package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What users see on stderr and in the help: tasks, lines and workers, no internals; short usage errors. */
class CliNoiseIT extends CliTestBase {

    /** Words of the pool's inner workings that a user of the command should never meet. */
    private static final List<String> JARGON = List.of("WARN", "STOPPING", "WORKING", "not due to run", "#",
            "processpool-1", "task line-");

    @Test
    void failFastSpeaksOfLinesAndWorkersOnly() throws Exception {
        // Sleep(-5) throws; the short lines behind it are pipelined to the workers, then cancelled
        List<String> in = new ArrayList<>(List.of("[10]", "[-5]"));
        for (int i = 0; i < 200; i++) {
            in.add("[1]");
        }
        for (int round = 0; round < 3; round++) {
            CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", input("in.jsonl", in).toString(),
                    "--max", "2", "--fail-fast");
            assertThat(p.exitCode()).isEqualTo(1);
            assertThat(p.stderrText()).contains("stopped by --fail-fast: line 2 failed");
            assertNoJargon(p.stderrText());
        }
    }

    @Test
    void aBrokenOutputSpeaksOfLinesAndWorkersOnly() throws Exception {
        List<String> in = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            in.add("[" + i + "]");
        }
        for (int round = 0; round < 2; round++) {
            CliProcess p = start(Path.of("/dev/null"), Map.of(), true, "run", "--task", task("CountPrimes::isPrime"),
                    "--input", input("in.jsonl", in).toString(), "--max", "2");
            BufferedReader out = new BufferedReader(new InputStreamReader(p.stdoutPipe(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).contains("\"status\":\"ok\"");
            out.close();
            assertThat(p.awaitExit(LIMIT)).isEqualTo(1);
            p.assertNoWorkerAlive();
            assertThat(p.stderrText()).contains("the output could not be written");
            assertNoJargon(p.stderrText());
        }
    }

    @Test
    void topLevelHelpListsEveryExitCode() throws Exception {
        CliProcess p = run(null, "--help");
        assertThat(p.exitCode()).isZero();
        assertThat(p.stdoutText()).contains("130", "143");
    }

    @Test
    void aUsageErrorPrintsTheErrorAndWhereHelpIsNotTheWholeHelp() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--frobnicate");
        assertThat(p.exitCode()).isEqualTo(2);
        List<String> err = p.stderrText().lines().toList();
        assertThat(err).hasSizeLessThanOrEqualTo(3);
        assertThat(err.get(0)).contains("Unknown option: '--frobnicate'");
        assertThat(p.stderrText()).contains("processpool run --help").doesNotContain("--max-tasks-per-worker");

        CliProcess none = run(null);
        assertThat(none.exitCode()).isEqualTo(2);
        assertThat(none.stderrText().lines().count()).isLessThanOrEqualTo(3);
        assertThat(none.stderrText()).contains("missing command", "processpool --help");
    }

    private static void assertNoJargon(String stderr) {
        for (String word : JARGON) {
            assertThat(stderr).as("stderr:\n" + stderr).doesNotContain(word);
        }
    }
}
