package dev.processpool.bench.jmh;

import dev.processpool.protocol.RemoteFailure;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@link RemoteFailure}: describing a thrown exception in the worker ({@code of}, which also serialises it),
 * encoding it for an ERROR frame, and decoding it in the parent.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RemoteFailureBenchmark {

    private Throwable thrown;
    private RemoteFailure failure;
    private byte[] encoded;

    @Setup
    public void setUp() throws IOException {
        thrown = deep(12);
        failure = RemoteFailure.of(RemoteFailure.TASK_THREW, thrown);
        encoded = failure.encode();
    }

    /** An exception with a cause, thrown from a stack {@code depth} frames deeper than the caller. */
    private static Throwable deep(int depth) {
        if (depth > 0) {
            return deep(depth - 1);
        }
        return new IllegalStateException("task failed: bad input 42",
                new NumberFormatException("For input string: \"x42\""));
    }

    @Benchmark
    public RemoteFailure describe() {
        return RemoteFailure.of(RemoteFailure.TASK_THREW, thrown);
    }

    @Benchmark
    public byte[] encode() throws IOException {
        return failure.encode();
    }

    @Benchmark
    public RemoteFailure decode() throws IOException {
        return RemoteFailure.decode(new DataInputStream(new ByteArrayInputStream(encoded)));
    }

    @Benchmark
    public RemoteFailure encodeDecode() throws IOException {
        return RemoteFailure.decode(new DataInputStream(new ByteArrayInputStream(failure.encode())));
    }
}
