package dev.processpool.cli.report;

import java.util.List;

/**
 * The histogram of how long tasks ran in their workers, each bar stacked by outcome. The bins are of equal
 * width, or of equal ratio (a logarithmic axis) when the longest task ran 100 times as long as the shortest
 * or more.
 */
final class DurationHistogram {

    static final int BINS = 40;
    private static final int LEFT = 64;
    private static final int WIDTH = 1000;
    private static final int TOP = 10;
    private static final int HEIGHT = 180;
    private static final int BOTTOM = 34;
    private static final TaskStatus[] STATUSES = TaskStatus.values();

    private final int[][] counts = new int[BINS][STATUSES.length];
    private final double[] edges = new double[BINS + 1];
    private final boolean log;
    private final int total;
    private int tallest;

    DurationHistogram(List<TaskRecord> tasks) {
        long min = Long.MAX_VALUE;
        long max = 0;
        int n = 0;
        for (TaskRecord t : tasks) {
            if (t.started()) {
                min = Math.min(min, t.runNanos());
                max = Math.max(max, t.runNanos());
                n++;
            }
        }
        this.total = n;
        this.log = n > 0 && min >= 1_000 && max >= 100L * min;
        for (int i = 0; i <= BINS; i++) {
            edges[i] = log ? min * Math.pow((double) max / min, (double) i / BINS) : (double) Math.max(max, 1) * i / BINS;
        }
        for (TaskRecord t : tasks) {
            if (t.started()) {
                counts[bin(t.runNanos())][t.status().ordinal()]++;
            }
        }
        for (int[] c : counts) {
            int sum = 0;
            for (int v : c) {
                sum += v;
            }
            tallest = Math.max(tallest, sum);
        }
    }

    private int bin(long nanos) {
        double v = nanos;
        int b = log ? (int) Math.floor(BINS * Math.log(v / edges[0]) / Math.log(edges[BINS] / edges[0]))
                : (int) Math.floor(BINS * v / edges[BINS]);
        return Math.max(0, Math.min(BINS - 1, b));
    }

    int total() {
        return total;
    }

    void render(Html h) {
        int width = LEFT + WIDTH + 40;
        int height = TOP + HEIGHT + BOTTOM;
        h.raw("<svg id=\"durations-svg\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + width
                + " " + height + "\" width=\"" + width + "\" height=\"" + height + "\" role=\"img\" data-tasks=\""
                + total + "\" data-bins=\"" + BINS + "\" data-scale=\"" + (log ? "log" : "linear") + "\">");
        h.raw("<title>Task durations, " + (log ? "logarithmic" : "linear") + " bins</title>");
        double unit = tallest == 0 ? 0 : (double) HEIGHT / tallest;
        for (int v : new int[] {0, tallest / 2, tallest}) {
            String y = Html.num(TOP + HEIGHT - v * unit);
            h.raw("<line class=\"grid\" x1=\"" + LEFT + "\" x2=\"" + (LEFT + WIDTH) + "\" y1=\"" + y + "\" y2=\"" + y
                    + "\"/><text x=\"" + (LEFT - 6) + "\" y=\"" + y + "\" text-anchor=\"end\" dy=\"4\">")
                    .text(Html.count(v)).raw("</text>");
        }
        double binWidth = (double) WIDTH / BINS;
        for (int b = 0; b < BINS; b++) {
            double y = TOP + HEIGHT;
            int sum = 0;
            for (int c : counts[b]) {
                sum += c;
            }
            if (sum == 0) {
                continue;
            }
            h.raw("<g class=\"bin\"><title>").text(Html.duration(Math.round(edges[b])) + " to "
                    + Html.duration(Math.round(edges[b + 1])) + ": " + TaskStatus.describe(counts[b])).raw("</title>");
            for (int s = 0; s < STATUSES.length; s++) {
                if (counts[b][s] == 0) {
                    continue;
                }
                double hgt = Math.max(1, counts[b][s] * unit);
                y -= hgt;
                h.raw("<rect class=\"s-" + STATUSES[s].label() + "\" x=\"" + Html.num(LEFT + b * binWidth + 1)
                        + "\" y=\"" + Html.num(y) + "\" width=\"" + Html.num(binWidth - 2) + "\" height=\""
                        + Html.num(hgt) + "\"/>");
            }
            h.raw("</g>");
        }
        for (int i = 0; i <= BINS; i += BINS / 5) {
            h.raw("<text x=\"" + Html.num(LEFT + i * binWidth) + "\" y=\"" + (TOP + HEIGHT + 16)
                    + "\" text-anchor=\"middle\">").text(Html.duration(Math.round(edges[i]))).raw("</text>");
        }
        h.raw("<text x=\"" + (LEFT + WIDTH / 2) + "\" y=\"" + (TOP + HEIGHT + 32) + "\" text-anchor=\"middle\">")
                .text("time in the worker" + (log ? " (logarithmic)" : "")).raw("</text>");
        h.raw("</svg>");
    }
}
