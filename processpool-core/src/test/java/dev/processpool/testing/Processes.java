package dev.processpool.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Optional;

/** Process checks shared by the tests. */
public final class Processes {

    private Processes() {
    }

    /**
     * Whether a process with this pid is running. A zombie (exited, not yet reaped by its new parent after
     * its own parent died) counts as dead, although {@link ProcessHandle#isAlive()} says otherwise.
     */
    public static boolean isRunning(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return h.get().isAlive();
        }
    }

    /**
     * The running processes (zombies excluded) whose process group is one of {@code pgids}, found by reading
     * {@code /proc/<pid>/stat}: re-parented processes included, which {@link ProcessHandle#descendants()} misses.
     */
    public static java.util.List<Long> membersOfGroups(java.util.Set<Long> pgids) {
        java.util.List<Long> members = new java.util.ArrayList<>();
        java.io.File[] entries = new java.io.File("/proc").listFiles();
        if (entries == null) {
            return members;
        }
        for (java.io.File e : entries) {
            String name = e.getName();
            if (!name.chars().allMatch(Character::isDigit)) {
                continue;
            }
            try {
                String stat = Files.readString(Paths.get("/proc", name, "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                char state = f[0].charAt(0);
                if (state != 'Z' && state != 'X' && pgids.contains(Long.parseLong(f[2]))) {
                    members.add(Long.parseLong(name));
                }
            } catch (IOException | RuntimeException gone) {
                // exited meanwhile
            }
        }
        return members;
    }

    /** The command line of a process, or "?" when it cannot be read. */
    public static String commandLine(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?");
    }
}
