package dev.processpool;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A library user with slf4j-api and no SLF4J provider on the class path (as the README's first library
 * example has) still sees what tasks print and what the pool warns about: on stderr.
 */
class NoLoggingProviderTest {

    @Test
    void withoutAnSlf4jProviderWorkerOutputAndPoolWarningsGoToStderr() throws Exception {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("slf4j-simple"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(classPath).contains("slf4j-api");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path out = Files.createTempFile("no-provider", ".out");
        Path err = Files.createTempFile("no-provider", ".err");
        Process p = new ProcessBuilder(java, "-cp", classPath, NoLoggingProviderMain.class.getName())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(90, TimeUnit.SECONDS)).isTrue();
            String stdout = Files.readString(out, StandardCharsets.UTF_8);
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(stdout + stderr).isZero();
            assertThat(stdout).contains("results: printed, WorkerDiedException", "DONE");
            assertThat(stderr).contains("hello on stdout from a task", "hello on stderr from a task");
            assertThat(stderr).containsPattern("WARN.*died while running task");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
