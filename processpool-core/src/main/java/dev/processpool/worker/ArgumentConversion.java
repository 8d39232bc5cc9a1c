package dev.processpool.worker;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * Fits an argument to a constructor parameter: the value as it is when the type accepts it, boxing and
 * unboxing, and numeric conversions that lose nothing (an Integer for a long, a whole Double for an int),
 * so that arguments that came from JSON reach natural Java types. Public for the CLI, which fits JSON
 * values to parameters the same way; not part of the API.
 */
public final class ArgumentConversion {

    /** Returned when a value does not fit a type. */
    public static final Object NO_MATCH = new Object();

    private static final Map<Class<?>, Class<?>> BOXES = Map.of(
            int.class, Integer.class, long.class, Long.class, double.class, Double.class, float.class, Float.class,
            short.class, Short.class, byte.class, Byte.class, boolean.class, Boolean.class, char.class, Character.class);

    private ArgumentConversion() {
    }

    /** Fits {@code value} to a parameter of {@code type}, or returns {@link #NO_MATCH}. */
    public static Object convert(Object value, Class<?> type) {
        if (value == null) {
            return type.isPrimitive() ? NO_MATCH : null;
        }
        Class<?> target = type.isPrimitive() ? BOXES.get(type) : type;
        if (target.isInstance(value)) {
            return value;
        }
        if (value instanceof Number n) {
            return convertNumber(n, target);
        }
        if (value instanceof String s && target == Character.class && s.length() == 1) {
            return s.charAt(0);
        }
        return NO_MATCH;
    }

    /**
     * Converts a number to a boxed numeric type ({@code Integer}, {@code Long}, {@code Short}, {@code Byte},
     * {@code Double}, {@code Float}, {@code BigInteger}, {@code BigDecimal}) without losing anything, or
     * returns {@link #NO_MATCH}.
     */
    public static Object convertNumber(Number n, Class<?> target) {
        BigDecimal exact;
        try {
            exact = n instanceof BigDecimal b ? b
                    : n instanceof BigInteger bi ? new BigDecimal(bi)
                    : (n instanceof Double || n instanceof Float) ? new BigDecimal(n.toString())
                    : BigDecimal.valueOf(n.longValue());
        } catch (NumberFormatException nonFinite) {
            return (target == Double.class || target == Number.class) ? n.doubleValue() : NO_MATCH;
        }
        try {
            if (target == Integer.class) {
                return exact.intValueExact();
            } else if (target == Long.class) {
                return exact.longValueExact();
            } else if (target == Short.class) {
                return exact.shortValueExact();
            } else if (target == Byte.class) {
                return exact.byteValueExact();
            } else if (target == Double.class) {
                return n.doubleValue();
            } else if (target == Float.class) {
                return n.floatValue();
            } else if (target == BigInteger.class) {
                return exact.toBigIntegerExact();
            } else if (target == BigDecimal.class) {
                return exact;
            }
        } catch (ArithmeticException lossy) {
            return NO_MATCH;
        }
        return NO_MATCH;
    }
}
