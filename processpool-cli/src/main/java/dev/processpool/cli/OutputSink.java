package dev.processpool.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * Writes one JSON line per input line, as results arrive or, with {@code ordered}, in input order (finished
 * results wait for the ones before them). Thread-safe. A write failure (a closed pipe, a full disk) is
 * remembered and reported once through {@link #failure()}; later lines are dropped.
 */
final class OutputSink {

    private final LineFile out;
    private final boolean ordered;
    private final TreeMap<Long, byte[]> waiting = new TreeMap<>();
    private final LineChunk.Bytes batch = new LineChunk.Bytes(1 << 16);
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
            line = Json.mapper().writeValueAsString(record);
        } catch (IOException e) {
            line = "{\"line\":" + record.path("line").asLong() + ",\"status\":\"error\",\"error\":{\"type\":\""
                    + e.getClass().getName() + "\",\"message\":\"the output record could not be written\"}}";
        }
        byte[] bytes = LineFile.bytes(line);
        if (!ordered) {
            write(bytes, 0, bytes.length, 1);
            return;
        }
        waiting.put(seq, bytes);
        drain();
    }

    /** Emits the output lines a chunk's answer holds for the lines the worker ran. */
    synchronized void emit(Chunks.Chunk c, Chunks.Answer a) {
        if (closed) {
            return;
        }
        if (!ordered) {
            int lines = a.count - a.alone().length;
            if (lines > 0) {
                write(a.bytes, a.outputStart, a.bytes.length - a.outputStart, lines);
            }
            return;
        }
        for (int i = 0; i < a.count; i++) {
            if (a.done(i)) {
                waiting.put(c.seq(i), Arrays.copyOfRange(a.bytes, a.outputOffset[i],
                        a.outputOffset[i] + a.outputLength[i]));
            }
        }
        drain();
    }

    /** Writes the lines that are next in order, as few writes as it takes. */
    private void drain() {
        int lines = 0;
        batch.size = 0;
        while (!waiting.isEmpty() && waiting.firstKey() == nextSeq) {
            byte[] b = waiting.pollFirstEntry().getValue();
            batch.put(b, 0, b.length);
            lines++;
            nextSeq++;
            if (batch.size >= 1 << 16) {
                write(batch.data, 0, batch.size, lines);
                batch.size = 0;
                lines = 0;
            }
        }
        if (lines > 0) {
            write(batch.data, 0, batch.size, lines);
        }
        if (batch.data.length > 1 << 20) {
            batch.data = new byte[1 << 16]; // one long line need not be held for the rest of the run
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
            byte[] b = waiting.pollFirstEntry().getValue();
            write(b, 0, b.length, 1);
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

    private void write(byte[] lines, int offset, int length, int count) {
        if (failure != null) {
            return;
        }
        try {
            out.write(lines, offset, length);
            written += count;
        } catch (IOException e) {
            failure = e;
        }
    }
}
