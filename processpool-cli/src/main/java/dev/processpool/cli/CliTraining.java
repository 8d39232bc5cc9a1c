package dev.processpool.cli;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The CLI worker's own part of a class-data archive's training ({@code CliWorkerMain --train}, started by the
 * core's {@code ClassDataCache}): before the core's training session, it runs chunks of input lines through
 * {@link LineChunk} in this JVM, as a worker runs them, so that the archive also holds what a CLI worker loads
 * for its first lines: JSON (Jackson's mapper, tree and writer), the quick and the full way of a line, the
 * method lookup and argument conversion, and the output line of a result, of an exception and of a bad line.
 * Without it, an archive trained by the core alone left three quarters of a CLI worker's classes out.
 */
final class CliTraining {

    /** Lines in the shapes a run meets: quick, full, bare, an exception, an ambiguous number, bad JSON. */
    private static final List<String> LINES = List.of(
            "{\"id\":1,\"args\":[1,2]}",
            "{\"args\":[3,4],\"id\":\"two\"}",
            "[5,6]",
            "{\"id\":4,\"args\":[9223372036854775807,1]}",
            "{\"id\":5,\"args\":[1.5,2]}",
            "{\"id\":6,\"args\":[1,2],\"kwargs\":{}}",
            "{\"id\":7,\"args\":[\"x\"]}",
            "not json",
            "{\"id\":9,\"args\":[1,2],\"timeout\":\"1s\"}");

    private CliTraining() {
    }

    /** Runs the training chunks; any failure only leaves the archive smaller (the core's training follows). */
    static void run() {
        try {
            Json.mapper().writeValueAsString(Map.of("warm", List.of(1, 2.5, "up")));
            for (boolean quick : new boolean[] {true, false}) {
                chunk(TaskTarget.parse("java.lang.Math::addExact"), quick);
            }
            chunk(TaskTarget.parse("java.lang.Integer::parseInt"), true);
        } catch (Throwable t) {
            System.err.println("processpool: the CLI's part of the class-data training failed: " + t);
        }
    }

    private static void chunk(TaskTarget target, boolean quick) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(request);
        long line = 1;
        for (String text : LINES) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            out.writeLong(line++);
            out.writeInt(b.length);
            out.write(b);
        }
        LineChunk chunk = new LineChunk(target, AllowedTasks.NONE, Duration.ofSeconds(30), Json.maxStringLength(),
                true, quick);
        Object answer = chunk.call(List.of(request.toByteArray()), Map.of());
        if (!(answer instanceof byte[])) {
            throw new IOException("a training chunk answered " + answer);
        }
    }
}
