package dev.processpool.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.TreeMap;

/**
 * Writes one JSON line per input line, as results arrive or, with {@code ordered}, in input order (finished
 * results wait for the ones before them). Thread-safe. A write failure (a closed pipe, a full disk) is
 * remembered and reported once through {@link #failure()}; later lines are dropped.
 */
final class OutputSink {

    private final LineFile out;
    private final boolean ordered;
    private final ObjectMapper mapper = Json.mapper();
    private final TreeMap<Long, String> waiting = new TreeMap<>();
    private long nextSeq;
    private long written;
    private boolean closed;
    private IOException failure;

    OutputSink(LineFile out, boolean ordered) {
        this.out = out;
        this.ordered = ordered;
    }

    /** Emits the record of output sequence number {@code seq} (0 for the first line this run writes). */
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

    /** Forces the lines written so far to the disk if the last time was a while ago. */
    void syncIfDue() {
        try {
            out.syncIfDue();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Forces the lines written so far to the disk now (a shutdown hook's last act). */
    void sync() {
        try {
            out.sync();
        } catch (IOException e) {
            fail(e);
        }
    }

    /** Writes whatever still waits (in order), forces it to the disk and closes; later records are dropped. */
    synchronized void close() {
        if (closed) {
            return;
        }
        while (!waiting.isEmpty()) {
            write(waiting.pollFirstEntry().getValue());
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            fail(e);
        }
    }

    private synchronized void fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    private void write(String line) {
        if (failure != null) {
            return;
        }
        try {
            out.write(line);
            written++;
        } catch (IOException e) {
            failure = e;
        }
    }
}
