package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Runs the built CLI jar as a real subprocess: {@code java -jar target/processpool.jar ...}, with stdout and
 * stderr going to files. Every {@code run} gets {@code --jvm-opt=-Dprocesspool.it=<uuid>}, so that its worker
 * processes can be found by their command line even after the CLI is gone; {@link #close()} kills whatever
 * of this run is still alive (only those pids) and reports it.
 */
final class CliProcess implements AutoCloseable {

    /** Reads output lines; strings as long as a test makes them (the CLI's own limit is what is tested). */
    static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).build())
            .build());
    static final Path JAR = Path.of(System.getProperty("processpool.cli.jar", "target/processpool.jar"));
    static final Path EXAMPLES = Path.of(System.getProperty("processpool.cli.examples", "examples"));
    static final Path TEST_CLASSES = Path.of(System.getProperty("processpool.cli.testClasses", "target/test-classes"));
    static final String EXAMPLE_PACKAGE = "dev.processpool.cli.examples.";
    /**
     * The CLI's own JVM options: those bin/processpool gives a local run (the quick compiler and the serial
     * collector), so the tests run the command as users do, at about two thirds of the default's CPU.
     */
    static final List<String> CLI_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    /**
     * And the workers' quick compiler: the tests' tasks are small and none measures a worker's speed, so C2's
     * compilations are CPU spent for nothing (about 0.1 s of CPU per worker).
     */
    static final String WORKER_JVM_OPTION = "--jvm-opt=-XX:TieredStopAtLevel=1";

    final Process process;
    final String marker;
    final Path stdout;
    final Path stderr;
    private final List<String> command;
    private Integer exitCode;

    private CliProcess(Process process, String marker, Path stdout, Path stderr, List<String> command) {
        this.process = process;
        this.marker = marker;
        this.stdout = stdout;
        this.stderr = stderr;
        this.command = command;
    }

    /**
     * Starts the CLI.
     *
     * @param dir   scratch directory for stdout/stderr files
     * @param stdin a file for standard input, or null to keep a pipe open (see {@link #stdin()})
     */
    static CliProcess start(Path dir, Path stdin, String... args) throws IOException {
        return start(dir, stdin, Map.of(), false, args);
    }

    /**
     * Starts the CLI with extra environment variables; with {@code pipeStdout} its standard output is a pipe
     * that the test reads (and may close) through {@link #stdoutPipe()}, instead of a file.
     */
    /**
     * A prefix that gives the CLI the default dispositions of SIGINT and SIGQUIT. A suite started in the
     * background by a non-interactive shell (as some CI runners do) ignores SIGINT, the processes it starts
     * inherit that, and a JVM that starts with SIGINT ignored keeps it so: Ctrl-C tests would then test nothing.
     * {@code env --default-signal} (GNU coreutils 8.31+) resets them and executes the command in place (same pid);
     * where it is missing, the command runs as it is.
     */
    private static final List<String> DEFAULT_SIGNALS = defaultSignals();

    private static List<String> defaultSignals() {
        List<String> prefix = List.of("env", "--default-signal=INT,QUIT");
        try {
            List<String> probe = new ArrayList<>(prefix);
            probe.add("true");
            Process p = new ProcessBuilder(probe).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0 ? prefix : List.of();
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    static CliProcess start(Path dir, Path stdin, Map<String, String> env, boolean pipeStdout, String... args)
            throws IOException {
        String marker = UUID.randomUUID().toString();
        List<String> cmd = new ArrayList<>(DEFAULT_SIGNALS);
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dprocesspool.it=" + marker));
        cmd.addAll(CLI_JVM_OPTIONS);
        cmd.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        cmd.addAll(Arrays.asList(args));
        if (args.length > 0 && args[0].equals("run")) {
            cmd.add("--jvm-opt=-Dprocesspool.it=" + marker);
            cmd.add(WORKER_JVM_OPTION);
        }
        Path out = Files.createTempFile(dir, "stdout-", ".txt");
        Path err = Files.createTempFile(dir, "stderr-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().remove("COLUMNS");
        if (!env.containsKey("XDG_CACHE_HOME")) {
            // No class-data cache: each run's workers have options of their own (the marker), so a cache would
            // train an archive for every run. Tests that set XDG_CACHE_HOME test the default cache.
            pb.environment().put(WorkerOptions.CACHE_DIR_VARIABLE, "");
        }
        pb.environment().putAll(env);
        if (pipeStdout) {
            pb.redirectOutput(ProcessBuilder.Redirect.PIPE);
        }
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        return new CliProcess(pb.start(), marker, out, err, cmd);
    }

    /** Runs the CLI to its end (at most {@code limit}) with stdin from a file ({@code null}: /dev/null). */
    static CliProcess run(Path dir, Path stdin, Duration limit, String... args) throws Exception {
        CliProcess p = start(dir, stdin != null ? stdin : Path.of("/dev/null"), args);
        p.awaitExit(limit);
        return p;
    }

    OutputStream stdin() {
        return process.getOutputStream();
    }

    /** The CLI's standard output, when it was started with {@code pipeStdout}. */
    java.io.InputStream stdoutPipe() {
        return process.getInputStream();
    }

    /** Kills the CLI itself with SIGKILL (only its own pid), as a crash or the OOM killer would. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the CLI did not exit within " + limit + "; stderr:\n" + stderrText());
        }
        exitCode = process.exitValue();
        return exitCode;
    }

    int exitCode() {
        assertThat(exitCode).as("the CLI has exited").isNotNull();
        return exitCode;
    }

    /** Sends a signal to the CLI (only its own pid). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
                .redirectErrorStream(true).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill -" + name).isZero();
    }

    String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    String stdoutText() throws IOException {
        return Files.readString(stdout, StandardCharsets.UTF_8);
    }

    /** The output lines, parsed, in the order written. */
    List<JsonNode> outputLines() throws IOException {
        return parse(stdoutText());
    }

    static List<JsonNode> parse(String text) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                nodes.add(JSON.readTree(line));
            }
        }
        return nodes;
    }

    /** Output records by their "id" (as text). */
    static Map<String, JsonNode> byId(List<JsonNode> lines) {
        return lines.stream().collect(Collectors.toMap(n -> n.get("id").asText(), n -> n));
    }

    /** The invariant of every run: exactly one output line per non-blank input line, lines 1..n each once. */
    static void assertOneOutputPerInput(List<String> inputLines, List<JsonNode> output) {
        List<Long> expected = new ArrayList<>();
        for (int i = 0; i < inputLines.size(); i++) {
            if (!inputLines.get(i).isBlank()) {
                expected.add((long) i + 1);
            }
        }
        List<Long> got = output.stream().map(n -> n.get("line").asLong()).sorted().collect(Collectors.toList());
        assertThat(got).as("output lines' line numbers").isEqualTo(expected);
    }

    /** The worker processes of this run that are alive (found by the marker in their command line). */
    List<ProcessHandle> workersAlive() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != process.pid())
                .filter(p -> p.info().commandLine().map(c -> c.contains("-Dprocesspool.it=" + marker)).orElse(false))
                .filter(ProcessHandle::isAlive)
                .collect(Collectors.toList());
    }

    /** Waits (a little) for every worker of this run to be gone; fails naming them otherwise. */
    void assertNoWorkerAlive() {
        await("workers of " + command + " to be gone").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> workersAlive().isEmpty());
    }

    /** Kills what is left of this run (the CLI, its descendants, stray workers) and fails if there was any. */
    @Override
    public void close() {
        List<String> leftovers = new ArrayList<>();
        if (process.isAlive()) {
            leftovers.add("the CLI " + process.pid());
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> workersAlive().isEmpty());
        } catch (RuntimeException | AssertionError stillThere) {
            for (ProcessHandle p : workersAlive()) {
                leftovers.add("worker " + p.pid());
                p.destroyForcibly();
            }
        }
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // closed already
        }
        if (!leftovers.isEmpty()) {
            throw new AssertionError("left alive (now killed): " + leftovers + "\nstderr:\n" + stderrText());
        }
    }
}
