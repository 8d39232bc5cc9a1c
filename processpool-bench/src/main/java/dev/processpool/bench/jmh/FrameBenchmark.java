package dev.processpool.bench.jmh;

import dev.processpool.protocol.Frame;
import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * One TASK frame written with {@link FrameWriter} and read back with {@link FrameReader}, through byte-array
 * streams: the framing cost of the dispatch path without a socket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FrameBenchmark {

    /** Body bytes after the sequence number: an empty frame, a typical small task, a 64 KiB one. */
    @Param({"0", "300", "65536"})
    public int bodyBytes;

    private byte[] body;
    private ByteArrayOutputStream sink;
    private FrameWriter writer;
    private long sequence;

    @Setup
    public void setUp() {
        body = new byte[bodyBytes];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        sink = new ByteArrayOutputStream(bodyBytes + 64);
        writer = new FrameWriter(sink);
    }

    @Benchmark
    public byte[] writeSequenced() throws IOException {
        sink.reset();
        writer.writeSequenced(Protocol.FRAME_TASK, ++sequence, body, true);
        return body;
    }

    @Benchmark
    public Frame writeThenRead() throws IOException {
        sink.reset();
        writer.writeSequenced(Protocol.FRAME_TASK, ++sequence, body, true);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(sink.toByteArray()), Integer.MAX_VALUE - 8);
        Frame f = reader.read();
        if (f.sequence() != sequence) {
            throw new IllegalStateException("sequence mismatch");
        }
        return f;
    }
}
