package dev.processpool.cli.report;

import dev.processpool.WorkerState;
import dev.processpool.WorkingProcess;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a run report is made of, collected while the run goes on: the tasks as they end, the workers as
 * they come and go, and how the run ended. Thread-safe: the pool's callback thread adds tasks while a
 * monitor thread adds workers and takes {@linkplain #snapshot() snapshots} to render.
 *
 * <p>Times come in as {@link System#nanoTime()} values and are kept as nanoseconds since the run's origin
 * ({@link #since(long)}). The report keeps every task (about 100 bytes each plus its id; ids, error types and
 * messages are cut to {@value #MAX_ID_CHARS}, {@value #MAX_TYPE_CHARS} and {@value #MAX_MESSAGE_CHARS}
 * characters), so a run of a million tasks costs some 100 MiB of heap.
 */
public final class RunReport {

    static final int MAX_ID_CHARS = 200;
    static final int MAX_TYPE_CHARS = 300;
    static final int MAX_MESSAGE_CHARS = 2_000;

    /** How the run ended, or that it has not yet. */
    public enum Ending {
        /** Still running: the report is a checkpoint. */
        RUNNING("still running (a checkpoint)"),
        /** Every input line was worked off. */
        COMPLETED("completed"),
        /** Stopped by Ctrl-C. */
        INTERRUPTED("interrupted (Ctrl-C)"),
        /** Stopped by SIGTERM. */
        TERMINATED("terminated (SIGTERM)"),
        /** Stopped early for another reason: {@code --fail-fast}, a broken output, an input error. */
        STOPPED("stopped early");

        private final String label;

        Ending(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /**
     * An immutable view of the report at one moment, which {@link HtmlReport} renders.
     *
     * @param endNanos the end of the run, or the moment of the snapshot while it runs
     */
    public record Snapshot(String title, Map<String, String> settings, Instant startedAt, List<TaskRecord> tasks,
                           List<WorkerRecord> workers, long endNanos, Ending ending, String note, long inputLines) {
    }

    private final String title;
    private final Map<String, String> settings;
    private final Instant startedAt;
    private final long originNanos;
    private final int maxTasksPerWorker;

    // guarded by this
    private final ArrayList<TaskRecord> tasks = new ArrayList<>();
    /** Workers by pid, in the order they were first seen. */
    private final LinkedHashMap<Long, WorkerRecord> workers = new LinkedHashMap<>();
    /** Gone workers whose end is to be told from their tasks, at the snapshot. */
    private final Set<Long> untold = new HashSet<>();
    private Ending ending = Ending.RUNNING;
    private String note;
    private long endNanos = -1;
    private long inputLines = -1;

    /**
     * @param title             what was run, e.g. the command line
     * @param settings          the run's settings to list (option → value), in order
     * @param startedAt         the wall-clock time of the origin
     * @param originNanos       the {@link System#nanoTime()} of the origin: the run's time 0
     * @param maxTasksPerWorker the run's {@code --max-tasks-per-worker} (0: none), to tell recycled workers
     */
    public RunReport(String title, Map<String, String> settings, Instant startedAt, long originNanos,
                     int maxTasksPerWorker) {
        this.title = Objects.requireNonNull(title, "title");
        this.settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        this.startedAt = Objects.requireNonNull(startedAt, "startedAt");
        this.originNanos = originNanos;
        this.maxTasksPerWorker = maxTasksPerWorker;
    }

    /** A {@link System#nanoTime()} value as nanoseconds since the origin (never negative). */
    public long since(long nanoTime) {
        return Math.max(0, nanoTime - originNanos);
    }

    /** The number of task lines in the input, once known; the report then says how many did not run. */
    public synchronized void setInputLines(long lines) {
        this.inputLines = lines;
    }

    /** Adds a task that has its outcome (ids and messages are cut to bounded lengths). */
    public synchronized void taskEnded(TaskRecord task) {
        Objects.requireNonNull(task, "task");
        tasks.add(new TaskRecord(cut(task.id(), MAX_ID_CHARS), task.line(), task.workerPid(), task.queuedNanos(),
                task.startedNanos(), task.endedNanos(), task.status(), cut(task.errorType(), MAX_TYPE_CHARS),
                cut(task.errorMessage(), MAX_MESSAGE_CHARS)));
        if (task.workerPid() > 0 && task.started() && !workers.containsKey(task.workerPid())) {
            // a worker nobody reported: known from its tasks only
            workers.put(task.workerPid(), new WorkerRecord(task.workerPid(), task.startedNanos(), -1, WorkerEnd.UNKNOWN,
                    null));
        }
    }

    /** A worker was launched at {@code startedNanos} (since the origin). */
    public synchronized void workerStarted(long pid, long startedNanos) {
        WorkerRecord w = workers.get(pid);
        if (w == null || w.end() == WorkerEnd.UNKNOWN) {
            workers.put(pid, new WorkerRecord(pid, w == null ? startedNanos : Math.min(startedNanos, w.startedNanos()),
                    -1, WorkerEnd.ALIVE, null));
            untold.remove(pid);
        }
    }

    /**
     * A worker is gone.
     *
     * @param how    how it ended, or {@code null} to let the report tell from the tasks it ran (a task that
     *               timed out or was cancelled while running: killed; whose worker died: died; the last of
     *               {@code maxTasksPerWorker}: recycled; else exited)
     * @param detail what caused it, or {@code null}
     */
    public synchronized void workerEnded(long pid, long endedNanos, WorkerEnd how, String detail) {
        WorkerRecord w = workers.get(pid);
        long started = w == null ? endedNanos : w.startedNanos();
        workers.put(pid, new WorkerRecord(pid, started, Math.max(started, endedNanos), how == null ? WorkerEnd.EXITED : how,
                cut(detail, MAX_MESSAGE_CHARS)));
        if (how == null) {
            untold.add(pid);
        } else {
            untold.remove(pid);
        }
    }

    /**
     * Notes the pool's workers as {@link dev.processpool.ProcessPool#getWorkers()} shows them now: workers
     * not seen before have started (at their launch time), workers seen before and now gone (or dead) have
     * ended, how to be told from their tasks. Call it often (a monitor thread every few tens of ms) until the
     * pool has shut down; a worker that lived between two calls is still known from its tasks.
     */
    public void observeWorkers(Collection<? extends WorkingProcess> now, long nanoTime) {
        long at = since(nanoTime);
        Set<Long> alive = new HashSet<>();
        Map<Long, Long> launched = new HashMap<>();
        for (WorkingProcess w : now) {
            if (w.pid() > 0 && w.state() != WorkerState.DEAD) {
                alive.add(w.pid());
                long launchedAt = Duration.between(startedAt, w.startedAt()).toNanos();
                launched.put(w.pid(), Math.min(at, Math.max(0, launchedAt)));
            }
        }
        synchronized (this) {
            for (Map.Entry<Long, Long> e : launched.entrySet()) {
                WorkerRecord w = workers.get(e.getKey());
                if (w == null || w.end() == WorkerEnd.UNKNOWN) {
                    workerStarted(e.getKey(), e.getValue());
                }
            }
            for (WorkerRecord w : new ArrayList<>(workers.values())) {
                if (w.end() == WorkerEnd.ALIVE && !alive.contains(w.pid())) {
                    workerEnded(w.pid(), at, null, null);
                }
            }
        }
    }

    /** Records how the run ended, at {@code endNanos} since the origin. The next snapshot is final. */
    public synchronized void finish(Ending ending, String note, long endNanos) {
        this.ending = Objects.requireNonNull(ending, "ending");
        this.note = note;
        this.endNanos = endNanos;
    }

    /**
     * The report as it stands: tasks so far, workers with their ends told where they were not given.
     *
     * @param nowNanos the moment of the snapshot since the origin (used while the run has not finished)
     */
    public synchronized Snapshot snapshot(long nowNanos) {
        long end = endNanos >= 0 ? endNanos : nowNanos;
        List<TaskRecord> taskList = List.copyOf(tasks);
        for (TaskRecord t : taskList) {
            end = Math.max(end, t.endedNanos());
        }
        return new Snapshot(title, settings, startedAt, taskList, resolveWorkers(taskList), end, ending, note,
                inputLines);
    }

    private List<WorkerRecord> resolveWorkers(List<TaskRecord> taskList) {
        Map<Long, TaskRecord> lastTask = new HashMap<>();
        Map<Long, Integer> count = new HashMap<>();
        Map<Long, Long> lastEnd = new HashMap<>();
        for (TaskRecord t : taskList) {
            if (t.workerPid() > 0 && t.started()) {
                count.merge(t.workerPid(), 1, Integer::sum);
                lastEnd.merge(t.workerPid(), t.endedNanos(), Math::max);
                TaskRecord last = lastTask.get(t.workerPid());
                if (last == null || t.endedNanos() >= last.endedNanos()) {
                    lastTask.put(t.workerPid(), t);
                }
            }
        }
        List<WorkerRecord> out = new ArrayList<>(workers.size());
        for (WorkerRecord w : workers.values()) {
            if (w.end() == WorkerEnd.UNKNOWN) {
                // lived at least from its first task's start to its last task's end
                out.add(new WorkerRecord(w.pid(), w.startedNanos(), lastEnd.getOrDefault(w.pid(), w.startedNanos()),
                        WorkerEnd.UNKNOWN, null));
            } else if (untold.contains(w.pid())) {
                out.add(told(w, lastTask.get(w.pid()), count.getOrDefault(w.pid(), 0)));
            } else {
                out.add(w);
            }
        }
        return out;
    }

    /** A gone worker's end, told from the last task it ran. */
    private WorkerRecord told(WorkerRecord w, TaskRecord last, int tasksRun) {
        WorkerEnd how = WorkerEnd.EXITED;
        String detail = w.detail();
        if (last != null) {
            switch (last.status()) {
                case TIMEOUT -> {
                    how = WorkerEnd.KILLED;
                    detail = "task " + last.id() + " timed out";
                }
                case CANCELLED -> {
                    how = WorkerEnd.KILLED;
                    detail = "task " + last.id() + " was cancelled while running";
                }
                case WORKER_DIED -> {
                    how = WorkerEnd.DIED;
                    detail = "while running task " + last.id() + (last.errorMessage() == null ? ""
                            : ": " + last.errorMessage());
                }
                default -> {
                    if (maxTasksPerWorker > 0 && tasksRun >= maxTasksPerWorker) {
                        how = WorkerEnd.RECYCLED;
                        detail = "after " + tasksRun + " tasks";
                    }
                }
            }
        }
        return new WorkerRecord(w.pid(), w.startedNanos(), w.endedNanos(), how, detail);
    }

    private static String cut(String s, int max) {
        if (s == null || s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "… (" + s.length() + " characters in all)";
    }
}
