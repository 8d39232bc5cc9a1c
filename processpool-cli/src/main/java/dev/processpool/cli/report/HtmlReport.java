package dev.processpool.cli.report;

import java.io.Writer;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Renders a {@link RunReport.Snapshot} as one self-contained HTML page: the run's summary, the task stream
 * (one lane per worker, a bar per task coloured by outcome, the workers' starts, deaths and recycles), a
 * histogram of task durations, the slowest tasks, every failure with its message, and the workers.
 *
 * <p>Self-contained and inert: styles are inline, charts are inline SVG with tooltips in {@code <title>},
 * there is no script at all, and a {@code Content-Security-Policy} of {@code default-src 'none'} forbids
 * the page any request and any script, so that even a mistake in escaping could not make text from the run
 * run as code. Everything that comes from the run is escaped ({@link Html#escape}).
 *
 * <p>Size: at most {@value TaskStream#BAR_LIMIT} task bars (more tasks are binned per pixel column, see
 * {@link TaskStream}), {@value #FAILURE_ROWS} failure rows and about {@value #FAILURE_LIST_CHARS} characters of
 * them (long messages that must be escaped would otherwise make a page of 100 MB), {@value #WORKER_ROWS} worker
 * rows and {@value #SLOWEST} slowest tasks, each cut to a bounded length; what is left out is counted and said.
 */
public final class HtmlReport {

    static final int FAILURE_ROWS = 10_000;
    /** The failure list's budget, in characters of HTML: rows stop before it is spent (the first always shows). */
    static final long FAILURE_LIST_CHARS = 2_000_000;
    static final int WORKER_ROWS = 2_000;
    static final int SLOWEST = 25;
    static final int FAILURE_KINDS = 100;
    private static final int SHOWN_MESSAGE_CHARS = 300;
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS xxx", Locale.ROOT);
    private static final String CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

    private final RunReport.Snapshot run;
    private final Html h;

    private HtmlReport(RunReport.Snapshot run, Writer out) {
        this.run = run;
        this.h = new Html(out);
    }

    /** Writes the page for this snapshot. */
    public static void render(RunReport.Snapshot run, Writer out) {
        new HtmlReport(run, out).page();
    }

    private void page() {
        long renderStart = System.nanoTime();
        h.raw("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .raw("<meta http-equiv=\"Content-Security-Policy\" content=\"" + CSP + "\">")
                .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .raw("<meta name=\"generator\" content=\"processpool\">")
                .element("title", "", "processpool run report: " + run.title())
                .raw("<style>").raw(STYLE).raw("</style></head>\n<body>");
        h.raw("<header><h1>processpool run report</h1><p class=\"command\">").text(run.title()).raw("</p></header>\n");
        Map<TaskStatus, Integer> counts = counts();
        banner();
        summary(counts);
        TaskStream stream = new TaskStream(run.tasks(), run.workers(), run.endNanos());
        streamSection(stream);
        durations();
        slowest();
        failures();
        workers(stream);
        settings();
        h.raw("<footer>").text("Written by processpool at " + WHEN.format(java.time.ZonedDateTime.now())
                + " in " + Html.duration(System.nanoTime() - renderStart)
                + ". Self-contained: no scripts, no requests (Content-Security-Policy: " + CSP + ").")
                .raw("</footer>\n</body></html>\n");
    }

    // ========================================================================================== summary

    private Map<TaskStatus, Integer> counts() {
        Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
        for (TaskStatus s : TaskStatus.values()) {
            counts.put(s, 0);
        }
        for (TaskRecord t : run.tasks()) {
            counts.merge(t.status(), 1, Integer::sum);
        }
        return counts;
    }

    private void banner() {
        if (run.ending() == RunReport.Ending.COMPLETED) {
            return;
        }
        h.raw("<p class=\"banner\" data-ending=\"" + run.ending().name().toLowerCase(Locale.ROOT) + "\">");
        if (run.ending() == RunReport.Ending.RUNNING) {
            h.text("A checkpoint, written while the run was going (" + Html.duration(run.endNanos())
                    + " in). The report is rewritten as the run goes on and when it ends: if this is what is left, "
                    + "the run ended without finishing it (it was killed).");
        } else {
            h.text("The run was " + run.ending().label() + (run.note() == null ? "" : ": " + run.note())
                    + ". The report shows the " + Html.count(run.tasks().size()) + " tasks that had ended by then.");
        }
        long notRun = run.inputLines() - run.tasks().size();
        if (run.inputLines() >= 0 && notRun > 0) {
            h.text(" " + Html.count(notRun) + " of the input's " + Html.count(run.inputLines())
                    + " lines have no outcome in it.");
        }
        h.raw("</p>\n");
    }

    private void summary(Map<TaskStatus, Integer> counts) {
        List<TaskRecord> tasks = run.tasks();
        long[] runs = tasks.stream().filter(TaskRecord::started).mapToLong(TaskRecord::runNanos).sorted().toArray();
        long[] waits = tasks.stream().mapToLong(TaskRecord::waitNanos).filter(w -> w >= 0).sorted().toArray();
        double seconds = run.endNanos() / 1e9;
        h.raw("<section id=\"summary\" data-tasks=\"" + tasks.size() + "\" data-started=\"" + runs.length + "\">");
        h.raw("<h2>Summary</h2><div class=\"cards\">");
        card("tasks", "", Html.count(tasks.size()), "data-count=\"" + tasks.size() + "\"");
        for (TaskStatus s : TaskStatus.values()) {
            card(s.label(), "s-" + s.label(), Html.count(counts.get(s)),
                    "data-status=\"" + s.label() + "\" data-count=\"" + counts.get(s) + "\"");
        }
        h.raw("</div><div class=\"cards\">");
        card("wall time", "", Html.duration(run.endNanos()), "");
        card("throughput", "", seconds > 0 ? String.format(Locale.ROOT, "%.2f tasks/s", tasks.size() / seconds) : "–", "");
        card("run time p50 / p95", "", Html.duration(percentile(runs, 50)) + " / " + Html.duration(percentile(runs, 95)), "");
        card("run time p99 / max", "", Html.duration(percentile(runs, 99)) + " / "
                + Html.duration(runs.length == 0 ? -1 : runs[runs.length - 1]), "");
        card("queue wait p50 / p95", "", Html.duration(percentile(waits, 50)) + " / " + Html.duration(percentile(waits, 95)), "");
        Map<WorkerEnd, Integer> ends = new EnumMap<>(WorkerEnd.class);
        for (WorkerRecord w : run.workers()) {
            ends.merge(w.end(), 1, Integer::sum);
        }
        StringBuilder how = new StringBuilder();
        for (Map.Entry<WorkerEnd, Integer> e : ends.entrySet()) {
            how.append(how.length() == 0 ? "" : ", ").append(e.getKey().label()).append(' ').append(e.getValue());
        }
        card("workers", "", Html.count(run.workers().size()), "data-workers=\"" + run.workers().size() + "\"");
        h.raw("</div><p class=\"note\">").text("Started " + WHEN.format(run.startedAt().atZone(ZoneId.systemDefault()))
                + ". Workers: " + (how.length() == 0 ? "none" : how) + ". Run time is the time a task ran in its "
                + "worker; queue wait, from queueing to its start.").raw("</p></section>\n");
    }

    private void card(String label, String cls, String value, String data) {
        h.raw("<div class=\"card\"" + (data.isEmpty() ? "" : " " + data) + "><span class=\"swatch " + cls + "\"></span>")
                .element("span", "class=\"label\"", label).element("span", "class=\"value\"", value).raw("</div>");
    }

    /** Nearest-rank percentile of sorted values; -1 when there are none. */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    // ========================================================================================= sections

    private void streamSection(TaskStream stream) {
        h.raw("<section id=\"stream\"><h2>Task stream</h2><p class=\"note\">");
        h.text("One lane per worker (a worker that starts after another has gone takes its lane); each task a bar "
                + "from its start to its end in the worker, over the grey band of its worker's lifetime. In the strip "
                + "under each lane, a tick where a worker started (green), was stopped (grey), recycled (blue), "
                + "killed by the pool (orange) or died (red). Hover for details.");
        if (stream.binned()) {
            h.text(" " + Html.count(stream.tasksDrawn()) + " tasks are too many to draw one by one: each lane is drawn "
                    + "in " + TaskStream.PLOT_WIDTH + " columns of " + Html.duration(run.endNanos() / TaskStream.PLOT_WIDTH)
                    + ", each in the colour of the outcome that kept the worker busy longest and as opaque as it was "
                    + "busy, with a thin stripe above in the colour of the worst failure in the column, if any.");
        }
        h.raw("</p>");
        legend();
        h.raw("<div class=\"scroll\">");
        stream.render(h);
        h.raw("</div></section>\n");
    }

    private void legend() {
        h.raw("<p class=\"legend\">");
        for (TaskStatus s : TaskStatus.values()) {
            h.raw("<span><span class=\"swatch s-" + s.label() + "\"></span>").text(s.label()).raw("</span>");
        }
        h.raw("</p>");
    }

    private void workers(TaskStream stream) {
        List<WorkerRecord> workers = new ArrayList<>(run.workers());
        workers.sort(Comparator.comparingLong(WorkerRecord::startedNanos));
        Map<Long, Integer> lane = new LinkedHashMap<>();
        for (int i = 0; i < stream.lanes().size(); i++) {
            for (WorkerRecord w : stream.lanes().get(i).workers) {
                lane.put(w.pid(), i);
            }
        }
        Map<Long, Integer> tasksRun = new java.util.HashMap<>();
        for (TaskRecord t : run.tasks()) {
            if (t.started()) {
                tasksRun.merge(t.workerPid(), 1, Integer::sum);
            }
        }
        int rows = Math.min(workers.size(), WORKER_ROWS);
        h.raw("<section id=\"workers\"><h2>Workers</h2>");
        h.raw("<table id=\"worker-list\" data-rows=\"" + rows + "\" data-workers=\"" + workers.size() + "\">"
                + "<thead><tr><th>pid</th><th>lane</th><th>started</th><th>ended</th><th>lived</th><th>tasks</th>"
                + "<th>how it ended</th></tr></thead><tbody>");
        for (int i = 0; i < rows; i++) {
            WorkerRecord w = workers.get(i);
            h.raw("<tr class=\"w-" + w.end().name().toLowerCase(Locale.ROOT) + "\">")
                    .element("td", "class=\"n\"", Long.toString(w.pid()))
                    .element("td", "class=\"n\"", lane.containsKey(w.pid()) ? Integer.toString(lane.get(w.pid())) : "–")
                    .element("td", "class=\"n\"", Html.duration(w.startedNanos()))
                    .element("td", "class=\"n\"", w.endedNanos() >= 0 ? Html.duration(w.endedNanos()) : "–")
                    .element("td", "class=\"n\"", Html.duration(w.endOr(run.endNanos()) - w.startedNanos()))
                    .element("td", "class=\"n\"", Html.count(tasksRun.getOrDefault(w.pid(), 0)))
                    .element("td", "class=\"t\"", w.end().label() + (w.detail() == null ? "" : ": " + w.detail()))
                    .raw("</tr>");
        }
        h.raw("</tbody></table>");
        omitted(workers.size() - rows, "workers");
        h.raw("</section>\n");
    }

    private void durations() {
        DurationHistogram histogram = new DurationHistogram(run.tasks());
        h.raw("<section id=\"durations\"><h2>Task durations</h2>");
        if (histogram.total() == 0) {
            h.raw("<p class=\"note\">No task ran in a worker.</p>");
        } else {
            legend();
            h.raw("<div class=\"scroll\">");
            histogram.render(h);
            h.raw("</div>");
        }
        h.raw("</section>\n");
    }

    private void slowest() {
        PriorityQueue<TaskRecord> top = new PriorityQueue<>(Comparator.comparingLong(TaskRecord::runNanos));
        for (TaskRecord t : run.tasks()) {
            if (t.started()) {
                top.add(t);
                if (top.size() > SLOWEST) {
                    top.poll();
                }
            }
        }
        List<TaskRecord> slowest = new ArrayList<>(top);
        slowest.sort(Comparator.comparingLong(TaskRecord::runNanos).reversed());
        h.raw("<section id=\"slowest\"><h2>Slowest tasks</h2>");
        h.raw("<table id=\"slowest-list\" data-rows=\"" + slowest.size() + "\"><thead><tr><th>id</th><th>line</th>"
                + "<th>worker</th><th>ran for</th><th>status</th></tr></thead><tbody>");
        for (TaskRecord t : slowest) {
            h.raw("<tr>").element("td", "class=\"t\"", t.id()).element("td", "class=\"n\"", Long.toString(t.line()))
                    .element("td", "class=\"n\"", Long.toString(t.workerPid()))
                    .element("td", "class=\"n\"", Html.duration(t.runNanos()));
            status(t.status());
            h.raw("</tr>");
        }
        h.raw("</tbody></table></section>\n");
    }

    private void status(TaskStatus s) {
        h.raw("<td><span class=\"swatch s-" + s.label() + "\"></span>").text(s.label()).raw("</td>");
    }

    private void failures() {
        List<TaskRecord> failed = new ArrayList<>();
        Map<String, int[]> kinds = new LinkedHashMap<>();
        Map<String, TaskRecord> firstOfKind = new LinkedHashMap<>();
        for (TaskRecord t : run.tasks()) {
            if (t.status() == TaskStatus.OK) {
                continue;
            }
            String kind = t.status().label() + "\u0000" + (t.errorType() == null ? "" : t.errorType());
            kinds.computeIfAbsent(kind, k -> new int[1])[0]++;
            firstOfKind.putIfAbsent(kind, t);
            // a cancelled task that never ran is counted above, not listed: a stopped run has thousands
            if (t.status() != TaskStatus.CANCELLED || t.started()) {
                failed.add(t);
            }
        }
        failed.sort(Comparator.comparingLong(TaskRecord::endedNanos).thenComparingLong(TaskRecord::line));
        h.raw("<section id=\"failures\"><h2>Failures</h2>");
        if (kinds.isEmpty()) {
            h.raw("<p class=\"note\">None: every task ended ok.</p></section>\n");
            return;
        }
        List<Map.Entry<String, int[]>> byCount = new ArrayList<>(kinds.entrySet());
        byCount.sort((a, b) -> Integer.compare(b.getValue()[0], a.getValue()[0]));
        int kindRows = Math.min(byCount.size(), FAILURE_KINDS);
        h.raw("<h3>By kind</h3><table id=\"failure-kinds\" data-rows=\"" + kindRows + "\"><thead><tr><th>status</th>"
                + "<th>error type</th><th>tasks</th><th>first: id</th><th>first: message</th></tr></thead><tbody>");
        for (Map.Entry<String, int[]> e : byCount.subList(0, kindRows)) {
            TaskRecord first = firstOfKind.get(e.getKey());
            h.raw("<tr>");
            status(first.status());
            h.element("td", "class=\"t\"", first.errorType()).element("td", "class=\"n\"", Html.count(e.getValue()[0]))
                    .element("td", "class=\"t\"", first.id());
            message(first.errorMessage());
            h.raw("</tr>");
        }
        h.raw("</tbody></table>");
        omitted(byCount.size() - kindRows, "kinds of failure");
        int rows = listedFailures(failed);
        h.raw("<h3>Every failure</h3><table id=\"failure-list\" data-rows=\"" + rows + "\" data-failures=\""
                + failed.size() + "\"><thead><tr><th>id</th><th>line</th><th>status</th><th>worker</th><th>ran for</th>"
                + "<th>error type</th><th>message</th></tr></thead><tbody>");
        for (TaskRecord t : failed.subList(0, rows)) {
            h.raw("<tr>").element("td", "class=\"t\"", t.id()).element("td", "class=\"n\"", Long.toString(t.line()));
            status(t.status());
            h.element("td", "class=\"n\"", t.workerPid() > 0 ? Long.toString(t.workerPid()) : "–")
                    .element("td", "class=\"n\"", Html.duration(t.runNanos()))
                    .element("td", "class=\"t\"", t.errorType());
            message(t.errorMessage());
            h.raw("</tr>");
        }
        h.raw("</tbody></table>");
        omitted(failed.size() - rows, "failures (the output file has them all)");
        h.raw("</section>\n");
    }

    /**
     * How many of the failures the list shows: up to {@value #FAILURE_ROWS}, and no more than fit in about
     * {@value #FAILURE_LIST_CHARS} characters of HTML (ids, types and messages as escaped, the markup taken at
     * its most), the first always.
     */
    private static int listedFailures(List<TaskRecord> failed) {
        int max = Math.min(failed.size(), FAILURE_ROWS);
        long chars = 0;
        for (int rows = 0; rows < max; rows++) {
            TaskRecord t = failed.get(rows);
            chars += 250 + Html.escape(t.id()).length() + Html.escape(t.errorType()).length()
                    + messageChars(t.errorMessage());
            if (chars > FAILURE_LIST_CHARS && rows > 0) {
                return rows;
            }
        }
        return max;
    }

    private static long messageChars(String message) {
        if (message == null) {
            return 0;
        }
        long whole = Html.escape(message).length();
        return message.length() <= SHOWN_MESSAGE_CHARS ? whole
                : whole + Html.escape(message.substring(0, SHOWN_MESSAGE_CHARS)).length() + 40;
    }

    /** A message cell: its start, and the whole (as kept) behind a disclosure when it is long. */
    private void message(String message) {
        if (message == null) {
            h.raw("<td class=\"t\"></td>");
        } else if (message.length() <= SHOWN_MESSAGE_CHARS) {
            h.element("td", "class=\"t msg\"", message);
        } else {
            h.raw("<td class=\"t msg\"><details><summary>").text(message.substring(0, SHOWN_MESSAGE_CHARS) + "…")
                    .raw("</summary>").text(message).raw("</details></td>");
        }
    }

    private void settings() {
        if (run.settings().isEmpty()) {
            return;
        }
        h.raw("<section id=\"settings\"><h2>Settings</h2><table><tbody>");
        for (Map.Entry<String, String> e : run.settings().entrySet()) {
            h.raw("<tr>").element("th", "", e.getKey()).element("td", "class=\"t\"", e.getValue()).raw("</tr>");
        }
        h.raw("</tbody></table></section>\n");
    }

    private void omitted(int n, String what) {
        if (n > 0) {
            h.raw("<p class=\"note omitted\">").text(Html.count(n) + " more " + what + " not listed.").raw("</p>");
        }
    }

    private static final String STYLE = String.join("\n",
            "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0 auto;"
                    + "padding:16px 24px;max-width:1240px;color:#1d2329;background:#fff}",
            "h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2e6}"
                    + "h3{font-size:14px;margin:16px 0 6px}",
            ".command{font-family:ui-monospace,'DejaVu Sans Mono',monospace;color:#4a5560;margin:4px 0;"
                    + "overflow-wrap:anywhere}",
            ".banner{background:#fff4d6;border:1px solid #e8c66a;padding:8px 12px;border-radius:4px}",
            ".cards{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}",
            ".card{border:1px solid #dde2e6;border-radius:4px;padding:6px 10px;min-width:110px}",
            ".card .label{display:block;color:#5b6670;font-size:12px}.card .value{font-size:18px;font-weight:600}",
            ".card .swatch{float:right;margin-top:4px}",
            ".swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}",
            ".legend span{margin-right:14px}.note{color:#4a5560;margin:4px 0 8px}",
            ".scroll{overflow-x:auto}svg.chart{display:block;max-width:100%;height:auto;font-size:11px;fill:#33404c}",
            "svg .grid{stroke:#e6eaee;stroke-width:1}svg .life{fill:#eef1f4}svg .lane-label{font-size:11px}",
            "svg .e-started{fill:#3b9a57}svg .e-exited{fill:#7d8790}svg .e-recycled{fill:#2f6fce}"
                    + "svg .e-killed{fill:#ee9a20}svg .e-died{fill:#d1453b}",
            statusStyles(),
            "table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:3px 8px;"
                    + "border-bottom:1px solid #eef1f4;vertical-align:top}th{color:#5b6670;font-weight:600}",
            "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}",
            "td.t{overflow-wrap:anywhere;unicode-bidi:isolate;white-space:pre-wrap}td.msg{max-width:520px}",
            "summary{cursor:pointer}footer{margin-top:32px;color:#7d8790;font-size:12px}");

    private static String statusStyles() {
        StringBuilder sb = new StringBuilder();
        for (TaskStatus s : TaskStatus.values()) {
            sb.append(".s-").append(s.label()).append("{fill:").append(s.colour()).append(";background:")
                    .append(s.colour()).append("}");
        }
        return sb.toString();
    }
}
