package dev.processpool.bench;

import dev.processpool.ProcessPool;
import dev.processpool.WorkingProcess;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time spent by this JVM and by a pool's workers between {@link #start} and {@link #stop}: where a
 * workload's time goes when it is CPU-bound. Worker CPU comes from /proc/PID/stat (10 ms ticks), so it is
 * meant for runs of a second or more; workers that die in between are not counted.
 */
final class CpuMeter {

    private static final double TICK_SECONDS = 0.01;  // USER_HZ is 100 on Linux

    private final ProcessPool pool;
    private long parentStart;
    private final Map<Long, Long> workerStart = new HashMap<>();
    double parentSeconds;
    double workerSeconds;

    CpuMeter(ProcessPool pool) {
        this.pool = pool;
    }

    CpuMeter start() {
        parentStart = parentCpuNanos();
        workerStart.clear();
        for (WorkingProcess w : pool.getWorkers()) {
            workerStart.put(w.pid(), ticks(w.pid()));
        }
        return this;
    }

    CpuMeter stop() {
        parentSeconds += (parentCpuNanos() - parentStart) / 1e9;
        for (WorkingProcess w : pool.getWorkers()) {
            Long t0 = workerStart.get(w.pid());
            long t1 = ticks(w.pid());
            if (t0 != null && t0 >= 0 && t1 >= 0) {
                workerSeconds += (t1 - t0) * TICK_SECONDS;
            }
        }
        return this;
    }

    /** "parent X µs + workers Y µs of CPU per task". */
    String perTask(long tasks, String what) {
        return String.format(java.util.Locale.ROOT, "CPU per %s: parent %.1f µs + workers %.1f µs", what,
                parentSeconds / tasks * 1e6, workerSeconds / tasks * 1e6);
    }

    Map<String, Object> json(long tasks) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("tasks", tasks);
        m.put("parent_cpu_s", parentSeconds);
        m.put("workers_cpu_s", workerSeconds);
        m.put("parent_cpu_us_per_task", parentSeconds / tasks * 1e6);
        m.put("workers_cpu_us_per_task", workerSeconds / tasks * 1e6);
        return m;
    }

    static long parentCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        return 0;
    }

    private static long ticks(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
