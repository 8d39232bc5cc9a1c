package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;
import com.fasterxml.jackson.databind.ser.impl.UnknownSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CLI's two rules for Jackson beyond its configuration.
 *
 * <p><b>Results are data.</b> A task's result is written as JSON in the worker. Jackson would write any
 * object as a bean of its getters: a {@code Thread} becomes its name, priority, class loader and stack
 * trace, a stream or a lambda an empty object. Such a result is an error instead, naming the class:
 * threads, class loaders, resources to be closed ({@code AutoCloseable}: I/O streams, readers, channels,
 * sockets, connections, {@code java.util.stream} streams), processes, executors, futures, locks,
 * references, reflection objects, and any object with no property JSON can read. Records, also empty ones,
 * are data.
 *
 * <p><b>Numbers fit exactly or not at all.</b> A JSON number that a {@code double} or {@code float} cannot
 * hold (it would become infinite, or a non-zero number would become zero) does not fit such a parameter, in
 * lists, arrays and records as well; Jackson alone would pass {@code Infinity}.
 */
final class JsonRules {

    /** Classes whose instances are not data, with what to call them in a message. Checked in order. */
    private static final Map<Class<?>, String> NOT_DATA = new LinkedHashMap<>();

    static {
        NOT_DATA.put(Thread.class, "a thread");
        NOT_DATA.put(ThreadGroup.class, "a thread group");
        NOT_DATA.put(ClassLoader.class, "a class loader");
        NOT_DATA.put(AutoCloseable.class, "a resource to be closed (stream, reader, channel, socket, connection)");
        NOT_DATA.put(Process.class, "a process");
        NOT_DATA.put(ProcessHandle.class, "a process handle");
        NOT_DATA.put(Runtime.class, "the runtime");
        NOT_DATA.put(java.util.concurrent.Executor.class, "an executor");
        NOT_DATA.put(java.util.concurrent.Future.class, "a future");
        NOT_DATA.put(java.util.concurrent.CompletionStage.class, "a future");
        NOT_DATA.put(java.util.concurrent.locks.Lock.class, "a lock");
        NOT_DATA.put(java.util.concurrent.locks.Condition.class, "a lock condition");
        NOT_DATA.put(java.lang.ref.Reference.class, "a reference");
        NOT_DATA.put(java.lang.reflect.AccessibleObject.class, "a reflection object");
        NOT_DATA.put(Module.class, "a module");
        NOT_DATA.put(ModuleLayer.class, "a module layer");
        NOT_DATA.put(java.lang.invoke.MethodHandle.class, "a method handle");
    }

    private JsonRules() {
    }

