package dev.processpool.cli.report;

import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static dev.processpool.cli.report.SyntheticRun.allMatches;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The run report without a browser: what the page says against the model, escaping of hostile text, the
 * switch to binned lanes for many tasks, how workers' ends are told, and the report file's checkpoints.
 * {@link HtmlReportBrowserTest} loads the pages in Chromium.
 */
class HtmlReportTest {

    @TempDir
    Path tmp;

    @Test
    void thePageCountsWhatTheModelHolds() {
        SyntheticRun run = new SyntheticRun(1_000, 8, 0, 1);
        String html = run.html();

        run.assertPageMatches(html);
        assertThat(allMatches(html, "<rect class=\"t s-")).hasSize(run.started);
        assertThat(html).contains("data-mode=\"bars\"");
        assertThat(allMatches(html, "<table id=\"worker-list\" data-rows=\"(\\d+)\""))
                .containsExactly(Integer.toString(run.workers));
        assertThat(allMatches(html, "<table id=\"slowest-list\" data-rows=\"(\\d+)\"")).containsExactly("25");
        assertThat(allMatches(html, "id=\"durations-svg\"[^>]*data-tasks=\"(\\d+)\""))
                .containsExactly(Integer.toString(run.started));
        // recycles, kills and deaths are drawn, told ones included
        assertThat(html).contains("class=\"e-started\"", "class=\"e-recycled\"", "class=\"e-killed\"", "class=\"e-died\"",
                "class=\"e-exited\"");
        assertThat(html).doesNotContain("class=\"banner\"");
    }

