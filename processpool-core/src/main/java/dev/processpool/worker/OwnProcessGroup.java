package dev.processpool.worker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Takes down everything a worker's tasks started when the parent is gone. The pool starts each worker under
 * {@code setsid}, so the worker leads a process group that holds every process its tasks started and that
 * did not leave the group itself, also those that double-forked or ran {@code nohup ... &} and were
 * re-parented to init: {@link ProcessHandle#descendants()} no longer sees them, but the group does. Killing
 * the group kills this JVM too, which is what the worker wants at that point anyway.
 */
final class OwnProcessGroup {

    private OwnProcessGroup() {
    }

    /**
     * SIGKILLs this JVM's descendants and, when this JVM leads its process group, the whole group (this JVM
     * included: the call may not return). Never throws.
     *
     * <p>Several of the worker's threads may find the parent gone at once (the channel's end, standard input's
     * end, the parent watcher). Only the first does the killing; the others wait here until it has ended, so
     * that none of them halts the JVM while the group's kill is still being started, and none kills the first
     * one's {@code kill} process as a descendant before it has signalled the group.
     */
    static synchronized void killAll() {
        try {
            // Descendants first: a child that left the group (its own setsid) is still reached while linked.
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (Throwable ignored) {
            // best effort: the group kill below does not depend on it
        }
        long self = ProcessHandle.current().pid();
        if (groupOf(self) != self) {
            return; // not started under setsid: there is no group of our own to kill
        }
        try {
            if (signalGroup(self)) {
                return;
            }
        } catch (Throwable ignored) {
            // fall back to the scan
        }
        // No kill(1) to signal a group with: find the members one by one (twice, for a fork in between).
        for (int round = 0; round < 2; round++) {
            killMembers(self);
        }
    }

    /** {@code kill -KILL -- -pgid}: one kill(2) that reaches every member of the group at once. */
    private static boolean signalGroup(long pgid) throws IOException, InterruptedException {
        for (String kill : List.of("/usr/bin/kill", "/bin/kill")) {
            if (new File(kill).canExecute()) {
                Process p = new ProcessBuilder(kill, "-KILL", "--", "-" + pgid)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                p.getOutputStream().close();
                // kill is a member of the group too: it usually takes this JVM down before this returns
                p.waitFor(2, TimeUnit.SECONDS);
                return true;
            }
        }
        return false;
    }

    private static void killMembers(long pgid) {
        File[] entries = new File("/proc").listFiles();
        if (entries == null) {
            return;
        }
        long self = ProcessHandle.current().pid();
        for (File e : entries) {
            String name = e.getName();
            if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                continue;
            }
            try {
                long pid = Long.parseLong(name);
                if (pid != self && groupOf(pid) == pgid) {
                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                }
            } catch (RuntimeException gone) {
                // exited meanwhile, or not a pid
            }
        }
    }

    /** The process group of a process, from field 5 of {@code /proc/<pid>/stat}; -1 when unknown. */
    static long groupOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.ISO_8859_1);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[2]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
