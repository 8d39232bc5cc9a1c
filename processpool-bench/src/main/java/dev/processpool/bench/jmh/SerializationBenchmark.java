package dev.processpool.bench.jmh;

import dev.processpool.TaskFunction;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;
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

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Java serialisation of a small {@link TaskPayload} (a serialisable lambda, two arguments, one keyword
 * argument), as the parent does for every queued task and the worker undoes; and of a small result.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializationBenchmark {

    private TaskPayload payload;
    private byte[] payloadBytes;
    private byte[] resultBytes;
    private ClassLoader loader;

    static TaskFunction square() {
        return (args, kwargs) -> (Integer) args.get(0) * (Integer) args.get(0);
    }

    @Setup
    public void setUp() throws IOException {
        List<Object> args = new ArrayList<>(List.of(7, "seven"));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("scale", 2.5d);
        payload = new TaskPayload(square(), null, args, kwargs);
        payloadBytes = JavaSerialization.serialize(payload);
        resultBytes = JavaSerialization.serialize(49);
        loader = SerializationBenchmark.class.getClassLoader();
    }

    @Benchmark
    public byte[] serializePayload() throws IOException {
        return JavaSerialization.serialize(payload);
    }

    @Benchmark
    public Object deserializePayload() throws Exception {
        return JavaSerialization.deserialize(payloadBytes, 0, loader, null);
    }

    @Benchmark
    public Object payloadRoundTrip() throws Exception {
        return JavaSerialization.deserialize(JavaSerialization.serialize(payload), 0, loader, null);
    }

    @Benchmark
    public Object smallResultRoundTrip() throws Exception {
        return JavaSerialization.deserialize(JavaSerialization.serialize(49), 0, loader, null);
    }

    @Benchmark
    public Object deserializeSmallResult() throws Exception {
        return JavaSerialization.deserialize(resultBytes, 0, loader, null);
    }
}