    static SimpleModule module() {
        SimpleModule m = new SimpleModule("processpool-cli-rules");
        m.setSerializerModifier(new BeanSerializerModifier() {
            private static final long serialVersionUID = 1L;

            @Override
            public JsonSerializer<?> modifySerializer(SerializationConfig config, BeanDescription desc,
                                                      JsonSerializer<?> serializer) {
                Class<?> c = desc.getBeanClass();
                String what = notData(c);
                if (what == null && serializer instanceof UnknownSerializer && !c.isRecord()) {
                    what = "an object with no property JSON can read (no public getter or field)";
                }
                return what == null ? serializer : new NotData(c, what);
            }
        });
        addInRange(m, Double.class, new NumberDeserializers.DoubleDeserializer(Double.class, null),
                JsonRules::outOfDoubleRange);
        addInRange(m, Double.TYPE, new NumberDeserializers.DoubleDeserializer(Double.TYPE, 0d),
                JsonRules::outOfDoubleRange);
        addInRange(m, Float.class, new NumberDeserializers.FloatDeserializer(Float.class, null),
                JsonRules::outOfFloatRange);
        addInRange(m, Float.TYPE, new NumberDeserializers.FloatDeserializer(Float.TYPE, 0f),
                JsonRules::outOfFloatRange);
        m.addDeserializer(double[].class, new PrimitiveArray<>(double[].class, Double[].class));
        m.addDeserializer(float[].class, new PrimitiveArray<>(float[].class, Float[].class));
        return m;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void addInRange(SimpleModule m, Class<?> type, JsonDeserializer<?> standard,
                                   java.util.function.Predicate<Number> outOfRange) {
        m.addDeserializer((Class) type, (JsonDeserializer) new InRange(type, standard, outOfRange));
    }

    /** What to call an instance of {@code c} in a message if it is not data; null if it may be. */
    static String notData(Class<?> c) {
        for (Map.Entry<Class<?>, String> e : NOT_DATA.entrySet()) {
            if (e.getKey().isAssignableFrom(c)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Whether {@code n} is not zero, as written. */
    static boolean nonZero(Number n) {
        if (n instanceof BigDecimal d) {
            return d.signum() != 0;
        }
        if (n instanceof BigInteger i) {
            return i.signum() != 0;
        }
        return n.doubleValue() != 0;
    }

    /** Whether {@code n} becomes infinite, or zero from non-zero, as a double. */
    static boolean outOfDoubleRange(Number n) {
        double d = n.doubleValue();
        return Double.isInfinite(d) && !(n instanceof Double) || d == 0 && nonZero(n);
    }

    /** Whether {@code n} becomes infinite, or zero from non-zero, as a float. */
    static boolean outOfFloatRange(Number n) {
        float f = n.floatValue();
        return Float.isInfinite(f) && !Double.isInfinite(n.doubleValue()) || f == 0 && nonZero(n)
                || outOfDoubleRange(n);
    }

    /** Writing fails, naming the class: the result is not data. */
    private static final class NotData extends StdSerializer<Object> {
        private static final long serialVersionUID = 1L;
        private final String what;

        @SuppressWarnings("unchecked")
        NotData(Class<?> c, String what) {
            super((Class<Object>) c);
            this.what = what;
        }

        @Override
        public void serialize(Object value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            throw JsonMappingException.from(gen, value.getClass().getName() + " is not data: " + what);
        }
    }

    /**
     * Jackson's own deserialiser for a {@code double} or {@code float} type, but a number the type cannot
     * hold is refused instead of becoming infinite or zero.
     */
    private static final class InRange extends StdDeserializer<Object> {
        private static final long serialVersionUID = 1L;
        private final JsonDeserializer<?> standard;
        private final java.util.function.Predicate<Number> outOfRange;
        private final String typeName;

        InRange(Class<?> type, JsonDeserializer<?> standard, java.util.function.Predicate<Number> outOfRange) {
            super(type);
            this.standard = standard;
            this.outOfRange = outOfRange;
            this.typeName = type.isPrimitive() ? type.getName() : type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.hasToken(JsonToken.VALUE_NUMBER_FLOAT) || p.hasToken(JsonToken.VALUE_NUMBER_INT)) {
                Number n = p.getNumberValue();
                if (outOfRange.test(n)) {
                    throw InvalidFormatException.from(p, n + " is out of range for " + typeName, n, handledType());
                }
            }
            return standard.deserialize(p, ctxt);
        }

        @Override
        public Object getNullValue(DeserializationContext ctxt) throws JsonMappingException {
            return standard.getNullValue(ctxt);
        }
    }

    /** {@code double[]} and {@code float[]} through their boxed arrays, so that each element is checked. */
    private static final class PrimitiveArray<A> extends StdDeserializer<A> {
        private static final long serialVersionUID = 1L;
        private final Class<? extends Object[]> boxed;

        PrimitiveArray(Class<A> primitive, Class<? extends Object[]> boxed) {
            super(primitive);
            this.boxed = boxed;
        }

        @Override
        @SuppressWarnings("unchecked")
        public A deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            Object[] values = ctxt.readValue(p, boxed);
            Object array = java.lang.reflect.Array.newInstance(handledType().getComponentType(), values.length);
            for (int i = 0; i < values.length; i++) {
                if (values[i] == null) {
                    throw InvalidFormatException.from(p, "null in an array of " + handledType().getComponentType(),
                            null, handledType());
                }
                java.lang.reflect.Array.set(array, i, values[i]);
            }
            return (A) array;
        }
    }
}
