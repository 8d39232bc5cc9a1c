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
}
