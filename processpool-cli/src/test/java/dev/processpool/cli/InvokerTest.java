package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fitting JSON-born arguments to constructors and static methods, in one JVM. */
class InvokerTest {

    public record Point(int x, int y) {
    }

    public static final class Sum implements Callable<Long> {
        private final long total;

        public Sum(long a, long b) {
            total = a + b;
        }

        public Sum(List<Long> values, Map<String, Object> kwargs) {
            long t = 0;
            for (long v : values) {
                t += v;
            }
            total = t * ((Number) kwargs.getOrDefault("times", 1)).longValue();
        }

        @Override
        public Long call() {
            return total;
        }
    }

    public static final class Pair implements Callable<Long> {
        private final long product;

        public Pair(long a, long b) {
            product = a * b;
        }

        @Override
        public Long call() {
            return product;
        }
    }

    public static final class Describe implements Callable<String> {
        private final String text;

        public Describe(Point p, Path path, int[] numbers, char c, Map<String, Object> kwargs) {
            text = p + " " + path.getFileName() + " " + numbers.length + " " + c + " " + kwargs;
        }

        @Override
        public String call() {
            return text;
        }
    }

    public static long max(long first, long... rest) {
        long m = first;
        for (long r : rest) {
            m = Math.max(m, r);
        }
        return m;
    }

    public static BigInteger twice(BigInteger b) {
        return b.shiftLeft(1);
    }

    private static Object invoke(String target, List<Object> args, Map<String, Object> kwargs) throws Exception {
        TaskTarget t = TaskTarget.parse(target);
        Invoker.check(t, InvokerTest.class.getClassLoader(), args, kwargs);
        return Invoker.invoke(t, args, kwargs);
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void numbersWidenExactly() throws Exception {
        assertThat(invoke(Pair.class.getName(), List.of(2, 3L), Map.of())).isEqualTo(6L);
        assertThat(invoke(Pair.class.getName(), List.of(2.0, 3), Map.of())).isEqualTo(6L);
        assertThatThrownBy(() -> invoke(Pair.class.getName(), List.of(2.5, 3), Map.of()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("args[0] = 2.5 cannot be passed as long");
        assertThatThrownBy(() -> invoke(Pair.class.getName(), List.of("2", 3), Map.of()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("args[0] = \"2\" (a string)");
        // (long, long) fits first; the (List<Long>, Map) constructor takes any other count, its elements converted
        assertThat(invoke(Sum.class.getName(), List.of(2, 3), Map.of())).isEqualTo(5L);
        assertThat(invoke(Sum.class.getName(), List.of(1, 2, 3), Map.of())).isEqualTo(6L);
        assertThatThrownBy(() -> invoke(Sum.class.getName(), List.of(1, 2.5, 3), Map.of()))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cannot be passed as List<Long>");
    }

    @Test
    void kwargsGoToATrailingMapOrAListAndMapConstructor() throws Exception {
        assertThat(invoke(Sum.class.getName(), new ArrayList<>(List.of(List.of(1, 2, 3))), map("times", 2)))
                .isEqualTo(12L);
        assertThat(invoke(Describe.class.getName(),
                List.of(map("x", 1, "y", 2), "/tmp/a.txt", List.of(1, 2, 3), "z"), map("k", true)))
                .isEqualTo("Point[x=1, y=2] a.txt 3 z {k=true}");
    }

    @Test
    void staticMethodsWithVarargsAndBigNumbers() throws Exception {
        String cls = InvokerTest.class.getName();
        assertThat(invoke(cls + "::max", List.of(3, 9, 4), Map.of())).isEqualTo(9L);
        assertThat(invoke(cls + "::max", List.of(3), Map.of())).isEqualTo(3L);
        assertThat(invoke(cls + "::twice", List.of(new BigInteger("123456789012345678901234567890")), Map.of()))
                .isEqualTo(new BigInteger("246913578024691357802469135780"));
    }

    @Test
    void clearMessagesForWhatCannotRun() {
        assertThatThrownBy(() -> invoke("com.example.Nope", List.of(), Map.of()))
                .hasMessageContaining("unknown task class com.example.Nope");
        assertThatThrownBy(() -> invoke("java.lang.String", List.of(), Map.of()))
                .hasMessageContaining("is not callable");
        assertThatThrownBy(() -> invoke(Pair.class.getName(), List.of(1, 2, 3), Map.of()))
                .hasMessageContaining("wrong number of arguments").hasMessageContaining("Pair(long, long)");
        assertThatThrownBy(() -> invoke(InvokerTest.class.getName() + "::nope", List.of(), Map.of()))
                .hasMessageContaining("has no public static method nope");
        assertThatThrownBy(() -> invoke(InvokerTest.class.getName() + "::max", List.of(1), Map.of("k", 1)))
                .hasMessageContaining("takes no keyword arguments");
        assertThatThrownBy(() -> TaskTarget.parse("a b")).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> TaskTarget.parse("A::")).isInstanceOf(BadInputException.class);
    }
}
