package dev.processpool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Usage errors of {@code run}, every case in this JVM through {@link Main#execute} (a launch of the jar per
 * case cost a second each; {@link CliUsageIT} runs one case of each kind as a process of its own): exit 2, the
 * message, nothing on stdout, and no process started.
 */
class RunUsageErrorsTest {

    @TempDir
    Path dir;

    private record Result(int code, String stdout, String stderr) {
    }

    /** Runs the command line here, with stdout and stderr captured. */
    private static synchronized Result execute(List<String> args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.execute(args.toArray(String[]::new));
            return new Result(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Result run(String... options) throws IOException {
        Path in = dir.resolve("in.jsonl");
        if (!Files.exists(in)) {
            Files.writeString(in, "[1]\n");
        }
        List<String> args = new ArrayList<>(List.of("run", "--task", CliProcess.EXAMPLE_PACKAGE + "Sleep", "--input",
                in.toString()));
        args.addAll(List.of(options));
        Result r = execute(args);
        assertThat(r.stdout()).as(String.join(" ", options)).isEmpty();
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
                .as("no process started for " + String.join(" ", options)).isEmpty();
        return r;
    }

    @Test
    void badNumbersAndSizesAreUsageErrors() throws Exception {
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "[1]\n");
        String[][] cases = {
            {"--max", "0"}, {"--min", "3", "--max", "2"}, {"--worker-heap", "lots"}, {"--queue", "0"},
            {"--max-tasks-per-worker", "-1"}, {"--task", "not a class"}, {"--classpath", "/no/such/dir"},
            {"--class-data-cache", in.toString()}, {"--retries", "-1"}, {"--memory-budget", "lots"},
            {"--memory-budget", "0"}, {"--soft-timeout", "2s", "--timeout", "2s"}, {"--worker-jit", "fast"},
            {"--worker-jit", ""},
        };
        for (String[] c : cases) {
            Result r = run(c);
            assertThat(r.code()).as(String.join(" ", c) + ": " + r.stderr()).isEqualTo(2);
            assertThat(r.stderr()).as(String.join(" ", c)).startsWith("processpool: ");
        }
    }

    @Test
    void badDurationsAreUsageErrors() throws Exception {
        for (String bad : List.of("5x", "10", "-1s", "1.5")) {
            Result r = run("--timeout=" + bad);
            assertThat(r.code()).as(bad).isEqualTo(2);
            assertThat(r.stderr()).as(bad).contains("--timeout", "is not a duration");
        }
    }
}
