package dev.processpool.cli.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The task-stream chart, as Dask draws it: time across, one lane per worker, each task a bar from its
 * start to its end coloured by outcome; behind the bars each worker's lifetime, and in a thin strip under
 * them a tick where a worker started, was stopped, recycled, killed or died (ticks closer than a pixel share
 * it, showing the most serious and counting all in the tooltip).
 *
 * <p><b>Lanes.</b> A worker that starts after another has ended takes that worker's lane, so a run that
 * recycles or replaces workers stays as tall as its most workers alive at once; a lane's label lists its
 * workers' pids.
 *
 * <p><b>Many tasks.</b> Up to {@value #BAR_LIMIT} tasks, each is a bar of its own with a tooltip. Beyond
 * that, each lane is drawn in {@value #PLOT_WIDTH} columns of equal time (one per pixel at full width): a
 * column gets the colour of the outcome that kept its worker busy longest, as opaque as the worker was busy
 * (in quarters), and above it a thin stripe in the colour of the most severe failure among its tasks, so
 * that one failure among thousands of successes stays visible without colouring the whole column.
 * Neighbouring columns alike are merged into one rectangle, whose tooltip counts the tasks that ended in
 * it by outcome. The chart then has at most 2 × lanes × {@value #PLOT_WIDTH} rectangles (plus the workers'
 * ticks, at most one per pixel) however many tasks ran.
 */
final class TaskStream {

    static final int BAR_LIMIT = 5_000;
    static final int PLOT_WIDTH = 1000;
    private static final int LABEL_WIDTH = 150;
    private static final int RIGHT = 16;
    private static final int TOP = 26;
    private static final int BAR_HEIGHT = 14;
    private static final int EVENT_HEIGHT = 6;
    private static final int LANE_HEIGHT = BAR_HEIGHT + 1 + EVENT_HEIGHT;
    private static final int LANE_GAP = 5;
    private static final int BOTTOM = 6;
    private static final TaskStatus[] STATUSES = TaskStatus.values();

    /** One lane: its workers in time order, and the tasks they ran. */
    static final class Lane {
        final List<WorkerRecord> workers = new ArrayList<>();
        final List<TaskRecord> tasks = new ArrayList<>();
        long freeFrom;
    }

    private final List<Lane> lanes;
    private final long span;
    private final int started;

    TaskStream(List<TaskRecord> tasks, List<WorkerRecord> workers, long endNanos) {
        this.span = Math.max(1, endNanos);
        this.lanes = assignLanes(workers, span);
        Map<Long, Lane> byPid = new HashMap<>();
        for (Lane lane : lanes) {
            for (WorkerRecord w : lane.workers) {
                byPid.put(w.pid(), lane);
            }
        }
        int n = 0;
        for (TaskRecord t : tasks) {
            Lane lane = t.started() ? byPid.get(t.workerPid()) : null;
            if (lane != null) {
                lane.tasks.add(t);
                n++;
            }
        }
        this.started = n;
    }

    /** Workers by start; each takes the first lane free by then, or a new one. */
    static List<Lane> assignLanes(List<WorkerRecord> workers, long runEnd) {
        List<WorkerRecord> sorted = new ArrayList<>(workers);
        sorted.sort(Comparator.comparingLong(WorkerRecord::startedNanos).thenComparingLong(WorkerRecord::pid));
        List<Lane> lanes = new ArrayList<>();
        for (WorkerRecord w : sorted) {
            Lane chosen = null;
            for (Lane lane : lanes) {
                if (lane.freeFrom <= w.startedNanos()) {
                    chosen = lane;
                    break;
                }
            }
            if (chosen == null) {
                chosen = new Lane();
                lanes.add(chosen);
            }
            chosen.workers.add(w);
            // a worker whose end is unknown holds its lane to the end of the run
            chosen.freeFrom = w.end() == WorkerEnd.ALIVE ? Long.MAX_VALUE : w.endOr(runEnd) + 1;
        }
        return lanes;
    }

    List<Lane> lanes() {
        return lanes;
    }

    /** Tasks drawn: those that started on a known worker. */
    int tasksDrawn() {
        return started;
    }

    boolean binned() {
        return started > BAR_LIMIT;
    }

    void render(Html h) {
        int width = LABEL_WIDTH + PLOT_WIDTH + RIGHT;
        int height = TOP + lanes.size() * (LANE_HEIGHT + LANE_GAP) + BOTTOM;
        h.raw("<svg id=\"task-stream-svg\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
                + width + " " + height + "\" width=\"" + width + "\" height=\"" + height + "\" role=\"img\""
                + " data-lanes=\"" + lanes.size() + "\" data-tasks=\"" + started + "\" data-mode=\""
                + (binned() ? "binned" : "bars") + "\">");
        h.raw("<title>Task stream: one lane per worker, one bar per task</title>");
        axis(h, height);
        for (int i = 0; i < lanes.size(); i++) {
            lane(h, i, lanes.get(i));
        }
        h.raw("</svg>");
    }

    private double x(long nanos) {
        return LABEL_WIDTH + (double) Math.min(Math.max(nanos, 0), span) * PLOT_WIDTH / span;
    }

    private void axis(Html h, int height) {
        long step = niceStep(span / 8);
        h.raw("<g class=\"axis\">");
        for (long t = 0; t <= span; t += step) {
            String x = Html.num(x(t));
            h.raw("<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + (TOP - 6) + "\" y2=\"" + (height - BOTTOM)
                    + "\" class=\"grid\"/>");
            h.raw("<text x=\"" + x + "\" y=\"" + (TOP - 10) + "\" text-anchor=\"middle\">")
                    .text(t == 0 ? "0" : Html.duration(t)).raw("</text>");
        }
        h.raw("</g>");
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}. */
    static long niceStep(long rough) {
        long step = 1;
        while (step < rough) {
            if (step * 2 >= rough) {
                return step * 2;
            }
            if (step * 5 >= rough) {
                return step * 5;
            }
            step *= 10;
        }
        return step;
    }

    private void lane(Html h, int index, Lane lane) {
        int top = TOP + index * (LANE_HEIGHT + LANE_GAP);
        h.raw("<g class=\"lane\" data-lane=\"" + index + "\" data-workers=\"" + lane.workers.size()
                + "\" data-tasks=\"" + lane.tasks.size() + "\">");
        label(h, lane, top);
        lifetimes(h, lane.workers, top);
        if (binned()) {
            bins(h, lane, top);
        } else {
            for (TaskRecord t : lane.tasks) {
                bar(h, t, top);
            }
        }
        events(h, lane, top + BAR_HEIGHT + 1);
        h.raw("</g>");
    }

    /**
     * The grey bands of the lane's workers' lifetimes. Workers less than a pixel apart share one band (a run
     * that recycles after every task has as many workers as tasks), so a lane has at most one band per pixel.
     */
    private void lifetimes(Html h, List<WorkerRecord> workers, int top) {
        int i = 0;
        while (i < workers.size()) {
            WorkerRecord first = workers.get(i);
            double x0 = x(first.startedNanos());
            double x1 = Math.max(x0 + 1, x(first.endOr(span)));
            int j = i + 1;
            while (j < workers.size() && x(workers.get(j).startedNanos()) - x1 < 1) {
                x1 = Math.max(x1, x(workers.get(j).endOr(span)));
                j++;
            }
            WorkerRecord last = workers.get(j - 1);
            String title = j - i == 1
                    ? "worker " + first.pid() + ": " + Html.duration(first.startedNanos()) + " to "
                    + (first.endedNanos() >= 0 ? Html.duration(first.endedNanos()) : "the end") + ", " + first.end().label()
                    : Html.count(j - i) + " workers, " + first.pid() + " to " + last.pid() + ": "
                    + Html.duration(first.startedNanos()) + " to "
                    + (last.endedNanos() >= 0 ? Html.duration(last.endedNanos()) : "the end");
            h.raw("<rect class=\"life\" x=\"" + Html.num(x0) + "\" y=\"" + top + "\" width=\"" + Html.num(x1 - x0)
                    + "\" height=\"" + BAR_HEIGHT + "\"><title>").text(title).raw("</title></rect>");
            i = j;
        }
    }

    private void label(Html h, Lane lane, int top) {
        StringBuilder pids = new StringBuilder();
        for (int i = 0; i < lane.workers.size() && i < 50; i++) {
            pids.append(i == 0 ? "" : ", ").append(lane.workers.get(i).pid());
        }
        if (lane.workers.size() > 50) {
            pids.append(", … (").append(lane.workers.size()).append(" workers)");
        }
        String text = lane.workers.size() == 1 ? "worker " + lane.workers.get(0).pid()
                : lane.workers.get(0).pid() + " +" + (lane.workers.size() - 1) + " more";
        h.raw("<text class=\"lane-label\" x=\"" + (LABEL_WIDTH - 8) + "\" y=\"" + (top + BAR_HEIGHT - 3)
                + "\" text-anchor=\"end\">").text(text).raw("<title>").text("workers " + pids).raw("</title></text>");
    }

    private void bar(Html h, TaskRecord t, int top) {
        double x0 = x(t.startedNanos());
        double w = Math.max(0.8, x(t.endedNanos()) - x0);
        h.raw("<rect class=\"t s-" + t.status().label() + "\" x=\"" + Html.num(x0) + "\" y=\"" + (top + 1)
                + "\" width=\"" + Html.num(w) + "\" height=\"" + (BAR_HEIGHT - 2) + "\"><title>")
                .text(t.id() + " (line " + t.line() + "): " + t.status().label() + ", "
                        + Html.duration(t.runNanos()) + ", worker " + t.workerPid())
                .raw("</title></rect>");
    }

    /**
     * Binned drawing: per column, the outcome that kept the worker busy longest, as opaque as the worker was
     * busy, and above it a stripe in the colour of the most severe failure in the column, if any.
     */
    private void bins(Html h, Lane lane, int top) {
        double columnNanos = (double) span / PLOT_WIDTH;
        double[][] busy = new double[PLOT_WIDTH][STATUSES.length];
        int[][] ended = new int[PLOT_WIDTH][STATUSES.length];
        for (TaskRecord t : lane.tasks) {
            int c0 = column(t.startedNanos(), columnNanos);
            int c1 = column(t.endedNanos(), columnNanos);
            for (int c = c0; c <= c1; c++) {
                double from = Math.max(t.startedNanos(), c * columnNanos);
                double to = Math.min(t.endedNanos(), (c + 1) * columnNanos);
                // a task too short to measure still counts a little, so its column shows
                busy[c][t.status().ordinal()] += Math.max(to - from, 1e-3);
            }
            ended[c1][t.status().ordinal()]++;
        }
        int[] main = new int[PLOT_WIDTH];
        int[] quarter = new int[PLOT_WIDTH];
        int[] failure = new int[PLOT_WIDTH];
        for (int c = 0; c < PLOT_WIDTH; c++) {
            main[c] = -1;
            failure[c] = -1;
            double total = 0;
            for (TaskStatus s : STATUSES) {
                double b = busy[c][s.ordinal()];
                total += b;
                if (b > 0 && (main[c] < 0 || b > busy[c][main[c]])) {
                    main[c] = s.ordinal();
                }
                if (b > 0 && s != TaskStatus.OK && (failure[c] < 0 || s.severity() > STATUSES[failure[c]].severity())) {
                    failure[c] = s.ordinal();
                }
            }
            quarter[c] = (int) Math.max(1, Math.min(4, Math.round(4 * total / columnNanos)));
        }
        for (int c = 0; c < PLOT_WIDTH; ) {
            int end = c + 1;
            while (end < PLOT_WIDTH && main[end] == main[c] && quarter[end] == quarter[c]) {
                end++;
            }
            if (main[c] >= 0) {
                h.raw("<rect class=\"bin s-" + STATUSES[main[c]].label() + "\" x=\"" + (LABEL_WIDTH + c) + "\" y=\""
                        + (top + 1) + "\" width=\"" + (end - c) + "\" height=\"" + (BAR_HEIGHT - 2)
                        + "\" fill-opacity=\"" + (quarter[c] / 4.0) + "\"><title>")
                        .text(range(c, end, columnNanos) + ": ended " + TaskStatus.describe(sum(ended, c, end))
                                + "; busy " + Math.round(100 * busySum(busy, c, end) / ((end - c) * columnNanos)) + "%")
                        .raw("</title></rect>");
            }
            c = end;
        }
        for (int c = 0; c < PLOT_WIDTH; ) {
            int end = c + 1;
            while (end < PLOT_WIDTH && failure[end] == failure[c]) {
                end++;
            }
            if (failure[c] >= 0) {
                int[] counts = sum(ended, c, end);
                counts[TaskStatus.OK.ordinal()] = 0;
                h.raw("<rect class=\"fail s-" + STATUSES[failure[c]].label() + "\" x=\"" + (LABEL_WIDTH + c)
                        + "\" y=\"" + top + "\" width=\"" + Math.max(1, end - c) + "\" height=\"4\"><title>")
                        .text(range(c, end, columnNanos) + ": failed " + TaskStatus.describe(counts)).raw("</title></rect>");
            }
            c = end;
        }
    }

    private static String range(int from, int to, double columnNanos) {
        return Html.duration(Math.round(from * columnNanos)) + " to " + Html.duration(Math.round(to * columnNanos));
    }

    private static int[] sum(int[][] perColumn, int from, int to) {
        int[] total = new int[STATUSES.length];
        for (int c = from; c < to; c++) {
            for (int s = 0; s < total.length; s++) {
                total[s] += perColumn[c][s];
            }
        }
        return total;
    }

    private static double busySum(double[][] busy, int from, int to) {
        double total = 0;
        for (int c = from; c < to; c++) {
            for (double b : busy[c]) {
                total += b;
            }
        }
        return total;
    }

    private static int column(long nanos, double columnNanos) {
        return (int) Math.min(PLOT_WIDTH - 1, Math.max(0, Math.floor(nanos / columnNanos)));
    }

    /** What happened to a lane's workers, most important last: the one a shared column shows. */
    private enum Event {
        STARTED("started"), EXITED("exited"), RECYCLED("recycled"), KILLED("killed"), DIED("died");

        final String label;

        Event(String label) {
            this.label = label;
        }

        static Event of(WorkerEnd end) {
            return switch (end) {
                case EXITED -> EXITED;
                case RECYCLED -> RECYCLED;
                case KILLED -> KILLED;
                case DIED -> DIED;
                default -> null;
            };
        }
    }

    /**
     * The strip under a lane's bars: a tick where a worker started, was stopped, recycled, killed or died.
     * Ticks closer than a pixel share it: it shows the most important, its tooltip counts them all.
     */
    private void events(Html h, Lane lane, int y) {
        java.util.TreeMap<Integer, int[]> columns = new java.util.TreeMap<>();
        // the one event of a column that has only one, described when drawn
        java.util.Map<Integer, WorkerRecord> only = new HashMap<>();
        for (WorkerRecord w : lane.workers) {
            note(columns, only, w, w.startedNanos(), Event.STARTED);
            Event end = Event.of(w.end());
            if (end != null && w.endedNanos() >= 0) {
                note(columns, only, w, w.endedNanos(), end);
            }
        }
        for (java.util.Map.Entry<Integer, int[]> e : columns.entrySet()) {
            int[] n = e.getValue();
            Event shown = Event.STARTED;
            StringBuilder what = new StringBuilder();
            for (Event ev : Event.values()) {
                if (n[ev.ordinal()] > 0) {
                    shown = ev;
                    what.append(what.length() == 0 ? "" : ", ").append(n[ev.ordinal()]).append(' ').append(ev.label);
                }
            }
            WorkerRecord w = only.get(e.getKey());
            String title = w == null
                    ? Html.duration(Math.round((double) e.getKey() * span / PLOT_WIDTH)) + ": workers " + what
                    : shown == Event.STARTED ? "worker " + w.pid() + " started at " + Html.duration(w.startedNanos())
                    : "worker " + w.pid() + " " + w.end().label() + " at " + Html.duration(w.endedNanos())
                    + (w.detail() == null ? "" : ": " + w.detail());
            h.raw("<rect class=\"e-" + shown.name().toLowerCase(Locale.ROOT) + "\" x=\"" + (LABEL_WIDTH + e.getKey())
                    + "\" y=\"" + y + "\" width=\"2\" height=\"" + EVENT_HEIGHT + "\"><title>").text(title)
                    .raw("</title></rect>");
        }
    }

    private void note(java.util.Map<Integer, int[]> columns, java.util.Map<Integer, WorkerRecord> only, WorkerRecord w,
                      long at, Event event) {
        int c = (int) Math.min(PLOT_WIDTH - 2, Math.max(0, Math.round((x(at) - LABEL_WIDTH))));
        int[] n = columns.get(c);
        if (n == null) {
            n = new int[Event.values().length];
            columns.put(c, n);
            only.put(c, w);
        } else {
            only.remove(c);
        }
        n[event.ordinal()]++;
    }
}
