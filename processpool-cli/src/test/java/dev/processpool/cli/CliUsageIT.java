package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Help, version and usage errors: exit 2 and a clear message, no output lines, no workers. */
class CliUsageIT extends CliTestBase {

    @Test
    void helpListsTheRunCommand() throws Exception {
        CliProcess p = run(null, "--help");
        assertThat(p.exitCode()).isZero();
        assertThat(p.stdoutText()).contains("Usage: processpool", "run", "Exit codes");
    }

    @Test
    void runHelpListsEveryOptionAndTheFormats() throws Exception {
        CliProcess p = run(null, "run", "--help");
        assertThat(p.exitCode()).isZero();
        assertThat(p.stdoutText()).contains("--task", "--classpath", "--input", "--output", "--min", "--max",
                "--queue", "--timeout", "--max-tasks-per-worker", "--worker-heap", "--jvm-opt", "--ordered",
                "--fail-fast", "--quiet", "JSON Lines", "worker-died");
    }

    @Test
    void versionIsTheJarsVersion() throws Exception {
        CliProcess p = run(null, "--version");
        assertThat(p.exitCode()).isZero();
        assertThat(p.stdoutText()).startsWith("processpool " + System.getProperty("processpool.cli.version", ""));
        assertThat(p.stdoutText()).doesNotContain("development build");
    }

    @Test
    void noCommandIsAUsageError() throws Exception {
        CliProcess p = run(null);
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.stderrText()).contains("missing command", "Usage:");
    }

    @Test
    void unknownOptionIsAUsageError() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--frobnicate");
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.stderrText()).contains("Unknown option: '--frobnicate'");
        assertThat(p.stdoutText()).isEmpty();
    }

    @Test
    void badDurationsAreUsageErrors() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        for (String bad : List.of("5x", "10", "-1s", "1.5")) {
            CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--timeout=" + bad);
            assertThat(p.exitCode()).as(bad).isEqualTo(2);
            assertThat(p.stderrText()).as(bad).contains("--timeout", "is not a duration");
            assertThat(p.stdoutText()).isEmpty();
        }
    }

    @Test
    void badNumbersAndSizesAreUsageErrors() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        String[][] cases = {
            {"--max", "0"}, {"--min", "3", "--max", "2"}, {"--worker-heap", "lots"}, {"--queue", "0"},
            {"--max-tasks-per-worker", "-1"}, {"--task", "not a class"}, {"--classpath", "/no/such/dir"},
            {"--class-data-cache", in.toString()}, {"--retries", "-1"}, {"--memory-budget", "lots"},
            {"--memory-budget", "0"}, {"--soft-timeout", "2s", "--timeout", "2s"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of("run", "--task", task("Sleep"), "--input",
                    in.toString()));
            args.addAll(List.of(c));
            CliProcess p = run(null, args.toArray(String[]::new));
            assertThat(p.exitCode()).as(String.join(" ", c)).isEqualTo(2);
            assertThat(p.stdoutText()).isEmpty();
        }
    }

    @Test
    void missingInputIsAUsageError() throws Exception {
        CliProcess p = run(null, "run", "--task", task("Sleep"));
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.stderrText()).contains("--input");

        CliProcess q = run(null, "run", "--task", task("Sleep"), "--input", "no-such-file.jsonl");
        assertThat(q.exitCode()).isEqualTo(2);
        assertThat(q.stderrText()).contains("cannot read the input no-such-file.jsonl", "no such file");
        assertThat(q.stdoutText()).isEmpty();
    }
}