    @Test
    void textFromTheRunIsEscapedAndThePageCanFetchNothing() {
        String html = new SyntheticRun(100, 2, 0, 2).html();

        assertThat(html).contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
        assertThat(html).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quotes&quot; \uFFFD");
        assertThat(html).doesNotContain("<img", "<script", "onerror=alert(1)>", "\u0000");
        // nothing to load: no src or href at all, and a policy that would refuse it
        assertThat(allMatches(html, "<[^>]*\\s(?:src|href|action|srcset)\\s*=")).isEmpty();
        assertThat(html).doesNotContain("url(", "@import");
        assertThat(html).contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"");
        assertThat(allMatches(html, "https?://[^\"]+")).containsOnly("http://www.w3.org/2000/svg");
    }

    @Test
    void escapingCoversEveryCharacterHtmlCannotCarry() {
        assertThat(Html.escape("a&b<c>d\"e'f")).isEqualTo("a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assertThat(Html.escape("tab\tnl\ncr\rnul\u0000del\u007fc1\u0085")).isEqualTo("tab\tnl\ncr\rnul\uFFFDdel\uFFFDc1\uFFFD");
        assertThat(Html.escape("lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00"))
                .isEqualTo("lone \uFFFD high, lone \uFFFD low, pair \uD83D\uDE00");
        assertThat(Html.escape(null)).isEmpty();
        assertThat(Html.num(381.44)).isEqualTo("381.4");
        assertThat(Html.num(150)).isEqualTo("150.0");
        assertThat(Html.num(-0.5)).isEqualTo("-0.5");
        assertThat(Html.duration(0)).isEqualTo("0");
        assertThat(Html.duration(1_234_567)).isEqualTo("1.23 ms");
        assertThat(Html.duration(125_000_000_000L)).isEqualTo("2 min 05 s");
        assertThat(Html.duration(9_996_000)).isEqualTo("10.0 ms");
        assertThat(Html.duration(99_960_000)).isEqualTo("100 ms");
        assertThat(Html.duration(3_725_000_000_000L)).isEqualTo("1 h 02 min");
        assertThat(Html.decimals(2.006, 2)).isEqualTo("2.01");
        assertThat(Html.decimals(0.04, 1)).isEqualTo("0.0");
        assertThat(Html.decimals(-0.04, 1)).isEqualTo("0.0");
        assertThat(Html.count(0)).isEqualTo("0");
        assertThat(Html.count(999)).isEqualTo("999");
        assertThat(Html.count(1_000)).isEqualTo("1,000");
        assertThat(Html.count(-1_234_567)).isEqualTo("-1,234,567");
        assertThat(Html.escape("plain")).isSameAs("plain");
    }

    @Test
    void manyTasksAreBinnedPerPixelColumnAndOneFailureAmongThemStaysVisible() {
        RunReport report = new RunReport("binned", Map.of(), Instant.EPOCH, 0, 0);
        report.workerStarted(1, 0);
        int n = TaskStream.BAR_LIMIT + 1;
        for (int i = 0; i < n; i++) {
            TaskStatus s = i == n / 2 ? TaskStatus.ERROR : TaskStatus.OK;
            report.taskEnded(new TaskRecord("t" + i, i + 1, 1, i * 1_000_000L, i * 1_000_000L, i * 1_000_000L + 900_000,
                    s, s == TaskStatus.OK ? null : "E", null));
        }
        report.finish(RunReport.Ending.COMPLETED, null, n * 1_000_000L);
        String html = render(report);

        assertThat(html).contains("data-mode=\"binned\"").contains("data-tasks=\"" + n + "\"");
        List<String> bins = allMatches(html, "<rect class=\"bin s-");
        assertThat(bins).isNotEmpty().hasSizeLessThanOrEqualTo(TaskStream.PLOT_WIDTH);
        assertThat(allMatches(html, "<rect class=\"t s-")).isEmpty();
        assertThat(allMatches(html, "<rect class=\"fail s-error\"")).as("the one failure has its stripe").hasSize(1);
        assertThat(allMatches(html, "<rect class=\"bin s-error\"")).as("but does not colour its column").isEmpty();
        // the tooltips account for every task once
        int counted = allMatches(html, "ended ([\\d,]+) tasks?").stream()
                .mapToInt(s -> Integer.parseInt(s.replace(",", ""))).sum();
        assertThat(counted).isEqualTo(n);

        // at the limit, one bar per task
        RunReport few = new RunReport("bars", Map.of(), Instant.EPOCH, 0, 0);
        for (int i = 0; i < TaskStream.BAR_LIMIT; i++) {
            few.taskEnded(new TaskRecord("t" + i, i + 1, 1, 0, i, i + 1, TaskStatus.OK, null, null));
        }
        few.finish(RunReport.Ending.COMPLETED, null, TaskStream.BAR_LIMIT + 1);
        assertThat(allMatches(render(few), "<rect class=\"t s-")).hasSize(TaskStream.BAR_LIMIT);
    }

    @Test
    void aHundredThousandTasksMakeABoundedPage() {
        SyntheticRun run = new SyntheticRun(100_000, 8, 500, 3);
        String html = run.html();

        assertThat(html).contains("data-mode=\"binned\"");
        assertThat(allMatches(html, "<rect class=\"bin ").size()).isLessThanOrEqualTo(8 * TaskStream.PLOT_WIDTH);
        run.assertPageMatches(html);
        assertThat(allMatches(html, "data-status=\"cancelled\" data-count=\"(\\d+)\"")).containsExactly("500");
        assertThat(html).contains("class=\"banner\" data-ending=\"interrupted\"");
        // the never-started cancelled lines are counted, not listed
        assertThat(allMatches(html, "<table id=\"failure-list\" data-rows=\"(\\d+)\""))
                .containsExactly(Integer.toString(run.listedFailures));
        assertThat(html.getBytes(StandardCharsets.UTF_8).length).isLessThan(4 << 20);
    }

    /**
     * 100,000 tasks that all fail with the longest message the report keeps, made of characters HTML must
     * escape (each becomes up to six): the failure list stops at its size budget, says how many it left out,
     * and the page stays a few megabytes (it was 113 MB: 10,000 rows of a 2,000-character message, escaped).
     */
    @Test
    void aHundredThousandFailuresWithLongHostileMessagesStillMakeABoundedPage() {
        RunReport report = new RunReport("all fail", Map.of(), Instant.EPOCH, 0, 0);
        String message = "<&>\"'".repeat(RunReport.MAX_MESSAGE_CHARS / 5);
        int n = 100_000;
        for (int w = 0; w < 8; w++) {
            report.workerStarted(1000 + w, 0);
        }
        for (int i = 0; i < n; i++) {
            long start = (i / 8) * 1_000_000L;
            report.taskEnded(new TaskRecord("t" + i, i + 1, 1000 + i % 8, start, start, start + 900_000,
                    TaskStatus.ERROR, "java.lang.IllegalStateException", message));
        }
        report.finish(RunReport.Ending.COMPLETED, null, (n / 8 + 1) * 1_000_000L);
        String html = render(report);

        int bytes = html.getBytes(StandardCharsets.UTF_8).length;
        assertThat(bytes).isLessThan(6 << 20);
        assertThat(allMatches(html, "data-status=\"error\" data-count=\"(\\d+)\"")).containsExactly("100000");
        List<String> rows = allMatches(html, "<table id=\"failure-list\" data-rows=\"(\\d+)\"");
        assertThat(rows).hasSize(1);
        int listed = Integer.parseInt(rows.get(0));
        assertThat(listed).isPositive().isLessThan(HtmlReport.FAILURE_ROWS);
        assertThat(html).contains("data-failures=\"100000\"")
                .contains(Html.count(n - listed) + " more failures (the output file has them all) not listed.");
        // the first failures are listed whole, in the order they ended
        assertThat(html).contains("<td class=\"t\">t0</td>").contains("<td class=\"t\">t" + (listed - 1) + "</td>")
                .doesNotContain("<td class=\"t\">t" + listed + "</td>");
    }

    @Test
    void aWorkerPerTaskStillMakesABoundedChart() {
        // --max-tasks-per-worker 1: as many workers as tasks, in 4 lanes
        RunReport report = new RunReport("recycled each time", Map.of(), Instant.EPOCH, 0, 1);
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            long start = (i / 4) * 2_000_000L;
            report.workerStarted(1000 + i, start);
            report.taskEnded(new TaskRecord("t" + i, i + 1, 1000 + i, start, start + 100_000, start + 1_000_000,
                    TaskStatus.OK, null, null));
            report.workerEnded(1000 + i, start + 1_500_000, null, null);
        }
        report.finish(RunReport.Ending.COMPLETED, null, (n / 4) * 2_000_000L);
        String html = render(report);

        assertThat(allMatches(html, "<g class=\"lane\"")).hasSize(4);
        assertThat(allMatches(html, "<g class=\"lane\"[^>]*data-workers=\"(\\d+)\"").stream().mapToInt(Integer::parseInt)
                .sum()).isEqualTo(n);
        assertThat(allMatches(html, "<rect class=\"life\"").size()).isLessThanOrEqualTo(4 * TaskStream.PLOT_WIDTH);
        assertThat(allMatches(html, "<rect class=\"e-").size()).isLessThanOrEqualTo(4 * TaskStream.PLOT_WIDTH);
        assertThat(allMatches(html, "<table id=\"worker-list\" data-rows=\"(\\d+)\"")).containsExactly(
                Integer.toString(HtmlReport.WORKER_ROWS));
        assertThat(html).contains(Html.count(n - HtmlReport.WORKER_ROWS) + " more workers not listed");
        assertThat(html.length()).isLessThan(2 << 20);
    }

    @Test
    void aWorkersEndIsToldFromItsLastTaskWhenNotGiven() {
        RunReport report = new RunReport("ends", Map.of(), Instant.EPOCH, 0, 2);
        long[][] runs = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}};
        TaskStatus[] last = {TaskStatus.TIMEOUT, TaskStatus.WORKER_DIED, TaskStatus.OK, TaskStatus.ERROR, TaskStatus.CANCELLED};
        for (int i = 0; i < runs.length; i++) {
            long pid = runs[i][0];
            report.workerStarted(pid, 0);
            if (i == 2) {
                // two tasks: the last of --max-tasks-per-worker 2
                report.taskEnded(new TaskRecord("a" + i, 1, pid, 0, 1, 2, TaskStatus.OK, null, null));
            }
            report.taskEnded(new TaskRecord("b" + i, 2, pid, 0, 3, 4, last[i], null, "why " + i));
            report.workerEnded(pid, 5, null, null);
        }
        report.workerStarted(6, 0);
        report.taskEnded(new TaskRecord("unreported", 9, 7, 0, 2, 3, TaskStatus.OK, null, null));
        List<WorkerRecord> workers = report.snapshot(10).workers();

        assertThat(workers).extracting(WorkerRecord::pid, WorkerRecord::end).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1L, WorkerEnd.KILLED), org.assertj.core.groups.Tuple.tuple(2L, WorkerEnd.DIED),
                org.assertj.core.groups.Tuple.tuple(3L, WorkerEnd.RECYCLED), org.assertj.core.groups.Tuple.tuple(4L, WorkerEnd.EXITED),
                org.assertj.core.groups.Tuple.tuple(5L, WorkerEnd.KILLED), org.assertj.core.groups.Tuple.tuple(6L, WorkerEnd.ALIVE),
                org.assertj.core.groups.Tuple.tuple(7L, WorkerEnd.UNKNOWN));
        assertThat(workers.get(0).detail()).isEqualTo("task b0 timed out");
        assertThat(workers.get(1).detail()).contains("b1").contains("why 1");
        assertThat(workers.get(6).startedNanos()).isEqualTo(2);
        assertThat(workers.get(6).endedNanos()).isEqualTo(3);
    }

    @Test
    void workersAreNotedFromThePoolsViewOfThem() {
        AtomicLong nanoTime = new AtomicLong(1_000_000_000L);
        Instant origin = Instant.parse("2026-11-26T10:00:00Z");
        RunReport report = new RunReport("observed", Map.of(), origin, nanoTime.get(), 0);
        WorkingProcess a = worker(101, origin.plusMillis(5), WorkerState.IDLE);
        WorkingProcess b = worker(102, origin.plusMillis(7), WorkerState.STARTING);
        report.observeWorkers(List.of(a, b, worker(-1, origin, WorkerState.STARTING)), nanoTime.addAndGet(10_000_000));
        nanoTime.addAndGet(40_000_000);
        report.observeWorkers(List.of(b, worker(101, origin.plusMillis(5), WorkerState.DEAD)), nanoTime.get());
        List<WorkerRecord> workers = report.snapshot(report.since(nanoTime.get())).workers();

        assertThat(workers).hasSize(2);
        assertThat(workers.get(0)).isEqualTo(new WorkerRecord(101, 5_000_000, 50_000_000, WorkerEnd.EXITED, null));
        assertThat(workers.get(1)).isEqualTo(new WorkerRecord(102, 7_000_000, -1, WorkerEnd.ALIVE, null));
    }

    @Test
    void theFileIsAlwaysAWholeReportCheckpointedThenFinal() throws Exception {
        AtomicLong clock = new AtomicLong();
        RunReport report = new RunReport("checkpoints", Map.of("--max", "2"), Instant.EPOCH, System.nanoTime(), 0);
        Path file = tmp.resolve("run.html");
        ReportFile out = new ReportFile(file, report, clock::get);

        String first = Files.readString(file);
        assertThat(first).startsWith("<!DOCTYPE html>").endsWith("</html>\n")
                .contains("data-ending=\"running\"").contains("data-count=\"0\"");
        report.taskEnded(new TaskRecord("x", 1, 42, 0, 1, 2, TaskStatus.OK, null, null));
        assertThat(out.checkpointIfDue()).as("not due yet").isFalse();
        clock.addAndGet(ReportFile.MIN_INTERVAL_SECONDS * 1_000_000_000L);
        assertThat(out.checkpointIfDue()).isTrue();
        assertThat(Files.readString(file)).contains("data-status=\"ok\" data-count=\"1\"").contains("data-ending=\"running\"");

        report.finish(RunReport.Ending.STOPPED, "--fail-fast: line 3 failed", report.since(System.nanoTime()));
        out.writeFinal();
        String last = Files.readString(file);
        assertThat(last).contains("data-ending=\"stopped\"").contains("--fail-fast: line 3 failed").endsWith("</html>\n");
        clock.addAndGet(3600 * 1_000_000_000L);
        assertThat(out.checkpointIfDue()).as("nothing after the final report").isFalse();
        try (var entries = Files.list(tmp)) {
            assertThat(entries).containsExactly(file);
        }
    }

    private static String render(RunReport report) {
        java.io.StringWriter out = new java.io.StringWriter();
        HtmlReport.render(report.snapshot(0), out);
        return out.toString();
    }

    private static WorkingProcess worker(long pid, Instant started, WorkerState state) {
        return new WorkingProcess() {
            @Override
            public long pid() {
                return pid;
            }

            @Override
            public WorkerState state() {
                return state;
            }

            @Override
            public Optional<String> currentTaskId() {
                return Optional.empty();
            }

            @Override
            public long tasksProcessed() {
                return 0;
            }

            @Override
            public Instant startedAt() {
                return started;
            }
        };
    }
}
