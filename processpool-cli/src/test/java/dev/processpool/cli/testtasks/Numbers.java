package dev.processpool.cli.testtasks;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;

/** Test tasks that show what a JSON number became in the worker. */
public final class Numbers {

    private Numbers() {
    }

    public static String asDouble(double d) {
        return "double " + d;
    }

    public static String asFloat(float f) {
        return "float " + f;
    }

    public static String asDecimal(BigDecimal d) {
        return "BigDecimal " + d;
    }

    public static String asBigInteger(BigInteger i) {
        return "BigInteger of " + i.bitLength() + " bits";
    }

    public static String asDoubleList(List<Double> values) {
        return "List<Double> " + values;
    }

    public static String asDoubleArray(double[] values) {
        return "double[] " + java.util.Arrays.toString(values);
    }

    public static String asObject(Object o) {
        return o.getClass().getSimpleName() + " " + o;
    }
}
