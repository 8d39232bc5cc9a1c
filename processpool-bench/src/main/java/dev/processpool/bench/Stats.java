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

    /**
     * Whether samples fall into two clearly separate groups, and if so which: the best split of the sorted
     * logarithms into two (least squares), called bimodal when the smaller group holds at least 10% of the
     * samples (at least 2) and the groups are apart by Ashman's D above 2 (their means more than two pooled
     * standard deviations apart). Null when unimodal (or too few samples).
     */
    static String bimodality(double[] v) {
        int n = v.length;
        if (n < 4) {
            return null;
        }
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = Math.log(Math.max(v[i], 1e-9));
        }
        Arrays.sort(x);
        double[] sum = new double[n + 1];
        double[] sq = new double[n + 1];
        for (int i = 0; i < n; i++) {
            sum[i + 1] = sum[i] + x[i];
            sq[i + 1] = sq[i] + x[i] * x[i];
        }
        int minSize = Math.max(2, (int) Math.ceil(0.1 * n));
        int best = -1;
        double bestCost = Double.MAX_VALUE;
        for (int k = minSize; k <= n - minSize; k++) {
            double cost = ss(sum, sq, 0, k) + ss(sum, sq, k, n);
            if (cost < bestCost) {
                bestCost = cost;
                best = k;
            }
        }
        if (best < 0) {
            return null;
        }
        double m1 = sum[best] / best;
        double m2 = (sum[n] - sum[best]) / (n - best);
        double v1 = ss(sum, sq, 0, best) / best;
        double v2 = ss(sum, sq, best, n) / (n - best);
        double d = Math.sqrt(2) * Math.abs(m2 - m1) / Math.sqrt(Math.max(v1 + v2, 1e-12));
        if (d <= 2) {
            return null;
        }
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return String.format(java.util.Locale.ROOT, "%.0f%% near %.3g, %.0f%% near %.3g (Ashman's D %.1f)",
                100.0 * best / n, median(Arrays.copyOfRange(sorted, 0, best)), 100.0 * (n - best) / n,
                median(Arrays.copyOfRange(sorted, best, n)), d);
    }

    /** Sum of squared deviations from their mean of x[from, to). */
    private static double ss(double[] sum, double[] sq, int from, int to) {
        int k = to - from;
        double s = sum[to] - sum[from];
        return (sq[to] - sq[from]) - s * s / k;
    }
}
