package dev.processpool.bench;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One busy loop per core at the lowest scheduling class ({@code chrt --idle 0 sh -c 'while :; do :; done'}):
 * it runs only when no other thread wants the core, so it takes next to nothing from the measured processes,
 * but it keeps the (virtual) CPUs from going idle, so a thread that is woken up finds its CPU awake. Ended
 * (by pid) on close.
 */
final class Spinners implements AutoCloseable {

    private static final String CHRT = "/usr/bin/chrt";
    private final List<Process> loops = new ArrayList<>();

    private Spinners() {
    }

    static boolean available() {
        return new File(CHRT).canExecute() && new File("/bin/sh").canExecute();
    }

    static Spinners start() throws Exception {
        Spinners s = new Spinners();
        try {
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                s.loops.add(new ProcessBuilder(CHRT, "--idle", "0", "/bin/sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    @Override
    public void close() throws InterruptedException {
        for (Process p : loops) {
            p.destroyForcibly();
        }
        for (Process p : loops) {
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
