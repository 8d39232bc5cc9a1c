package dev.processpool.transport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Signals a worker and everything it started. Workers are launched through {@code setsid} where the
 * machine has it, so each leads its own process group and a signal to the group also reaches grandchildren
 * that were re-parented after their parent died. Processes that left the group (their own {@code setsid})
 * are reached while they are still linked to the worker: their pids are read from
 * {@code /proc/<pid>/task/<tid>/children} before anything is signalled, a walk over the worker's own
 * descendants only (not over every process of the machine, as {@link ProcessHandle#descendants()} does).
 *
 * <p>A signal to a process group needs {@code kill(2)} with a negative pid, which Java does not offer. Each
 * {@link GroupSignaller} keeps one shell for that, started on first use, that runs its built-in {@code kill}
 * for each request: no process is forked per signal. Where no shell can be had, {@code kill(1)} is run
 * once per signal, as a fallback.
 */
public final class ProcessTrees {

    private static final String SETSID = find("setsid");
    private static final String NICE = find("nice");
    private static final String KILL = find("kill");
    private static final String SH = find("sh");
    /** Whether this kernel lists each thread's children under /proc (CONFIG_PROC_CHILDREN). */
    private static final boolean PROC_CHILDREN = Files.isReadable(Paths.get("/proc/self/task",
            Long.toString(ProcessHandle.current().pid()), "children"));
    /** Whether the scheduler groups each session's processes (see {@link #deprioritize(long)}). */
    private static final boolean AUTOGROUP = readsOne(Paths.get("/proc/sys/kernel/sched_autogroup_enabled"));
    /**
     * This JVM's own autogroup, never deprioritized: its name, {@code ""} for the kernel's root group (whose
     * {@code /proc/<pid>/autogroup} is empty: a JVM whose session began at boot, as in many containers), or
     * null when it cannot be read, and then no autogroup is ever written.
     */
    private static final String OWN_AUTOGROUP = ownAutogroup();

    private ProcessTrees() {
    }

    private static boolean readsOne(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip().equals("1");
        } catch (IOException | RuntimeException e) {
            return false;
        }
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

    /**
     * Gives a worker that is about to be killed the least CPU weight there is, where the kernel allows it:
     * the nice value of its session's autogroup ({@code /proc/<pid>/autogroup}, Linux with
     * {@code sched_autogroup_enabled}). A SIGKILLed JVM spends its last CPU in the kernel, unmapping its heap;
     * workers run under {@code setsid}, each in an autogroup of its own that the scheduler weighs as much as the
     * pool's, so a hundred killed at once (a timeout storm) would take a hundred shares of the cores against
     * the pool's one and hold up every later deadline and outcome by hundreds of milliseconds. At nice 19
     * their teardown runs on what the pool leaves over. Raising a nice value needs no privilege. Nothing is
     * written when the worker shares this JVM's autogroup (no {@code setsid}): that would slow the pool itself.
     * Never throws.
     *
     * @return whether the weight is at its least now
     */
    static boolean deprioritize(long pid) {
        return setAutogroupNice(pid, 19) == AutogroupWrite.DONE;
    }

    /** What {@link #setAutogroupNice(long, int)} did. */
    enum AutogroupWrite {
        /** The group has the nice value now (written, or it had it already). */
        DONE,
        /** Not a group to write: none, the pool's own, the root group, or the process is gone. */
        NOT_OURS,
        /** The kernel refused the write (for a user without {@code CAP_SYS_ADMIN}: another came too soon). */
        REFUSED
    }

    /**
     * Sets the nice value of the process's own autogroup, never this JVM's nor the root group's. Best effort:
     * for a user without {@code CAP_SYS_ADMIN} the kernel accepts one such write per 100 ms on the whole
     * machine and refuses the others ({@code EAGAIN}); a refused write leaves the group at its weight. A group
     * that has the value already is not written. Never throws.
     */
    static AutogroupWrite setAutogroupNice(long pid, int nice) {
        if (!AUTOGROUP) {
            return AutogroupWrite.NOT_OURS;
        }
        Path file = Paths.get("/proc", Long.toString(pid), "autogroup");
        String line;
        try {
            line = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException gone) {
            return AutogroupWrite.NOT_OURS;
        }
        if (!separateAutogroup(OWN_AUTOGROUP, autogroupOf(line))) {
            return AutogroupWrite.NOT_OURS;
        }
        if (line.strip().endsWith(" nice " + nice)) {
            return AutogroupWrite.DONE;
        }
        try {
            Files.writeString(file, Integer.toString(nice), StandardCharsets.US_ASCII);
            return AutogroupWrite.DONE;
        } catch (IOException | RuntimeException e) {
            return Files.exists(file) ? AutogroupWrite.REFUSED : AutogroupWrite.NOT_OURS;
        }
    }

    /**
     * Sets a worker's autogroup nice value, trying a refused write again every {@code retryMillis} off the
     * caller's thread (on {@code later}), at most {@code attempts} times in all, while the worker lives: the
     * kernel's limit of one write per 100 ms for an unprivileged user is machine-wide, and a storm of kills
     * writes too.
     */
    static void setAutogroupNiceRetrying(Supplier<AutogroupWrite> write, BooleanSupplier alive, int attempts,
                                         Executor later) {
        if (write.get() == AutogroupWrite.REFUSED && attempts > 1 && alive.getAsBoolean()) {
            later.execute(() -> setAutogroupNiceRetrying(write, alive, attempts - 1, later));
        }
    }

    /**
     * Whether a process in autogroup {@code other} may be reweighed without touching this JVM's group
     * {@code own} (both as {@link #autogroupOf(String)} gives them): only a named group that is not ours, and
     * only when ours is known.
     */
    static boolean separateAutogroup(String own, String other) {
        return own != null && other != null && !other.isEmpty() && !other.equals(own);
    }

    /**
     * The group a {@code /proc/<pid>/autogroup} file names: {@code "/autogroup-24471 nice 0"} gives
     * {@code "/autogroup-24471"}, an empty file (the root group, which the kernel does not print) gives
     * {@code ""}, anything else null.
     */
    static String autogroupOf(String content) {
        String trimmed = content.strip();
        if (trimmed.isEmpty()) {
            return "";
        }
        int space = trimmed.indexOf(' ');
        String name = space < 0 ? trimmed : trimmed.substring(0, space);
        return name.startsWith("/autogroup-") ? name : null;
    }

    private static String ownAutogroup() {
        try {
            return autogroupOf(Files.readString(Paths.get("/proc/self/autogroup"), StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The {@code nice} executable to launch workers with a lower priority, or null where there is none. */
    static String nice() {
        return NICE;
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
        signal(worker, groupLeader, force, null);
    }

    /** As {@link #signal(ProcessHandle, boolean, boolean)}, the group signalled through {@code groups}. */
    static void signal(ProcessHandle worker, boolean groupLeader, boolean force, GroupSignaller groups) {
        List<ProcessHandle> descendants = descendants(worker);
        // The worker first (a deadline is waiting on it), then what it started.
        if (force) {
            worker.destroyForcibly();
            descendants.forEach(ProcessHandle::destroyForcibly);
        } else {
            worker.destroy();
            descendants.forEach(ProcessHandle::destroy);
        }
        if (groupLeader) {
            if (groups != null) {
                groups.signal(worker.pid(), force);
            } else {
                signalGroup(worker.pid(), force);
            }
        }
    }

    /**
     * The living descendants of a process, read from {@code /proc/<pid>/task/<tid>/children} (each thread's
     * children, then theirs); {@link ProcessHandle#descendants()} where the kernel does not list children.
     */
    static List<ProcessHandle> descendants(ProcessHandle root) {
        if (!PROC_CHILDREN) {
            return root.descendants().toList();
        }
        List<ProcessHandle> found = new ArrayList<>();
        List<Long> frontier = new ArrayList<>(List.of(root.pid()));
        for (int depth = 0; !frontier.isEmpty() && depth < 64; depth++) {
            List<Long> next = new ArrayList<>();
            for (long pid : frontier) {
                for (long child : children(pid)) {
                    ProcessHandle.of(child).ifPresent(h -> {
                        found.add(h);
                        next.add(h.pid());
                    });
                }
            }
            frontier = next;
        }
        return found;
    }

    /** The children of every thread of {@code pid}; empty when it is gone. */
    private static List<Long> children(long pid) {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Paths.get("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                String list;
                try {
                    list = Files.readString(task.resolve("children"), StandardCharsets.ISO_8859_1);
                } catch (IOException | RuntimeException threadGone) {
                    continue;
                }
                for (String p : list.trim().split(" ")) {
                    if (!p.isEmpty()) {
                        try {
                            out.add(Long.parseLong(p));
                        } catch (NumberFormatException ignored) {
                            // not a pid
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException gone) {
            // exited meanwhile
        }
        return out;
    }

    /**
     * Signals the process group led by {@code pgid} with one {@code kill(1)} process. Called while the group
     * still has members (the worker, or processes it left behind), so the group id cannot have been reused.
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

    /**
     * Signals process groups through one long-lived shell: a request is a line on its stdin ({@code kill -9
     * -<pgid>; echo}), its answer the empty line that follows the kill, so that a caller knows its signal was
     * sent. The shell exits when its stdin closes: at {@link #close()}, or when this JVM dies. A shell that
     * cannot be started, or that broke, is replaced by one {@code kill(1)} process per signal.
     */
    static final class GroupSignaller implements AutoCloseable {
        /** Guards the shell and its streams: one request at a time. */
        private final Object lock = new Object();
        private Process shell;
        private OutputStream requests;
        private BufferedReader answers;
        private boolean closed;
        private boolean broken;

        /** Signals the group {@code pgid}; returns once the signal was sent. */
        void signal(long pgid, boolean force) {
            if (pgid <= 1) {
                return;
            }
            synchronized (lock) {
                if (!closed && !broken && ensureShell()) {
                    try {
                        requests.write(("kill -" + (force ? 9 : 15) + " -" + pgid + " 2>/dev/null; echo\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        requests.flush();
                        if (answers.readLine() != null) {
                            return;
                        }
                    } catch (IOException e) {
                        // fall through to kill(1)
                    }
                    broken = true;
                    shell.destroyForcibly();
                }
            }
            signalGroup(pgid, force);
        }

        /** Under the lock: the shell, started on first use; false where there is none. */
        private boolean ensureShell() {
            if (shell != null) {
                return true;
            }
            if (SH == null) {
                broken = true;
                return false;
            }
            try {
                shell = new ProcessBuilder(SH).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                requests = shell.getOutputStream();
                answers = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.US_ASCII));
                return true;
            } catch (IOException e) {
                broken = true;
                return false;
            }
        }

        /** Ends the shell (its stdin closed, then waited for; killed if it dawdles). */
        @Override
        public void close() {
            Process p;
            synchronized (lock) {
                closed = true;
                p = shell;
                if (p == null) {
                    return;
                }
                try {
                    requests.close();
                } catch (IOException ignored) {
                    // it is going anyway
                }
            }
            try {
                if (!p.waitFor(1, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
