package dev.processpool;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The worker process died while it was running the task: it exited ({@code System.exit},
 * {@code Runtime.halt}), was killed by a signal (SIGKILL from outside, the OOM killer), or crashed in native
 * code. Carries the pid, the exit code or signal and the last lines the worker wrote to its standard error;
 * and the culprit's evidence where the worker JVM left some: the fatal error report ({@code hs_err_pid<pid>.log})
 * of a JVM that crashed, with its first lines (the signal, the JVM, the problematic frame), and the heap dump
 * of one that ran out of heap (with {@link PoolConfig.Builder#heapDumpOnOutOfMemory(Path)}). The message names
 * both files.
 */
public final class WorkerDiedException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The worker's exit code, {@code 128 + n} for death by signal {@code n}. */
    private final int exitCode;
    /** The worker's last stderr lines, oldest first. */
    private final List<String> stderrTail;
    /** The JVM's fatal error report, or null (a String: a Path is not serialisable). */
    private final String crashReport;
    /** The report's first lines. */
    private final List<String> crashReportHead;
    /** The worker's heap dump, or null. */
    private final String heapDump;

    /**
     * The outcome of a task whose worker died while it ran.
     *
     * @param taskId     the task's id
     * @param workerPid  the pid of the worker that died
     * @param exitCode   its exit code as the JDK reports it: {@code 128 + n} for death by signal {@code n}
     * @param stderrTail the last lines it wrote to standard error, oldest first
     */
    public WorkerDiedException(String taskId, long workerPid, int exitCode, List<String> stderrTail) {
        this(taskId, workerPid, exitCode, stderrTail, null, List.of(), null);
    }

    /**
     * The outcome of a task whose worker died while it ran, with what the worker's JVM left behind.
     *
     * @param taskId          the task's id
     * @param workerPid       the pid of the worker that died
     * @param exitCode        its exit code as the JDK reports it: {@code 128 + n} for death by signal {@code n}
     * @param stderrTail      the last lines it wrote to standard error, oldest first
     * @param crashReport     the JVM's fatal error report ({@code hs_err_pid<pid>.log}), or null
     * @param crashReportHead the report's header lines that say something (see {@link #getCrashReportHead()})
     * @param heapDump        the heap dump it wrote when it ran out of heap, or null
     */
    public WorkerDiedException(String taskId, long workerPid, int exitCode, List<String> stderrTail,
                               Path crashReport, List<String> crashReportHead, Path heapDump) {
        super(describe(taskId, workerPid, exitCode, stderrTail, crashReport, crashReportHead, heapDump), taskId,
                workerPid, null);
        this.exitCode = exitCode;
        this.stderrTail = List.copyOf(stderrTail);
        this.crashReport = crashReport == null ? null : crashReport.toString();
        this.crashReportHead = List.copyOf(crashReportHead);
        this.heapDump = heapDump == null ? null : heapDump.toString();
    }

    private static String describe(String taskId, long pid, int exitCode, List<String> tail, Path crashReport,
                                   List<String> crashReportHead, Path heapDump) {
        StringBuilder sb = new StringBuilder("worker ").append(pid).append(" died while running task ").append(taskId)
                .append(": ");
        sb.append(exitCode > 128 && exitCode < 128 + 65
                ? "killed by signal " + (exitCode - 128) + signalName(exitCode - 128)
                : "exit code " + exitCode);
        if (!tail.isEmpty()) {
            sb.append("; last stderr line: ").append(tail.get(tail.size() - 1));
        }
        if (crashReport != null) {
            sb.append("; JVM crash report ").append(crashReport);
            if (!crashReportHead.isEmpty()) {
                sb.append(": ").append(String.join(" | ", crashReportHead));
            }
        }
        if (heapDump != null) {
            sb.append("; heap dump ").append(heapDump);
        }
        return sb.toString();
    }

    private static String signalName(int signal) {
        switch (signal) {
            case 6: return " (SIGABRT)";
            case 9: return " (SIGKILL)";
            case 11: return " (SIGSEGV)";
            case 15: return " (SIGTERM)";
            default: return "";
        }
    }

    /** {@return the process's exit code as the JDK reports it: {@code 128 + n} for death by signal {@code n}} */
    public int getExitCode() {
        return exitCode;
    }

    /** {@return the signal that killed the worker, if it died by one} */
    public OptionalInt getSignal() {
        return exitCode > 128 && exitCode < 128 + 65 ? OptionalInt.of(exitCode - 128) : OptionalInt.empty();
    }

    /** {@return the last lines the worker wrote to standard error before it died (oldest first)} */
    public List<String> getStderrTail() {
        return stderrTail;
    }

    /**
     * {@return the fatal error report ({@code hs_err_pid<pid>.log}) the worker's JVM wrote when it crashed, if
     * it did} It is in the pool's private directory, kept when the pool is closed, until a pool started after
     * this process has ended removes the directory. Empty when the worker set its own {@code -XX:ErrorFile}.
     */
    public Optional<Path> getCrashReport() {
        return Optional.ofNullable(crashReport).map(Paths::get);
    }

    /**
     * {@return the lines of the crash report's header that say something, without the {@code #} marks} The
     * signal and the address, the JRE and VM versions and the problematic frame (the greeting, the notes on
     * core dumps and the advice on bug reports left out). Empty when there is no report.
     */
    public List<String> getCrashReportHead() {
        return crashReportHead;
    }

    /** {@return the heap dump the worker wrote when it ran out of heap, if the pool asked for one and it did} */
    public Optional<Path> getHeapDump() {
        return Optional.ofNullable(heapDump).map(Paths::get);
    }
}
