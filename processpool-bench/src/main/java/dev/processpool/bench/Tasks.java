package dev.processpool.bench;

import dev.processpool.MapFunction;
import dev.processpool.TaskFunction;

/**
 * The task functions the workloads run. Written in static methods so that the lambdas capture nothing but
 * their own arguments; their class travels on the workers' class path.
 */
final class Tasks {

    private Tasks() {
    }

    /** Does nothing and returns null (workloads 1, 2, 4 and 8). */
    static TaskFunction noop() {
        return (args, kwargs) -> null;
    }

    /** Returns its first argument unchanged: a payload there and back (workload 5). */
    static TaskFunction echo() {
        return (args, kwargs) -> args.get(0);
    }

    /** Spins {@code args[0]} iterations of {@link #spin} (workload 6). */
    static TaskFunction busy() {
        return (args, kwargs) -> spin((Long) args.get(0));
    }

    /** Sleeps {@code args[0]} milliseconds (workload 7: overruns its timeout). */
    static TaskFunction sleep() {
        return (args, kwargs) -> {
            Thread.sleep((Long) args.get(0));
            return null;
        };
    }

    /**
     * Prints {@code "start <System.nanoTime()>"} on stdout, then sleeps {@code args[0]} milliseconds (workload
     * 7). On Linux System.nanoTime() is CLOCK_MONOTONIC, one clock for every process, so the parent can tell
     * when the task really started.
     */
    static TaskFunction sleepReportingStart() {
        return (args, kwargs) -> {
            System.out.println("start " + System.nanoTime());
            System.out.flush();
            Thread.sleep((Long) args.get(0));
            return null;
        };
    }

    /** x + 1 (workload 3, the batched map). */
    static MapFunction<Integer, Integer> inc() {
        return x -> x + 1;
    }

    /**
     * A CPU-bound loop with no memory traffic that the JIT cannot remove: a 32-bit linear congruential
     * generator, the same one the Python peers run.
     */
    static long spin(long iterations) {
        long x = 12345;
        for (long i = 0; i < iterations; i++) {
            x = (x * 1103515245L + 12345L) & 0xFFFFFFFFL;
        }
        return x;
    }
}
