package dev.processpool.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/processpool}'s class-data archive of the parent JVM ({@link ParentArchive}): written by a run that
 * ended well, used by the next, and a damaged one (truncated: it would crash a JDK 17 JVM) neither used nor
 * left in place; stdout stays the run's JSON lines throughout.
 */
class LauncherArchiveIT {

    private static final Path LAUNCHER = Path.of("bin", "processpool").toAbsolutePath();
    private static final int LINES = 20;

    @TempDir
    Path dir;

    @AfterEach
    void nothingLeft() {
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(h -> h.info().toString()))
                .as("processes left").isEmpty();
    }

    private record Result(int code, List<String> stdout, String trace) {
    }

    /** Runs the launcher under {@code sh -x}: its trace (stderr) shows the JVM options it chose. */
    private Result run(Path cache, Path in, String... more) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        List<String> cmd = new ArrayList<>(List.of("sh", "-x", LAUNCHER.toString(), "run", "--task",
                "java.lang.Math::addExact", "--input", in.toString(), "--max", "1", "-q"));
        cmd.addAll(List.of(more));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put(WorkerOptions.CACHE_DIR_VARIABLE, cache.toString());
        pb.environment().remove("PROCESSPOOL_JAVA_OPTS");
        Process p = pb.start();
        try {
            assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("the run ended").isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), Files.readAllLines(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private static List<Path> parentArchives(Path cache) throws Exception {
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(f -> f.getFileName().toString().startsWith("cli-")).collect(Collectors.toList());
        }
    }

    private static void assertCleanOutput(Result r) {
        assertThat(r.code()).as(r.trace()).isZero();
        assertThat(r.stdout()).as("exactly the run's lines on stdout").hasSize(LINES)
                .allMatch(l -> l.startsWith("{\"id\":") && l.contains("\"status\":\"ok\""));
    }

    @Test
    void aRunThatEndedWellLeavesTheParentsArchiveTheNextUsesItAndADamagedOneIsReplaced() throws Exception {
        Path cache = dir.resolve("cache");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            lines.add("{\"id\":" + i + ",\"args\":[" + i + "," + (i + 1) + "]}");
        }
        Path in = Files.write(dir.resolve("in.jsonl"), lines);

        // --help is not a run: an archive of its classes would serve later runs badly, and for good
        ProcessBuilder help = new ProcessBuilder("sh", LAUNCHER.toString(), "run", "--help")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        help.environment().put("JAVA_HOME", System.getProperty("java.home"));
        help.environment().put(WorkerOptions.CACHE_DIR_VARIABLE, cache.toString());
        help.environment().remove("PROCESSPOOL_JAVA_OPTS");
        Process h = help.start();
        assertThat(h.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(h.exitValue()).isZero();
        if (Files.isDirectory(cache)) {
            assertThat(parentArchives(cache)).as("no archive from run --help").isEmpty();
        }

        // the run that writes the archive writes its lines to a file: its stdout stays empty (the JDK's dump
        // prints a line on System.out)
        Path output = dir.resolve("first.jsonl");
        Result first = run(cache, in, "--output", output.toString());
        assertThat(first.code()).as(first.trace()).isZero();
        assertThat(first.stdout()).as("stdout of a run with --output").isEmpty();
        assertThat(Files.readAllLines(output)).hasSize(LINES).allMatch(l -> l.contains("\"status\":\"ok\""));
        assertThat(first.trace()).contains("-XX:+RecordDynamicDumpInfo").doesNotContain("SharedArchiveFile");
        List<Path> archives = parentArchives(cache);
        assertThat(archives).hasSize(1);
        Path archive = archives.get(0);
        assertThat(archive.getFileName().toString()).endsWith("-" + Files.size(archive) + ".jsa");
        try (Stream<Path> s = Files.list(cache)) {
            assertThat(s.map(f -> f.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
        }

        Result second = run(cache, in);
        assertCleanOutput(second);
        assertThat(second.trace()).contains("-XX:SharedArchiveFile=" + archive);

        // truncated (a full disk, a bad copy): a JDK 17 JVM that maps it dies of SIGBUS, printing on stdout
        archive.toFile().setWritable(true);
        try (var ch = java.nio.channels.FileChannel.open(archive, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(100_000);
        }
        Result third = run(cache, in);
        assertCleanOutput(third);
        assertThat(third.trace()).doesNotContain("SharedArchiveFile").contains("-XX:+RecordDynamicDumpInfo");
        List<Path> after = parentArchives(cache);
        assertThat(after).hasSize(1);
        assertThat(after.get(0).getFileName().toString()).endsWith("-" + Files.size(after.get(0)) + ".jsa");
        assertThat(Files.size(after.get(0))).isGreaterThan(100_000);
    }
}
