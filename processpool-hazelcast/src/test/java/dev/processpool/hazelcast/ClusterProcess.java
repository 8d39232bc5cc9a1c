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
        pb.environment().put("JAVA_OPTS", "-Dprocesspool.it=" + marker);
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

    List<JsonNode> outputLines(Path output) throws IOException {
        List<JsonNode> nodes = new ArrayList<>();
        if (!Files.exists(output)) {
            return nodes;
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        for (String line : text.substring(0, end + 1).split("\n")) {
            if (!line.isEmpty()) {
                nodes.add(JSON.readTree(line));
            }
        }
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
