package dev.processpool.bench.jmh;

import dev.processpool.TaskFunction;
import dev.processpool.protocol.FunctionCache;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Java serialisation of a small {@link TaskPayload} (a serialisable lambda, two arguments, one keyword
 * argument) as the parent makes it for every queued task and the worker undoes it, and of a small result.
 * The function's bytes are cached on both sides ({@code ProcessPool} for stateless lambdas, the worker's
 * {@link FunctionCache}); the arguments are serialised per task.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SerializationBenchmark {

    private TaskFunction function;
    private byte[] functionBytes;
    private List<Object> args;
    private Map<String, Object> kwargs;
    private byte[] encoded;
    private byte[] resultBytes;
    private ClassLoader loader;
    private FunctionCache cache;

    static TaskFunction square() {
        return (a, k) -> (Integer) a.get(0) * (Integer) a.get(0);
    }

    @Setup
    public void setUp() throws IOException {
        function = square();
        functionBytes = JavaSerialization.serialize(function);
        args = List.of(7, "seven");
        kwargs = new LinkedHashMap<>();
        kwargs.put("scale", 2.5d);
        encoded = new TaskPayload(functionBytes, null, TaskPayload.encodeArguments(args, kwargs)).encode();
        resultBytes = JavaSerialization.serialize(49);
        loader = SerializationBenchmark.class.getClassLoader();
        cache = new FunctionCache();
    }

    /** The parent, per queued task: arguments serialised, payload framed (function bytes cached). */
    @Benchmark
    public byte[] encodePayload() throws IOException {
        return new TaskPayload(functionBytes, null, TaskPayload.encodeArguments(args, kwargs)).encode();
    }

    /** The parent, once per stateless function class (per task for a function with state). */
    @Benchmark
    public byte[] serializeFunction() throws IOException {
        return JavaSerialization.serialize(function);
    }

    /** The worker, per task: payload decoded, function from its cache, arguments deserialised. */
    @Benchmark
    public Object decodePayload() throws Exception {
        TaskPayload p = TaskPayload.decode(encoded, 0);
        Object f = cache.get(p.functionBytes(), loader);
        Object[] a = p.decodeArguments(loader);
        return a.length == 2 ? f : null;
    }

    /** The worker without the function cache: the lambda deserialised every time. */
    @Benchmark
    public Object deserializeFunction() throws Exception {
        return JavaSerialization.deserialize(functionBytes, 0, loader, null);
    }

    /** A small result: serialised in the worker, deserialised in the parent. */
    @Benchmark
    public Object smallResultRoundTrip() throws Exception {
        return JavaSerialization.deserialize(JavaSerialization.serialize(49), 0, loader, null);
    }

    @Benchmark
    public Object deserializeSmallResult() throws Exception {
        return JavaSerialization.deserialize(resultBytes, 0, loader, null);
    }
}
