package dev.processpool.transport;

import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Signals a worker and everything it started. Workers are launched through {@code setsid} where the
 * machine has it, so each leads its own process group and {@code kill -SIG -- -pgid} also reaches
 * grandchildren that were re-parented after their parent died. {@link ProcessHandle#descendants()} is a
 * snapshot of living links only, so it is taken before anything is signalled.
 */
public final class ProcessTrees {

    private static final String SETSID = find("setsid");
    private static final String KILL = find("kill");

    private ProcessTrees() {
    }

    private static String find(String tool) {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
            File f = new File(dir, tool);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }

    /** The {@code setsid} executable to launch workers with, or null where there is none. */
    public static String setsid() {
        return SETSID;
    }

    /**
     * Sends SIGTERM ({@code force == false}) or SIGKILL to the worker, its descendants and, when the worker
     * leads its own process group, the whole group. Only pids this pool started (and their offspring) are
     * signalled.
     */
    public static void signal(ProcessHandle worker, boolean groupLeader, boolean force) {
        List<ProcessHandle> descendants = worker.descendants().toList();
        // The worker first (a deadline is waiting on it), then what it started.
        if (force) {
            worker.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        } else {
            worker.destroy();
            descendants.forEach(ProcessHandle::destroy);
        }
        if (groupLeader) {
            signalGroup(worker.pid(), force);
        }
    }

    /**
     * Signals the process group led by {@code pgid}. Called while the group still has members (the worker,
     * or processes it left behind), so the group id cannot have been reused.
     */
    public static void signalGroup(long pgid, boolean force) {
        if (KILL == null) {
            return;
        }
        try {
            Process p = new ProcessBuilder(KILL, force ? "-KILL" : "-TERM", "--", "-" + pgid)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.getOutputStream().close();
            p.waitFor(2, TimeUnit.SECONDS);
        } catch (IOException e) {
            // best effort: the worker itself is signalled directly as well
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
