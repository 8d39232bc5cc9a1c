package dev.processpool.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Scratch directory, input files, and the guarantee that no process a test started outlives it. */
abstract class CliTestBase {

    static final Duration LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final List<CliProcess> started = new ArrayList<>();

    @AfterEach
    void nothingLeftAlive() {
        AssertionError first = null;
        for (CliProcess p : started) {
            try {
                p.close();
            } catch (AssertionError e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    CliProcess run(Path stdin, String... args) throws Exception {
        CliProcess p = CliProcess.start(dir, stdin != null ? stdin : Path.of("/dev/null"), args);
        started.add(p);
        p.awaitExit(LIMIT);
        p.assertNoWorkerAlive();
        return p;
    }

    /** Starts the CLI with extra environment variables and, with {@code pipeStdout}, its stdout on a pipe. */
    CliProcess start(Path stdin, Map<String, String> env, boolean pipeStdout, String... args) throws Exception {
        CliProcess p = CliProcess.start(dir, stdin, env, pipeStdout, args);
        started.add(p);
        return p;
    }

    CliProcess start(Path stdin, String... args) throws Exception {
        CliProcess p = CliProcess.start(dir, stdin, args);
        started.add(p);
        return p;
    }

    Path input(String name, List<String> lines) throws IOException {
        return Files.write(dir.resolve(name), lines, StandardCharsets.UTF_8);
    }

    static String task(String simpleName) {
        return CliProcess.EXAMPLE_PACKAGE + simpleName;
    }
}
