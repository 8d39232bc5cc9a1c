package dev.processpool.protocol;

import dev.processpool.TaskFunction;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CompactLambdaTest {

    private static final ClassLoader LOADER = CompactLambdaTest.class.getClassLoader();

    static TaskFunction twice() {
        return (args, kwargs) -> 2 * (Integer) args.get(0);
    }

    static TaskFunction methodReference() {
        return CompactLambdaTest::first;
    }

    static Object first(List<Object> args, Map<String, Object> kwargs) {
        return args.get(0);
    }

    /** A named class: not a lambda. */
    static final class Named implements TaskFunction {
        @Override
        public Object call(List<Object> args, Map<String, Object> kwargs) {
            return null;
        }
    }

    @Test
    void aLambdaThatCapturesNothingComesBackAsTheSameFunction() throws Exception {
        byte[] bytes = CompactLambda.encode(twice());
        assertThat(bytes).isNotNull();
        assertThat(CompactLambda.isCompact(bytes)).isTrue();
        Object back = CompactLambda.decode(bytes, LOADER);
        assertThat(((TaskFunction) back).call(List.of(21), Map.of())).isEqualTo(42);

        Object ref = CompactLambda.decode(CompactLambda.encode(methodReference()), LOADER);
        assertThat(((TaskFunction) ref).call(List.of("x"), Map.of())).isEqualTo("x");
    }

    @Test
    void capturingLambdasAndOtherClassesHaveNoCompactForm() throws Exception {
        int captured = 3;
        TaskFunction capturing = (args, kwargs) -> captured;
        assertThat(CompactLambda.encode(capturing)).isNull();
        assertThat(CompactLambda.encode(new Named())).isNull();
        assertThat(CompactLambda.isCompact(JavaSerialization.serialize(twice()))).isFalse();
    }

    @Test
    void aFunctionCacheTakesBothForms() throws Exception {
        FunctionCache cache = new FunctionCache();
        Object compact = cache.get(CompactLambda.encode(twice()), LOADER);
        Object serialised = cache.get(JavaSerialization.serialize(twice()), LOADER);
        assertThat(((TaskFunction) compact).call(List.of(1), Map.of())).isEqualTo(2);
        assertThat(((TaskFunction) serialised).call(List.of(1), Map.of())).isEqualTo(2);
    }

    @Test
    void malformedBytesAreAProtocolError() {
        byte[] bytes = CompactLambda.encode(twice());
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        assertThatThrownBy(() -> CompactLambda.decode(truncated, LOADER)).isInstanceOf(ProtocolException.class);
        // another implementation method: $deserializeLambda$ does not know it
        String text = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = text.indexOf("lambda$twice$");
        assertThat(at).isPositive();
        bytes[at + "lambda$twi".length()] = 'C';
        assertThatThrownBy(() -> CompactLambda.decode(bytes, LOADER)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("cannot rebuild a lambda");
    }
}
