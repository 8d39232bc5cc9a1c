package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The chaos run: many tasks on a pool of 2 to 4 workers, about 10 % of them with a fault drawn from the fault
 * matrix. Invariants: outcomes == submissions, no task has two outcomes (callbacks and futures are counted),
 * every outcome is of the kind its fault calls for; afterwards no worker process is left and the parent's
 * thread count, open file descriptors and heap are back to their baseline.
 *
 * <p>System properties: {@code processpool.chaos.tasks} (default {@value #DEFAULT_TASKS}),
 * {@code processpool.chaos.seed} (default: random, printed), {@code processpool.chaos.faultRate} (default 0.10).
 */
class ChaosTest {

    static final int DEFAULT_TASKS = 5000;
    private static final Duration TASK_TIMEOUT = Duration.ofMillis(300);

    /** The faults, with their weights (relative frequency among faulty tasks). */
    enum Fault {
        NONE(0), THROW(12), STACK_OVERFLOW(6), UNSERIALIZABLE_RESULT(8), UNSERIALIZABLE_EXCEPTION(6),
        MISSING_EXCEPTION_CLASS(5), MISSING_RESULT_CLASS(5), GARBAGE_OUTPUT(8), CALLBACK_THROWS(10),
        CALLBACK_REENTRANT(10), BUSY_LOOP_TIMEOUT(4), STUBBORN_TIMEOUT(3), EXIT(4), HALT(4), SIGKILL(4),
        SEGFAULT(3), OUT_OF_MEMORY(3), SIGSTOP(1), CHILD_THEN_HALT(3);

        final int weight;

        Fault(int weight) {
            this.weight = weight;
        }

        static Fault draw(Random random, double faultRate) {
            if (random.nextDouble() >= faultRate) {
                return NONE;
            }
            int total = 0;
            for (Fault f : values()) {
                total += f.weight;
            }
            int r = random.nextInt(total);
            for (Fault f : values()) {
                r -= f.weight;
                if (r < 0) {
                    return f;
                }
            }
            throw new AssertionError();
        }
    }

    /** What one task was and what became of it. */
    private static final class Record {
        final Fault fault;
        final String value;
        final AtomicInteger callbacks = new AtomicInteger();
        final AtomicInteger futures = new AtomicInteger();
        volatile Object result;
        volatile TaskException failure;

        Record(Fault fault, String value) {
            this.fault = fault;
            this.value = value;
        }
    }

    private final Map<String, Record> records = new ConcurrentHashMap<>();
    private final AtomicInteger submissions = new AtomicInteger();
    private final AtomicInteger followUps = new AtomicInteger();
    private final AtomicLong outputLines = new AtomicLong();
    private final List<Throwable> callbackProblems = new CopyOnWriteArrayList<>();
    private final List<Path> childPidFiles = new CopyOnWriteArrayList<>();
    private Path dir;
    private ProcessPool pool;

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES) // the default run takes about 2 minutes; a long run takes longer
    void thousandsOfTasksWithRandomFaultsKeepEveryInvariant(@TempDir Path tmp) throws Exception {
        this.dir = tmp;
        int tasks = Integer.getInteger("processpool.chaos.tasks", DEFAULT_TASKS);
        long seed = Long.getLong("processpool.chaos.seed", new Random().nextLong());
        double faultRate = Double.parseDouble(System.getProperty("processpool.chaos.faultRate", "0.10"));
        System.out.printf("ChaosTest: %d tasks, fault rate %.2f, seed %d (-Dprocesspool.chaos.seed=%d)%n",
                tasks, faultRate, seed, seed);
        Path workerOnly = Workers.compileWorkerOnlyClasses(tmp.resolve("wonly"));
        List<String> cp = new ArrayList<>(Workers.thisClassPath());
        cp.add(workerOnly.toString());

        warmUp(cp);
        Baseline before = Baseline.measure();
        System.out.println("ChaosTest baseline: " + before);

        Random random = new Random(seed);
        long start = System.nanoTime();
        PoolConfig config = PoolConfig.builder().minSize(2).maxSize(4).maxQueuedRequests(64)
                .idleTimeout(Duration.ofSeconds(5))
                .terminationGrace(Duration.ofMillis(500))
                .heartbeatInterval(Duration.ofMillis(250)).unresponsiveTimeout(Duration.ofSeconds(3))
                .classPath(cp)
                .addJvmOptions("-Xmx64m", "-XX:TieredStopAtLevel=1")
                .addJvmOptions(Workers.crashOptions(tmp))
                .outputListener((pid, taskId, stream, line) -> outputLines.incrementAndGet())
                .build();
        Map<Fault, AtomicInteger> drawn = new EnumMap<>(Fault.class);
        long produced;
        pool = new ProcessPool(config);
        try {
            pool.daemonize();
            for (int i = 0; i < tasks; i++) {
                Fault f = Fault.draw(random, faultRate);
                drawn.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
                submit(i, f);
            }
            produced = System.nanoTime() - start;
            await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(100)).until(() ->
                    records.values().stream().allMatch(r -> r.callbacks.get() > 0 && r.futures.get() > 0));
            assertThat(pool.processAllResults(Duration.ofMinutes(1))).isTrue();
            // the getters agree with the processes that really exist once the pool is quiet
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                List<WorkingProcess> ws = pool.getWorkers();
                return ws.size() >= 2 && ws.size() <= 4 && ws.stream().allMatch(w -> w.state() == WorkerState.IDLE)
                        && pool.getNumProcesses() == ws.size() && pool.getNumIdleProcesses() == ws.size()
                        && pool.getNumWorkingProcesses() == 0 && pool.getNumPendingTasks() == 0 && !pool.isWorking()
                        && Workers.workerPids().equals(ws.stream().map(WorkingProcess::pid).collect(Collectors.toSet()));
            });
            assertThat(pool.shutdown(Duration.ofMinutes(1))).as("clean shutdown").isTrue();
        } finally {
            pool.shutdown(Duration.ofSeconds(10));
        }
        long finished = System.nanoTime() - start;

        // ------------------------------------------------------------------------------ invariants
        Map<String, Integer> outcomeKinds = new java.util.TreeMap<>();
        List<String> wrong = new ArrayList<>();
        int multiple = 0;
        for (Map.Entry<String, Record> e : records.entrySet()) {
            Record r = e.getValue();
            if (r.callbacks.get() != 1 || r.futures.get() != 1) {
                multiple++;
                wrong.add(e.getKey() + " " + r.fault + ": " + r.callbacks.get() + " callbacks, " + r.futures.get()
                        + " future completions");
            }
            String problem = check(r);
            if (problem != null) {
                wrong.add(e.getKey() + " " + r.fault + ": " + problem);
            }
            outcomeKinds.merge(r.fault + " -> " + (r.failure == null ? "result" : r.failure.getClass().getSimpleName()),
                    1, Integer::sum);
        }
        System.out.printf("ChaosTest: %d submissions (%d follow-ups queued by callbacks), %d outcomes, "
                        + "queued in %d ms, all done in %d ms, %d worker output lines%n",
                submissions.get(), followUps.get(), records.size(), TimeUnit.NANOSECONDS.toMillis(produced),
                TimeUnit.NANOSECONDS.toMillis(finished), outputLines.get());
        System.out.println("ChaosTest faults drawn: " + drawn);
        outcomeKinds.forEach((k, v) -> System.out.println("ChaosTest   " + k + ": " + v));

        assertThat(records).hasSize(submissions.get());
        assertThat(multiple).as("tasks without exactly one outcome").isZero();
        assertThat(wrong).as("outcomes of the wrong kind (seed %d)", seed).isEmpty();
        assertThat(callbackProblems).as("problems seen in callbacks").isEmpty();

        // ----------------------------------------------------------------------- nothing left behind
        assertThat(pool.isTerminated()).isTrue();
        assertThat(pool.getNumProcesses()).isZero();
        assertThat(Workers.workerPids()).isEmpty();
        for (Path p : childPidFiles) {
            Workers.readPid(p).ifPresent(pid -> assertThat(isRunning(pid)).as("child %d of a dead worker", pid).isFalse());
        }
        records.clear();
        childPidFiles.clear();
        pool = null;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> Baseline.measure().assertBackTo(before));
        System.out.println("ChaosTest after: " + Baseline.measure());
    }

    /** Creates, records and queues task number i with fault f. */
    private void submit(int i, Fault f) {
        String id = "chaos-" + i;
        String value = "v" + i;
        ProcessTask.Builder b;
        switch (f) {
            case NONE:
            case CALLBACK_THROWS:
            case CALLBACK_REENTRANT:
                b = ProcessTask.builder(TestTasks.echo()).args(value);
                break;
            case THROW:
                b = ProcessTask.builder(TestTasks.thrower()).args(value);
                break;
            case STACK_OVERFLOW:
                b = ProcessTask.builder(TestTasks.recurseForever());
                break;
            case UNSERIALIZABLE_RESULT:
                b = ProcessTask.builder(TestTasks.unserializableResult());
                break;
            case UNSERIALIZABLE_EXCEPTION:
                b = ProcessTask.builder(TestTasks.throwUnserializable()).args(value);
                break;
            case MISSING_EXCEPTION_CLASS:
                b = ProcessTask.builderForClassName("wonlyf.ThrowWorkerOnly").args(value);
                break;
            case MISSING_RESULT_CLASS:
                b = ProcessTask.builderForClassName("wonlyf.ReturnWorkerOnly").args(value);
                break;
            case GARBAGE_OUTPUT:
                b = ProcessTask.builder(TestTasks.garbageToStdoutAndStderr()).args(16 << 10, (long) i, value);
                break;
            case BUSY_LOOP_TIMEOUT:
                b = ProcessTask.builder(TestTasks.busyLoopForever()).timeout(TASK_TIMEOUT);
                break;
            case STUBBORN_TIMEOUT:
                b = ProcessTask.builder(TestTasks.stubborn()).timeout(TASK_TIMEOUT);
                break;
            case EXIT:
                b = ProcessTask.builder(TestTasks.die()).args("exit", 40);
                break;
            case HALT:
                b = ProcessTask.builder(TestTasks.die()).args("halt", 41);
                break;
            case SIGKILL:
                b = ProcessTask.builder(TestTasks.die()).args("sigkill", 0);
                break;
            case SEGFAULT:
                b = ProcessTask.builder(TestTasks.segfault());
                break;
            case OUT_OF_MEMORY:
                b = ProcessTask.builder(TestTasks.allocateUntilOutOfMemory());
                break;
            case SIGSTOP:
                b = ProcessTask.builder(TestTasks.sigstopSelf());
                break;
            case CHILD_THEN_HALT: {
                Path pidFile = dir.resolve("child-" + i + ".pid");
                childPidFiles.add(pidFile);
                b = ProcessTask.builder(TestTasks.spawnChildThenDie()).args(pidFile.toString(), "halt");
                break;
            }
            default:
                throw new AssertionError(f);
        }
        queue(id, f, value, b);
    }

    private void queue(String id, Fault f, String value, ProcessTask.Builder b) {
        Record r = new Record(f, value);
        records.put(id, r);
        ProcessTask task = b.taskId(id).callback((t, result) -> {
            r.result = result;
            r.callbacks.incrementAndGet();
            if (f == Fault.CALLBACK_THROWS) {
                throw new IllegalStateException("a callback that throws (" + t.getTaskID() + ")");
            }
            if (f == Fault.CALLBACK_REENTRANT) {
                reenter(t);
            }
        }).exceptionCallback((t, failure) -> {
            r.failure = failure;
            r.callbacks.incrementAndGet();
        }).build();
        task.future().whenComplete((v, e) -> r.futures.incrementAndGet());
        assertThat(pool.queueTask(task)).isTrue();
        submissions.incrementAndGet();
    }

    /** A callback that calls back into the pool: reads every getter and queues a follow-up task. */
    private void reenter(ProcessTask t) {
        try {
            int processes = pool.getNumProcesses();
            int working = pool.getNumWorkingProcesses();
            int idle = pool.getNumIdleProcesses();
            assertThat(processes).isBetween(0, pool.getMaxSize());
            assertThat(working + idle).isBetween(0, processes);
            // tasks held by a worker that died before starting them go back to the queue, over its bound
            assertThat(pool.getNumPendingTasks()).isBetween(0, 64 + pool.getMaxSize() * pool.getConfig().getPipelineDepth());
            assertThat(pool.getFreeSlots()).isBetween(0, pool.getMaxSize());
            assertThat(pool.getWorkers().size()).isBetween(0, pool.getMaxSize());
            pool.isFull();
            pool.isWorking();
            pool.hasPendingTasks();
            pool.toString();
            String id = t.getTaskID() + "-followup";
            queue(id, Fault.NONE, "f-" + t.getTaskID(),
                    ProcessTask.builder(TestTasks.echo()).args("f-" + t.getTaskID()));
            followUps.incrementAndGet();
        } catch (Throwable e) {
            callbackProblems.add(e);
        }
    }

    /** Null if the outcome fits the fault, else what is wrong. */
    private static String check(Record r) {
        Object res = r.result;
        TaskException f = r.failure;
        switch (r.fault) {
            case NONE:
            case CALLBACK_THROWS:
            case CALLBACK_REENTRANT:
            case GARBAGE_OUTPUT:
                return f == null && r.value.equals(res) ? null : "expected result " + r.value + ", got " + describe(r);
            case THROW:
                return f instanceof TaskExecutionException e && e.getRemoteType().equals(IllegalStateException.class.getName())
                        && r.value.equals(e.getRemoteMessage()) ? null : "expected IllegalStateException, got " + describe(r);
            case STACK_OVERFLOW:
                return f instanceof TaskExecutionException e && e.getRemoteType().equals(StackOverflowError.class.getName())
                        ? null : "expected StackOverflowError, got " + describe(r);
            case UNSERIALIZABLE_RESULT:
            case MISSING_RESULT_CLASS:
                return f instanceof ResultTransferException ? null : "expected ResultTransferException, got " + describe(r);
            case UNSERIALIZABLE_EXCEPTION:
            case MISSING_EXCEPTION_CLASS:
                return f instanceof TaskExecutionException && f.getCause() instanceof RemoteException ? null
                        : "expected TaskExecutionException with a RemoteException, got " + describe(r);
            case BUSY_LOOP_TIMEOUT:
            case STUBBORN_TIMEOUT:
                return f instanceof TaskTimeoutException ? null : "expected TaskTimeoutException, got " + describe(r);
            case EXIT:
                return f instanceof WorkerDiedException d && d.getExitCode() == 40 ? null : "expected exit 40, got " + describe(r);
            case HALT:
                return f instanceof WorkerDiedException d && d.getExitCode() == 41 ? null : "expected exit 41, got " + describe(r);
            case SIGKILL:
                return f instanceof WorkerDiedException d && d.getExitCode() == 137 ? null : "expected SIGKILL, got " + describe(r);
            case SEGFAULT:
                return f instanceof WorkerDiedException d && (d.getExitCode() == 1 || d.getExitCode() == 134) ? null
                        : "expected a crashed worker, got " + describe(r);
            case OUT_OF_MEMORY:
                return f instanceof TaskExecutionException e && e.getRemoteType().equals(OutOfMemoryError.class.getName())
                        || f instanceof WorkerDiedException ? null : "expected OutOfMemoryError, got " + describe(r);
            case SIGSTOP:
                return f instanceof WorkerUnresponsiveException ? null : "expected WorkerUnresponsiveException, got " + describe(r);
            case CHILD_THEN_HALT:
                return f instanceof WorkerDiedException d && d.getExitCode() == 17 ? null : "expected exit 17, got " + describe(r);
            default:
                return "unknown fault";
        }
    }

    private static String describe(Record r) {
        return r.failure != null ? r.failure.toString() : "result " + r.result;
    }

    /** Runs a small pool once, so that the JDK's lazily created threads exist before the baseline. */
    private static void warmUp(List<String> cp) {
        try (ProcessPool warm = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).classPath(cp)
                .heartbeatInterval(Duration.ofMillis(250)).build())) {
            warm.daemonize();
            ProcessTask t = ProcessTask.builder(TestTasks.echo()).args("warm").timeout(Duration.ofSeconds(30)).build();
            warm.queueTask(t);
            assertThat(t.future()).succeedsWithin(Duration.ofSeconds(60)).isEqualTo("warm");
        }
    }

    /** The parent's resources that must come back after the pool has gone. */
    private record Baseline(int threads, List<String> threadNames, int fds, long heap) {
        /** JDK-wide threads that outlive any pool by design (cached pools with keep-alive, singletons). */
        private static boolean jdkCached(String name) {
            return name.startsWith("process reaper") || name.startsWith("ForkJoinPool.commonPool")
                    || name.startsWith("CompletableFutureDelayScheduler") || name.startsWith("Attach Listener")
                    || name.startsWith("awaitility"); // the thread that evaluates the condition
        }

        static Baseline measure() {
            List<String> names = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                    .map(Thread::getName).filter(n -> !jdkCached(n)).sorted().collect(Collectors.toList());
            return new Baseline(names.size(), names, Workers.openFds(), Workers.usedHeapAfterGc());
        }

        void assertBackTo(Baseline before) {
            assertThat(threadNames).as("pool threads left").noneMatch(n -> n.startsWith("processpool"));
            assertThat(threads).as("threads: %s, before: %s", threadNames, before.threadNames)
                    .isLessThanOrEqualTo(before.threads + 1);
            assertThat(fds).as("open file descriptors").isLessThanOrEqualTo(before.fds + 2);
            assertThat(heap).as("used heap after GC").isLessThanOrEqualTo(before.heap + (32L << 20));
        }

        @Override
        public String toString() {
            return threads + " threads, " + fds + " fds, " + (heap >> 20) + " MiB heap";
        }
    }
}
