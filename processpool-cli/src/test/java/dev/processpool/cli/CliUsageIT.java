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

    /** One bad duration and one bad number as whole processes; every case is RunUsageErrorsTest's, in process. */
    @Test
    void badDurationsAndNumbersAreUsageErrors() throws Exception {
        Path in = input("in.jsonl", List.of("[1]"));
        CliProcess p = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--timeout=5x");
        assertThat(p.exitCode()).isEqualTo(2);
        assertThat(p.stderrText()).contains("--timeout", "is not a duration");
        assertThat(p.stdoutText()).isEmpty();

        CliProcess q = run(null, "run", "--task", task("Sleep"), "--input", in.toString(), "--max", "0");
        assertThat(q.exitCode()).isEqualTo(2);
        assertThat(q.stdoutText()).isEmpty();
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
