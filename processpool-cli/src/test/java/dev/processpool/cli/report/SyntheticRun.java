package dev.processpool.cli.report;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A made-up run with known answers, for the report's tests: {@code slots} worker slots side by side from
 * time 0, each running its tasks one after another on a succession of workers. A worker is recycled after
 * {@value #TASKS_PER_WORKER} tasks, killed when its task times out, and dies with the task whose worker died;
 * the next worker of the slot starts 40 ms later. So the task stream has exactly {@code slots} lanes.
 * Task 7 has a hostile id and message.
 */
final class SyntheticRun {

    static final int TASKS_PER_WORKER = 100;
    static final String HOSTILE_ID = "</script><img src=x onerror=alert(1)>";
    static final String HOSTILE_MESSAGE = "<script>alert('x')</script> & \"quotes\" \u0000 \u202Ereversed";

    final RunReport report;
    final int slots;
    final Map<TaskStatus, Integer> counts = new EnumMap<>(TaskStatus.class);
    int started;
    int workers;
    int listedFailures;

    /**
     * @param tasks       how many tasks in all
     * @param cancelledAtEnd how many of them, at the end, were cancelled before they ran (an interrupted run)
     */
    SyntheticRun(int tasks, int slots, int cancelledAtEnd, long seed) {
        this.slots = slots;
        for (TaskStatus s : TaskStatus.values()) {
            counts.put(s, 0);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("--task", "com.example.Work");
        settings.put("--max", Integer.toString(slots));
        settings.put("--max-tasks-per-worker", Integer.toString(TASKS_PER_WORKER));
        report = new RunReport("processpool run --task com.example.Work --input work.jsonl --max " + slots,
                settings, Instant.parse("2026-11-26T10:00:00Z"), 0, TASKS_PER_WORKER);
        Random random = new Random(seed);
        long[] clock = new long[slots];
        long[] pid = new long[slots];
        int[] ran = new int[slots];
        long nextPid = 10_000;
        for (int s = 0; s < slots; s++) {
            pid[s] = nextPid++;
            report.workerStarted(pid[s], 0);
            workers++;
            clock[s] = 30_000_000L;
        }
        int ranTasks = tasks - cancelledAtEnd;
        for (int i = 0; i < ranTasks; i++) {
            int s = i % slots;
            long queued = Math.max(0, clock[s] - random.nextInt(5_000_000));
            long start = clock[s] + random.nextInt(200_000);
            double u = random.nextDouble();
            long run = u < 0.97 ? 1_000_000L + (long) (random.nextDouble() * random.nextDouble() * 40_000_000L)
                    : 100_000_000L + random.nextInt(900_000_000);
            double f = random.nextDouble();
            TaskStatus status = i == 7 ? TaskStatus.ERROR : f < 0.010 ? TaskStatus.ERROR : f < 0.012 ? TaskStatus.TIMEOUT
                    : f < 0.013 ? TaskStatus.WORKER_DIED : TaskStatus.OK;
            String id = i == 7 ? HOSTILE_ID : "task-" + i;
            String type = switch (status) {
                case ERROR -> "java.lang.IllegalStateException";
                case TIMEOUT -> "dev.processpool.TaskTimeoutException";
                case WORKER_DIED -> "dev.processpool.WorkerDiedException";
                default -> null;
            };
            String message = i == 7 ? HOSTILE_MESSAGE : type == null ? null : "failure of task " + i;
            long end = start + run;
            report.taskEnded(new TaskRecord(id, i + 1, pid[s], queued, start, end, status, type, message));
            counts.merge(status, 1, Integer::sum);
            started++;
            if (status != TaskStatus.OK) {
                listedFailures++;
            }
            clock[s] = end;
            ran[s]++;
            WorkerEnd how = status == TaskStatus.TIMEOUT ? WorkerEnd.KILLED : status == TaskStatus.WORKER_DIED
                    ? WorkerEnd.DIED : ran[s] == TASKS_PER_WORKER ? WorkerEnd.RECYCLED : null;
            if (how != null) {
                // every other end is left for the report to tell from the tasks
                report.workerEnded(pid[s], end + 1_000_000, i % 2 == 0 ? how : null, null);
                pid[s] = nextPid++;
                clock[s] = end + 40_000_000L;
                report.workerStarted(pid[s], clock[s] - 30_000_000L);
                workers++;
                ran[s] = 0;
            }
        }
        long end = 0;
        for (long c : clock) {
            end = Math.max(end, c);
        }
        for (int i = ranTasks; i < tasks; i++) {
            report.taskEnded(new TaskRecord("task-" + i, i + 1, -1, end, -1, end, TaskStatus.CANCELLED,
                    "dev.processpool.TaskCancelledException", "not run: the run was interrupted"));
            counts.merge(TaskStatus.CANCELLED, 1, Integer::sum);
        }
        if (cancelledAtEnd > 0) {
            report.finish(RunReport.Ending.INTERRUPTED, null, end + 10_000_000);
        } else {
            for (long p : pid) {
                report.workerEnded(p, end + 5_000_000, WorkerEnd.EXITED, "the pool shut down");
            }
            report.finish(RunReport.Ending.COMPLETED, null, end + 10_000_000);
        }
    }

    RunReport.Snapshot snapshot() {
        return report.snapshot(0);
    }

    String html() {
        java.io.StringWriter out = new java.io.StringWriter();
        HtmlReport.render(snapshot(), out);
        return out.toString();
    }

    /**
     * Checks a page (as written, or as a browser's DOM) against this run: one lane per slot holding every
     * task that started and every worker, one card per status with its count, one row per listed failure.
     */
    void assertPageMatches(String page) {
        assertThat(allMatches(page, "<svg id=\"task-stream-svg\"[^>]*data-lanes=\"(\\d+)\"")).containsExactly(
                Integer.toString(slots));
        assertThat(allMatches(page, "<g class=\"lane\"")).hasSize(slots);
        assertThat(sumOf(page, "<g class=\"lane\"[^>]*data-tasks=\"(\\d+)\"")).isEqualTo(started);
        assertThat(sumOf(page, "<g class=\"lane\"[^>]*data-workers=\"(\\d+)\"")).isEqualTo(workers);
        for (TaskStatus s : TaskStatus.values()) {
            assertThat(allMatches(page, "data-status=\"" + s.label() + "\" data-count=\"(\\d+)\"")).as(s.label())
                    .containsExactly(Integer.toString(counts.get(s)));
        }
        assertThat(allMatches(page, "<table id=\"failure-list\" data-rows=\"(\\d+)\""))
                .containsExactly(Integer.toString(listedFailures));
    }

    private static int sumOf(String page, String regex) {
        return allMatches(page, regex).stream().mapToInt(Integer::parseInt).sum();
    }

    static List<String> allMatches(String html, String regex) {
        List<String> found = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(html);
        while (m.find()) {
            found.add(m.groupCount() > 0 ? m.group(1) : m.group());
        }
        return found;
    }
}
