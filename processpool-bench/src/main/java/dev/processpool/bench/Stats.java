package dev.processpool.bench;

import java.util.Arrays;
import java.util.List;

/** The repetitions of one measurement: median, min and max. */
final class Stats {

    final double[] values;

    Stats(double[] values) {
        this.values = values.clone();
    }

    static Stats of(List<? extends Number> values) {
        double[] a = new double[values.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = values.get(i).doubleValue();
        }
        return new Stats(a);
    }

    boolean isEmpty() {
        return values.length == 0;
    }

    double median() {
        return median(values);
    }

    double min() {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    double max() {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }

    static double median(double[] v) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Nearest-rank percentile (p in 0..100). */
    static double percentile(double[] v, double p) {
        double[] s = v.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil(p / 100.0 * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }
}
