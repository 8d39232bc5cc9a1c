package dev.processpool.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code processpool} command (a member or a client) started through {@code processpool-cli/bin/processpool}
 * as a real process, with stdout and stderr in files and a marker in its JVM's command line (and its workers').
 */
final class ClusterProcess {

    static final ObjectMapper JSON = new ObjectMapper();
    /** For the members' and clients' own JVMs (not their workers'). */
    static final String JVM_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";
    static final Path SCRIPT = Path.of(System.getProperty("processpool.script", "../processpool-cli/bin/processpool"));

    final String what;
    final Process process;
    final Path stdout;
    final Path stderr;

    private ClusterProcess(String what, Process process, Path stdout, Path stderr) {
        this.what = what;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    static ClusterProcess start(Path dir, String what, String marker, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("sh");
        cmd.add(SCRIPT.toAbsolutePath().toString());
        cmd.addAll(args);
        Path out = dir.resolve(what + ".out");
        Path err = dir.resolve(what + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                        new java.io.File("/dev/null")));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().put("PROCESSPOOL_CACHE_DIR", ""); // no class-data training beside the cluster's tests
        // The quick compiler and the serial collector, as bin/processpool gives a local run: a member's start
        // (Hazelcast's own) took 6 to 7 s on 2 busy cores with the defaults, 4 s with these.
        pb.environment().put("JAVA_OPTS", "-Dprocesspool.it=" + marker + " " + JVM_OPTIONS);
        return new ClusterProcess(what, pb.start(), out, err);
    }

    long pid() {
        return process.pid();
    }

    String stderrText() {
        try {
            return Files.readString(stderr, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The complete lines of {@code output}, parsed. */
    List<JsonNode> outputLines(Path output) throws IOException {
        return newOutputLines(output, new long[] {0});
    }

    /**
     * The complete lines written to {@code output} since {@code offset[0]} (a byte offset), which moves past
     * them: for watching a growing output without parsing it all again each time.
     */
    List<JsonNode> newOutputLines(Path output, long[] offset) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (!Files.exists(output)) {
            return nodes;
        }
        byte[] tail;
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(output.toFile(), "r")) {
            long length = f.length();
            if (length <= offset[0]) {
                return nodes;
            }
            tail = new byte[(int) (length - offset[0])];
            f.seek(offset[0]);
            f.readFully(tail);
        }
        int end = tail.length - 1;
        while (end >= 0 && tail[end] != '\n') {
            end--;
        }
        if (end < 0) {
            return nodes;
        }
        for (String line : new String(tail, 0, end + 1, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                nodes.add(JSON.readTree(line));
            }
        }
        offset[0] += end + 1;
        return nodes;
    }

    int awaitExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError(what + " did not exit within " + seconds + " s; stderr:\n" + stderrText());
        }
        return process.exitValue();
    }

    /** Sends a signal to this process only (its pid). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new AssertionError("kill -" + name + " " + pid() + " failed");
        }
    }

    @Override
    public String toString() {
        return what + " (pid " + pid() + ")";
    }
}
