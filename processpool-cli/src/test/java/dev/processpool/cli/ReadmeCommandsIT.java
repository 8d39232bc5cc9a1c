package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The two commands at the top of the README, run as a newcomer runs them, in a copy of this checkout
 * (without its build output): the first builds and runs the example, and its stdout is clean JSON Lines;
 * then the build again without {@code clean} (the second command without its tests, which are this suite)
 * prints no warnings: no re-shading of the shaded jar, no javadoc lint. Doclint checked every public API
 * package, and a javadoc gap made after that still fails the next build without {@code clean}.
 */
class ReadmeCommandsIT {

    private static final Path REPO = Path.of(System.getProperty("processpool.repo", ".."));

    @TempDir
    Path scratch;

    @Test
    void theReadmesFirstTwoCommandsGiveCleanJsonAndNoWarnings() throws Exception {
        List<String> commands = readmeCommands();
        assertThat(commands).hasSizeGreaterThanOrEqualTo(2);
        assertThat(commands.get(1)).isEqualTo("mvn -B verify");
        Path copy = scratch.resolve("checkout");
        copyTree(REPO, copy);

        Result first = sh(copy, commands.get(0));
        assertThat(first.code).as(first.stderr).isZero();
        List<String> out = first.stdout.lines().toList();
        assertThat(out).as("16 tasks").hasSize(16);
        for (String line : out) {
            assertThat(line).as("no terminal escapes on stdout").doesNotContain("\u001b");
            JsonNode n = CliProcess.JSON.readTree(line);
            assertThat(n.get("status").asText()).isEqualTo("ok");
        }
        assertThat(first.stderr).contains("ok 16").doesNotContain("WARN", "\u001b");

        // the second command, without its tests: what it adds to the first is the build's own checks
        Result second = sh(copy, commands.get(1) + " -DskipTests");
        assertThat(second.code).as(second.stdout).isZero();
        assertThat(second.stdout.lines().filter(l -> l.contains("WARN")).toList()).as(second.stdout).isEmpty();
        assertThat(second.stdout).contains("BUILD SUCCESS");

        // doclint ran over every public API package, and found nothing (a warning fails the build)
        assertThat(apiPackages(copy, "processpool-core")).containsExactly("dev.processpool", "dev.processpool.logging");
        assertThat(apiPackages(copy, "processpool-hazelcast")).containsExactly("dev.processpool.hazelcast");
        assertThat(apiPackages(copy, "processpool-micrometer")).containsExactly("dev.processpool.micrometer");

        // and it runs again in a build without clean: a javadoc gap made after a passing check fails the build
        // (maven-javadoc-plugin's up-to-date check sees no source file in a module build; it passed before)
        Path task = copy.resolve("processpool-core/src/main/java/dev/processpool/ProcessTask.java");
        String source = Files.readString(task, StandardCharsets.UTF_8);
        String documented = "     * DIRAC's name for {@link #getTaskId()}.\n     *\n     * @return";
        assertThat(source).contains(documented);
        String undocumented = "     * DIRAC's name for {@link #getTaskId()}.\n     * returns";
        Files.writeString(task, source.replace(documented, undocumented), StandardCharsets.UTF_8);
        Result third = sh(copy, "mvn -B -o -pl processpool-core verify -Dmaven.test.skip=true");
        assertThat(third.code).as(third.stdout).isNotZero();
        assertThat(third.stdout).contains("ProcessTask.java", "no @return");
    }

    /** The packages whose javadoc the build made (and doclint checked) in a module. */
    private static List<String> apiPackages(Path checkout, String module) throws IOException {
        Path list = checkout.resolve(module).resolve("target/reports/apidocs/element-list");
        assertThat(list).as("doclint ran in " + module).exists();
        return Files.readAllLines(list, StandardCharsets.UTF_8).stream().filter(l -> !l.startsWith("module:")).toList();
    }

    /** The lines of the README's first sh block. */
    private static List<String> readmeCommands() throws IOException {
        List<String> lines = Files.readAllLines(REPO.resolve("README.md"), StandardCharsets.UTF_8);
        int start = lines.indexOf("```sh");
        List<String> commands = new ArrayList<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
            commands.add(lines.get(i));
        }
        return commands;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path rel = from.relativize(p);
                if (rel.startsWith(".git") || hasTargetSegment(rel)) {
                    continue;
                }
                Path dest = to.resolve(rel.toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static boolean hasTargetSegment(Path rel) {
        for (Path segment : rel) {
            if (segment.toString().equals("target")) {
                return true;
            }
        }
        return false;
    }

    private record Result(int code, String stdout, String stderr) {
    }

    private Result sh(Path cwd, String command) throws Exception {
        Path out = Files.createTempFile(scratch, "out-", ".txt");
        Path err = Files.createTempFile(scratch, "err-", ".txt");
        Process p = new ProcessBuilder("sh", "-c", command).directory(cwd.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                throw new AssertionError("'" + command + "' did not finish in 10 minutes");
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
