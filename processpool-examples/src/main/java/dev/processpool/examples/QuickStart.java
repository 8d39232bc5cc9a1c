package dev.processpool.examples;

import dev.processpool.ExceptionCallback;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.ResultCallback;
import dev.processpool.TaskException;
import dev.processpool.TaskFunction;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;

import java.io.PrintStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * A small job on a {@link ProcessPool}: counts the primes below 4,000,000 in 16 ranges on two worker JVMs,
 * and queues two tasks that misbehave among them: one sleeps past its 300 ms timeout, one halts its JVM.
 * Both failures arrive through the exception callback; the 16 counting tasks still succeed. Prints one line
 * per task, then the totals, and exits 0 when everything happened as described.
 *
 * <p>Run it with a real class path (the workers get this JVM's {@code java.class.path}), e.g.
 * {@code mvn -B -q package -DskipTests -Dexample=QuickStart} from the repository root.
 */
public final class QuickStart {

    static final int LIMIT = 4_000_000;
    static final int RANGES = 16;
    /** pi(4,000,000): the number of primes below 4,000,000. */
    static final int EXPECTED_PRIMES = 283_146;
    static final Duration SLEEPER_TIMEOUT = Duration.ofMillis(300);

    private QuickStart() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out) ? 0 : 1);
    }

    /** Runs the job, prints the report to {@code out} and says whether everything behaved as expected. */
    static boolean run(PrintStream out) throws Exception {
        long start = System.nanoTime();
        // Filled in by the callbacks, which run in this thread inside processAllResults(), in completion order.
        Map<String, String> report = new LinkedHashMap<>();
        Map<String, TaskException> failures = new LinkedHashMap<>();
        List<RangeCount> counts = new ArrayList<>();

        ResultCallback onResult = (task, result) -> {
            RangeCount c = (RangeCount) result;
            counts.add(c);
            report.put(task.getTaskId(), String.format("ok      [%,9d, %,9d) %,6d primes  worker %d  %d ms",
                    c.from(), c.to(), c.primes(), c.workerPid(), c.millis()));
        };
        ExceptionCallback onFailure = (task, failure) -> {
            failures.put(task.getTaskId(), failure);
            report.put(task.getTaskId(), "FAILED  " + failure.getClass().getSimpleName() + ": " + failure.getMessage());
        };

        PoolConfig config = PoolConfig.builder()
                .minSize(2)
                .maxSize(2)
                .build();                                 // default maxQueuedRequests 10: queueTask blocks when full
        boolean settled;
        boolean clean;
        try (ProcessPool pool = new ProcessPool(config)) {
            int step = LIMIT / RANGES;
            for (int i = 0; i < RANGES; i++) {
                String id = String.format("primes-%02d", i);
                report.put(id, "(no outcome)");
                pool.queueTask(ProcessTask.builder(CountPrimes.class)   // instantiated in the worker with args
                        .taskId(id)
                        .args(i * step, (i + 1) * step)
                        .callback(onResult)
                        .exceptionCallback(onFailure)
                        .build());
                if (i == RANGES / 2 - 1) {
                    report.put("sleeper", "(no outcome)");
                    pool.queueTask(ProcessTask.builder(sleepFor(Duration.ofSeconds(60)))
                            .taskId("sleeper")
                            .timeout(SLEEPER_TIMEOUT)
                            .callback(onResult)
                            .exceptionCallback(onFailure)
                            .build());
                    report.put("crasher", "(no outcome)");
                    pool.queueTask(ProcessTask.builder(haltWorker(1))
                            .taskId("crasher")
                            .callback(onResult)
                            .exceptionCallback(onFailure)
                            .build());
                }
            }
            settled = pool.processAllResults(Duration.ofMinutes(2));   // runs the callbacks in this thread
            clean = pool.shutdown(Duration.ofSeconds(30));
        }
        long wallMillis = (System.nanoTime() - start) / 1_000_000;

        out.printf("QuickStart: primes below %,d in %d tasks on 2 worker JVMs, plus one task that sleeps past%n",
                LIMIT, RANGES);
        out.printf("its %d ms timeout and one that halts its JVM (queued after primes-%02d)%n",
                SLEEPER_TIMEOUT.toMillis(), RANGES / 2 - 1);
        out.println();
        report.forEach((id, line) -> out.printf("  %-10s %s%n", id, line));

        int primes = counts.stream().mapToInt(RangeCount::primes).sum();
        Set<Long> pids = new TreeSet<>();
        counts.forEach(c -> pids.add(c.workerPid()));
        failures.values().forEach(f -> pids.add(f.getWorkerPid()));
        TaskException sleeper = failures.get("sleeper");
        TaskException crasher = failures.get("crasher");
        boolean timedOut = sleeper instanceof TaskTimeoutException;
        boolean died = crasher instanceof WorkerDiedException d && d.getExitCode() == 1;
        boolean ok = settled && clean && counts.size() == RANGES && primes == EXPECTED_PRIMES
                && failures.size() == 2 && timedOut && died;

        out.println();
        out.printf("primes below %,d: %,d from %d/%d tasks (expected %,d)%n",
                LIMIT, primes, counts.size(), RANGES, EXPECTED_PRIMES);
        out.printf("exception callback: sleeper %s, crasher %s%n",
                timedOut ? "timed out" : "NOT timed out", died ? "lost its worker (exit code 1)" : "did NOT lose its worker");
        out.printf("worker processes used: %d; wall time %,d ms (JVM start-ups included)%n", pids.size(), wallMillis);
        out.println(ok ? "OK: every task reported exactly once, the failures did not affect the others"
                : "UNEXPECTED: see above (settled=" + settled + ", clean shutdown=" + clean + ")");
        return ok;
    }

    // ---------------------------------------------------------------------------------------------- tasks

    /**
     * A callable-class task (DIRAC's "class with __call__"): the worker finds the public constructor that
     * fits the task's args, creates the object and calls it. Only its name travels to the worker.
     */
    public static final class CountPrimes implements Callable<RangeCount> {
        private final int from;
        private final int to;

        public CountPrimes(int from, int to) {
            this.from = from;
            this.to = to;
        }

        @Override
        public RangeCount call() {
            long t0 = System.nanoTime();
            int n = countPrimes(from, to);
            return new RangeCount(from, to, n, ProcessHandle.current().pid(), (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** A task's result: must be serialisable, and its class must be on the parent's class path too. */
    public record RangeCount(int from, int to, int primes, long workerPid, long millis) implements Serializable {
    }

    /** A function task that sleeps; a lambda written in a static method captures nothing but its arguments. */
    static TaskFunction sleepFor(Duration d) {
        long millis = d.toMillis();
        return (args, kwargs) -> {
            Thread.sleep(millis);
            return "woke up";
        };
    }

    /** A function task that takes its worker JVM down at once, as a native crash or the OOM killer would. */
    static TaskFunction haltWorker(int status) {
        return (args, kwargs) -> {
            Runtime.getRuntime().halt(status);
            return null;
        };
    }

    /** The primes in {@code [from, to)}, by trial division: plain CPU work, a few tens of ms per range. */
    static int countPrimes(int from, int to) {
        int count = 0;
        for (int n = Math.max(from, 2); n < to; n++) {
            if (isPrime(n)) {
                count++;
            }
        }
        return count;
    }

    static boolean isPrime(int n) {
        if (n < 4) {
            return n >= 2;
        }
        if (n % 2 == 0) {
            return false;
        }
        for (int d = 3; d <= n / d; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
