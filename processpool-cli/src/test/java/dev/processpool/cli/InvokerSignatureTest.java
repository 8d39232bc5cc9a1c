package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a constructor or method is named in messages and in the candidates' order ({@link Invoker#signature}),
 * now built by a loop instead of a stream (a cold worker's first line linked the stream's machinery): the same
 * text as the stream-and-pattern formulation it replaced, written out here as the reference, for every public
 * method and constructor of classes with varargs, arrays, nested and generic types.
 */
class InvokerSignatureTest {

    @Test
    void everySignatureReadsAsBefore() {
        List<Executable> all = new ArrayList<>();
        for (Class<?> c : List.of(Math.class, String.class, Arrays.class, java.util.Collections.class, List.class,
                java.util.Map.class, java.util.concurrent.ConcurrentHashMap.class, java.lang.reflect.Proxy.class,
                java.nio.file.Files.class, java.util.Map.Entry.class, StringBuilder.class, Invoker.class)) {
            all.addAll(Arrays.asList(c.getMethods()));
            all.addAll(Arrays.asList(c.getConstructors()));
        }
        assertThat(all).hasSizeGreaterThan(500);
        assertThat(all).anyMatch(Executable::isVarArgs);
        for (Executable e : all) {
            assertThat(Invoker.signature(e)).as("%s", e).isEqualTo(before(e));
        }
        assertThat(Invoker.signature(all.stream().filter(e -> e.getName().equals("format")
                && e.getParameterCount() == 2).findFirst().orElseThrow())).isEqualTo("String.format(String, Object...)");
    }

    /** The formulation {@link Invoker#signature} had before. */
    private static String before(Executable e) {
        String params = Arrays.stream(e.getParameterTypes()).map(InvokerSignatureTest::typeName)
                .collect(Collectors.joining(", "));
        if (e.isVarArgs() && params.endsWith("[]")) {
            params = params.substring(0, params.length() - 2) + "...";
        }
        String owner = e.getDeclaringClass().getSimpleName();
        return (e instanceof Constructor ? owner : owner + "." + e.getName()) + "(" + params + ")";
    }

    private static String typeName(Type t) {
        String name = t instanceof Class<?> c ? c.getSimpleName() : t.getTypeName();
        return name.replaceAll("\\b(?:[a-z_$][\\w$]*\\.)+(?=[A-Z])", "");
    }
}
