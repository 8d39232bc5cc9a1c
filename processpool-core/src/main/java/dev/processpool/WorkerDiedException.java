package dev.processpool;

import java.util.List;
import java.util.OptionalInt;

/**
 * The worker process died while it was running the task: it exited ({@code System.exit},
 * {@code Runtime.halt}), was killed by a signal (SIGKILL from outside, the OOM killer), or crashed in native
 * code. Carries the pid, the exit code or signal and the last lines the worker wrote to its standard error.
 */
public final class WorkerDiedException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The worker's exit code, {@code 128 + n} for death by signal {@code n}. */
    private final int exitCode;
    /** The worker's last stderr lines, oldest first. */
    private final List<String> stderrTail;

    /**
     * The outcome of a task whose worker died while it ran.
     *
     * @param taskId     the task's id
     * @param workerPid  the pid of the worker that died
     * @param exitCode   its exit code as the JDK reports it: {@code 128 + n} for death by signal {@code n}
     * @param stderrTail the last lines it wrote to standard error, oldest first
     */
    public WorkerDiedException(String taskId, long workerPid, int exitCode, List<String> stderrTail) {
        super(describe(taskId, workerPid, exitCode, stderrTail), taskId, workerPid, null);
        this.exitCode = exitCode;
        this.stderrTail = List.copyOf(stderrTail);
    }

    private static String describe(String taskId, long pid, int exitCode, List<String> tail) {
        StringBuilder sb = new StringBuilder("worker ").append(pid).append(" died while running task ").append(taskId)
                .append(": ");
        sb.append(exitCode > 128 && exitCode < 128 + 65
                ? "killed by signal " + (exitCode - 128) + signalName(exitCode - 128)
                : "exit code " + exitCode);
        if (!tail.isEmpty()) {
            sb.append("; last stderr line: ").append(tail.get(tail.size() - 1));
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
}
