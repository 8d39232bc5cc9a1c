package dev.processpool.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Writer;
import java.util.TreeMap;

/**
 * Writes one JSON line per input line, as results arrive or, with {@code ordered}, in input order (finished
 * results wait for the ones before them). Thread-safe. A write failure (a closed pipe, a full disk) is
 * remembered and reported once through {@link #failure()}; later lines are dropped.
 */
final class OutputSink {

    private final Writer out;
    private final boolean ordered;
    private final ObjectMapper mapper = Json.mapper();
    private final TreeMap<Long, String> waiting = new TreeMap<>();
    private long nextSeq;
    private long written;
    private boolean closed;
    private IOException failure;

    OutputSink(Writer out, boolean ordered) {
        this.out = out;
        this.ordered = ordered;
    }

    /** Emits the record of input sequence number {@code seq} (0 for the first non-blank line). */
    synchronized void emit(long seq, ObjectNode record) {
        if (closed) {
            return;
        }
        String line;
        try {
            line = mapper.writeValueAsString(record);
        } catch (IOException e) {
            line = "{\"line\":" + record.path("line").asLong() + ",\"status\":\"error\",\"error\":{\"type\":\""
                    + e.getClass().getName() + "\",\"message\":\"the output record could not be written\"}}";
        }
        if (!ordered) {
            write(line);
            return;
        }
        waiting.put(seq, line);
        while (!waiting.isEmpty() && waiting.firstKey() == nextSeq) {
            write(waiting.pollFirstEntry().getValue());
            nextSeq++;
        }
    }

    /** How many ordered results wait for an earlier one. */
    synchronized int waitingCount() {
        return waiting.size();
    }

    synchronized long written() {
        return written;
    }

    synchronized IOException failure() {
        return failure;
    }

    /** Writes whatever still waits (in order), flushes and closes; later records are dropped. */
    synchronized void close() {
        if (closed) {
            return;
        }
        while (!waiting.isEmpty()) {
            write(waiting.pollFirstEntry().getValue());
        }
        closed = true;
        try {
            out.flush();
            out.close();
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            }
        }
    }

    private void write(String line) {
        if (failure != null) {
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            out.flush();
            written++;
        } catch (IOException e) {
            failure = e;
        }
    }
}
