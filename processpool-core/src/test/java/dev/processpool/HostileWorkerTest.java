package dev.processpool;

import static dev.processpool.testing.Processes.isRunning;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;
import org.apache.commons.collections.functors.InvokerTransformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The parent treats worker output as untrusted. A hostile worker ({@link HostileWorkerMain}) sends a known
 * gadget class, absurdly deep nesting, oversize, truncated, unknown and mis-sequenced frames, random bytes,
 * and breaks the handshake in several ways. For each: the task gets exactly one outcome with a clear message,
 * the gadget's {@code readObject} never runs, nothing hangs, and the same pool runs a later task.
 */
class HostileWorkerTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);
    private static final String HOSTILE_MAIN = "dev.processpool.HostileWorkerMain";

    @TempDir
    Path tmp;

    // ========================================================================================== helpers

    /** The mode file, its log and the gadget's marker for one test. */
    private final class Hostility {
        final Path modes = tmp.resolve("modes");
        final Path log = tmp.resolve("modes.log");
        final Path marker = tmp.resolve("gadget-readObject-ran");

        Hostility(String... lines) throws IOException {
            List<String> l = new ArrayList<>();
            for (String line : lines) {
                l.add(line.replace("MARKER", marker.toString()));
            }
            Files.write(modes, l, StandardCharsets.UTF_8);
        }

        PoolConfig.Builder config() {
            return PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0)
                    .workerMainClass(HOSTILE_MAIN)
                    .environment(HostileWorkerMain.MODE_FILE_ENV, modes.toString());
        }

        /** Lines of the log: "pid launched mode socket" and "pid acted mode". */
        List<String[]> entries() throws IOException {
            if (!Files.exists(log)) {
                return List.of();
            }
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().map(s -> s.split(" "))
                    .collect(Collectors.toList());
        }

        Optional<Long> pidThat(String what, String mode) throws IOException {
            return entries().stream().filter(e -> e[1].equals(what) && e[2].equals(mode))
                    .map(e -> Long.parseLong(e[0])).findFirst();
        }

        long awaitActed(String mode) {
            return await().atMost(AWAIT).until(() -> pidThat("acted", mode), Optional::isPresent).get();
        }

        void assertGadgetNeverRan() {
            assertThat(marker).as("the stand-in gadget's readObject must never run").doesNotExist();
        }
    }

    /** Counts callbacks per kind. */
    private static final class Outcomes {
        final AtomicInteger results = new AtomicInteger();
        final List<TaskException> failures = new CopyOnWriteArrayList<>();

        ProcessTask task(TaskFunction f, Object... args) {
            return ProcessTask.builder(f).args(args)
                    .callback((t, r) -> results.incrementAndGet())
                    .exceptionCallback((t, e) -> failures.add(e))
                    .build();
        }
    }

    private static Throwable failureOf(ProcessTask task) {
        Throwable thrown = catchThrowable(() -> task.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(thrown).as("outcome of %s", task).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    /** Exactly one outcome, delivered once through the exception callback, and nothing more later. */
    private static void assertSingleFailure(ProcessPool pool, Outcomes outcomes, ProcessTask task, Throwable failure) {
        assertThat(pool.processAllResults(AWAIT)).isTrue();
        assertThat(outcomes.results.get()).isZero();
        assertThat(outcomes.failures).singleElement().isSameAs(failure);
        assertThat(task.taskException()).isSameAs(failure);
        assertThat(pool.processResults()).isZero();
    }

    private static void assertStillUsable(ProcessPool pool, long... deadPids) {
        ProcessTask after = pool.createAndQueueTask(TestTasks.echo(), "after");
        assertThat(after.future()).succeedsWithin(AWAIT).isEqualTo("after");
        for (long pid : deadPids) {
            assertThat(after.getWorkerPid()).isNotEqualTo(pid);
        }
    }



    // ============================================================================ the stand-in gadget

    @Test
    void theStandInGadgetWouldBeDetectedIfItsReadObjectRan() throws Exception {
        Path marker = tmp.resolve("control-marker");
        byte[] bytes = JavaSerialization.serialize(new InvokerTransformer(marker.toString()));
        Object back = JavaSerialization.deserialize(bytes, 0, getClass().getClassLoader(), null);
        assertThat(back).isInstanceOf(InvokerTransformer.class);
        assertThat(marker).exists().content().contains("pid " + ProcessHandle.current().pid());
    }

    // ============================================================================= hostile task answers

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "gadget-result   | ResultTransferException    | filter rejected org.apache.commons.collections.functors.InvokerTransformer",
            "gadget-nested   | ResultTransferException    | filter rejected org.apache.commons.collections.functors.InvokerTransformer",
            "deep-nesting    | ResultTransferException    | filter rejected an object (depth 1001,",
            "oversize        | ResultTransferException    | exceeds the limit of 536870912 bytes (maxFrameBytes)",
            "truncated       | ResultTransferException    | truncated frame",
            "unknown-frame   | ResultTransferException    | unknown frame type 77",
            "bad-sequence    | ResultTransferException    | RESULT for task #1000001, which it is not running (it runs #1)",
            "truncated-stall | WorkerUnresponsiveException| sent nothing for",
    })
    void aHostileAnswerFailsOnlyThatTaskClearlyAndThePoolGoesOn(String mode, String expectedType, String inMessage)
            throws Exception {
        Hostility h = new Hostility(mode + " MARKER");
        Outcomes outcomes = new Outcomes();
        PoolConfig config = h.config().heartbeatInterval(Duration.ofMillis(500))
                .unresponsiveTimeout(Duration.ofSeconds(3)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            // a total timeout as a safety net: it must not be what ends the task
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            victim.setTimeOut(Duration.ofSeconds(20));
            long queuedAt = System.nanoTime();
            pool.queueTask(victim);

            Throwable failure = failureOf(victim);
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - queuedAt);
            System.out.println("hostile " + mode + " -> " + failure);
            long hostilePid = h.awaitActed(mode);
            assertThat(failure.getClass().getSimpleName()).as("%s: %s", mode, failure).isEqualTo(expectedType);
            assertThat(failure).hasMessageContaining(victim.getTaskID()).hasMessageContaining(inMessage);
            assertThat(((TaskException) failure).getWorkerPid()).isEqualTo(hostilePid);
            assertThat(victim.getWorkerPid()).isEqualTo(hostilePid);
            assertThat(tookMillis).as("ended long before the 20 s safety timeout").isLessThan(15_000);
            assertSingleFailure(pool, outcomes, victim, failure);
            h.assertGadgetNeverRan();
            if (!mode.startsWith("gadget") && !mode.equals("deep-nesting")) {
                // a worker that broke the protocol is killed
                await().atMost(AWAIT).until(() -> !isRunning(hostilePid));
                assertStillUsable(pool, hostilePid);
            } else {
                assertStillUsable(pool);
            }
            h.assertGadgetNeverRan();
        }
    }

    @Test
    void aGadgetInsideAnExceptionIsNotDeserialisedTheTaskFailsWithTheTextForm() throws Exception {
        Hostility h = new Hostility("gadget-error MARKER");
        Outcomes outcomes = new Outcomes();
        try (ProcessPool pool = new ProcessPool(h.config().build())) {
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            pool.queueTask(victim);
            Throwable failure = failureOf(victim);
            System.out.println("hostile gadget-error -> " + failure);
            assertThat(failure).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo("java.lang.IllegalStateException");
                assertThat(e.getRemoteMessage()).isEqualTo("hostile failure");
                assertThat(e.getCause()).isInstanceOf(RemoteException.class);
            });
            assertSingleFailure(pool, outcomes, victim, failure);
            h.assertGadgetNeverRan();
            assertStillUsable(pool);
            h.assertGadgetNeverRan();
        }
    }

    @Test
    void randomBytesInsteadOfAnAnswerFailTheTaskAndTheWorkerIsReplaced() throws Exception {
        Hostility h = new Hostility("random-bytes 1");
        Outcomes outcomes = new Outcomes();
        try (ProcessPool pool = new ProcessPool(h.config().build())) {
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            victim.setTimeOut(Duration.ofSeconds(20));
            pool.queueTask(victim);
            Throwable failure = failureOf(victim);
            System.out.println("hostile random-bytes -> " + failure);
            long hostilePid = h.awaitActed("random-bytes");
            assertThat(failure).isInstanceOfAny(ResultTransferException.class, WorkerDiedException.class)
                    .hasMessageContaining(victim.getTaskID());
            assertThat(((TaskException) failure).getWorkerPid()).isEqualTo(hostilePid);
            assertSingleFailure(pool, outcomes, victim, failure);
            await().atMost(AWAIT).until(() -> !isRunning(hostilePid));
            assertStillUsable(pool, hostilePid);
        }
    }

    /** A task the worker never reported as started did not run there: it runs on another worker. */
    @Test
    void randomBytesBeforeTheTaskStartedGetTheWorkerKilledAndTheTaskRunsElsewhere() throws Exception {
        Hostility h = new Hostility("random-bytes-before-started 1");
        Outcomes outcomes = new Outcomes();
        try (ProcessPool pool = new ProcessPool(h.config().build())) {
            ProcessTask task = outcomes.task(TestTasks.echo(), "moved");
            pool.queueTask(task);
            assertThat(task.future()).succeedsWithin(AWAIT).isEqualTo("moved");
            long hostilePid = h.awaitActed("random-bytes-before-started");
            assertThat(task.getWorkerPid()).isNotEqualTo(hostilePid);
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(outcomes.results.get()).isEqualTo(1);
            assertThat(outcomes.failures).isEmpty();
            await().atMost(AWAIT).until(() -> !isRunning(hostilePid));
        }
    }

    @Test
    void theFrameSizeLimitIsConfigurableAndAppliesToRealResults() throws Exception {
        Hostility h = new Hostility();
        Outcomes outcomes = new Outcomes();
        try (ProcessPool pool = new ProcessPool(h.config().maxFrameBytes(1 << 20).build())) {
            ProcessTask small = pool.createAndQueueTask(TestTasks.zeroBytes(), 512 << 10);
            assertThat(small.future()).succeedsWithin(AWAIT);
            ProcessTask big = outcomes.task(TestTasks.zeroBytes(), 2 << 20);
            pool.queueTask(big);
            Throwable failure = failureOf(big);
            System.out.println("honest 2 MiB result, 1 MiB limit -> " + failure);
            assertThat(failure).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining(big.getTaskID())
                    .hasMessageContaining("exceeds the limit of 1048576 bytes (maxFrameBytes)");
            assertSingleFailure(pool, outcomes, big, failure);
            long pid = big.getWorkerPid();
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            assertStillUsable(pool, pid);
        }
    }

    /**
     * A few hundred bytes announcing 40 nested arrays of a million elements each: every array length is
     * within the filter's maxarray (maxFrameBytes), but reading them would make the parent allocate 40 x 4 MiB
     * for a frame of 500 bytes. The parent must not allocate far more than the frame's size.
     */
    @Test
    void anArrayBombDoesNotMakeTheParentAllocateFarMoreThanTheFrame() throws Exception {
        Hostility h = new Hostility("array-bomb 1000000");
        Outcomes outcomes = new Outcomes();
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ProcessPool pool = new ProcessPool(h.config().maxFrameBytes(1 << 20).build())) {
            assertThat(pool.awaitReady(AWAIT)).isTrue();
            long pid = pool.getWorkers().get(0).pid();
            // Frames are read by the transports' channel threads (a shared selector and the threads it hands
            // turns to; new ones start on demand): what each allocated from here on counts, in full for a
            // thread started meanwhile.
            Map<Long, Long> before = channelThreadAllocations(threads);
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            pool.queueTask(victim);
            Throwable failure = failureOf(victim);
            long allocated = 0;
            for (Map.Entry<Long, Long> now : channelThreadAllocations(threads).entrySet()) {
                allocated += now.getValue() - before.getOrDefault(now.getKey(), 0L);
            }
            // Java-serialised results are decoded on the pool's decoding threads (fresh ones: what they
            // allocated, they allocated for this result)
            String poolName = pool.toString().substring(0, pool.toString().indexOf('['));
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith(poolName + "-decoder-")) {
                    allocated += threads.getThreadAllocatedBytes(t.getId());
                }
            }
            System.out.println("hostile array-bomb -> " + failure + "; reader allocated " + allocated + " bytes");
            assertThat(failure).isInstanceOf(ResultTransferException.class).hasMessageContaining(victim.getTaskID())
                    .hasMessageContaining("array length 1000000")
                    .hasMessageContaining("arrays announce more elements than the");
            assertThat(h.pidThat("acted", "array-bomb")).contains(pid);
            assertThat(allocated).as("bytes the parent's reader allocated for a ~500-byte frame")
                    .isLessThan(16L << 20);
            assertSingleFailure(pool, outcomes, victim, failure);
            assertStillUsable(pool);
        }
    }

    /** Bytes allocated so far by each live channel thread of any transport, by thread id. */
    private static Map<Long, Long> channelThreadAllocations(com.sun.management.ThreadMXBean threads) {
        Map<Long, Long> bytes = new HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("processpool-transport-") && t.getName().contains("-channels-")) {
                bytes.put(t.getId(), threads.getThreadAllocatedBytes(t.getId()));
            }
        }
        return bytes;
    }

    // ================================================================================ held tasks

    /**
     * Issue 9, item 4: a task held (pipelined) behind one that times out is innocent, whatever the order in
     * which the parent sees the deadline, the held task's STARTED and the kill. Each hostile worker answers
     * its task a little after the parent's deadline for it (0.2 to 3 ms late, one lateness per round) and
     * starts the held task at once; the held task must never end with the worker's death: it runs again
     * elsewhere and succeeds.
     */
    @Test
    void aTaskHeldBehindATaskThatTimesOutIsHandedBackWhateverTheOrderOfItsStartAndTheKill() throws Exception {
        long[] lateMicros = {200, 400, 700, 1000, 1500, 2000, 3000, 5000};
        String[] lines = new String[lateMicros.length + 1];
        java.util.Arrays.fill(lines, "late-answer");
        Hostility h = new Hostility(lines);
        Outcomes outcomes = new Outcomes();
        // A late-answer worker may be left holding a task it never starts (its reader for the held task,
        // readTaskWithin, can take a later frame after giving up waiting); the pool kills it as unresponsive,
        // here after 3 s rather than the default 15 s (this test does not measure that timeout).
        PoolConfig config = h.config().pipelineDepth(8).heartbeatInterval(Duration.ofMillis(500))
                .unresponsiveTimeout(Duration.ofSeconds(3)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            List<String> seen = new ArrayList<>();
            for (int round = 0; round < lateMicros.length; round++) {
                // quick tasks first: the worker's recent tasks are short, so the held task is pipelined to it
                for (int i = 0; i < 3; i++) {
                    assertThat(pool.createAndQueueTask(TestTasks.echo(), "warm").future()).succeedsWithin(AWAIT);
                }
                ProcessTask timed = outcomes.task(TestTasks.echo(), "timed-" + round + "-200-" + lateMicros[round]);
                timed.setTimeOut(Duration.ofMillis(200));
                ProcessTask held = outcomes.task(TestTasks.echo(), "held-" + round);
                pool.queueTask(timed);
                pool.queueTask(held);
                Object heldOutcome = held.future().handle((v, e) -> v != null ? v : e).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
                Object timedOutcome = timed.future().handle((v, e) -> v != null ? v : e).get(AWAIT.toSeconds(), TimeUnit.SECONDS);
                seen.add(lateMicros[round] + " µs late: timed -> " + timedOutcome + "; held -> " + heldOutcome);
            }
            seen.forEach(l -> System.out.println("late-answer " + l));
            for (int round = 0; round < lateMicros.length; round++) {
                assertThat(seen.get(round)).as("round %d", round).contains("held -> held-" + round);
                assertThat(seen.get(round)).as("round %d", round)
                        .containsAnyOf("timed -> timed-" + round, "TaskTimeoutException");
            }
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(outcomes.failures).allMatch(f -> f instanceof TaskTimeoutException);
            assertThat(outcomes.failures).as("the timeouts that fired").isNotEmpty();
        }
    }

    // =============================================================================== broken handshakes

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "wrong-version      | worker speaks protocol version 99, the pool speaks " + Protocol.VERSION,
            "wrong-token        | wrong token",
            "bad-magic          | bad magic 0xdeadbeef",
            "hello-random-bytes | frame length -1726541893 is invalid",
    })
    void aWorkerThatFailsTheHandshakeIsRejectedTheLaunchRetriedAndTasksFailOnlyWhenEveryLaunchFails(
            String mode, String inMessage) throws Exception {
        Hostility h = new Hostility(mode, mode, mode);
        Outcomes outcomes = new Outcomes();
        // minSize 0: launches happen for the task only, so the three hostile launches all serve it
        try (ProcessPool pool = new ProcessPool(h.config().minSize(0).build())) {
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            pool.queueTask(victim);
            Throwable failure = failureOf(victim);
            System.out.println("hostile " + h.entries().get(0)[2] + " -> " + failure);
            assertThat(failure).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining(victim.getTaskID())
                    .hasMessageContaining("no worker could be started")
                    .hasMessageContaining(inMessage);
            assertThat(((TaskException) failure).getWorkerPid()).isEqualTo(-1);
            assertSingleFailure(pool, outcomes, victim, failure);
            List<Long> hostile = h.entries().stream().filter(e -> e[1].equals("launched") && e[2].equals(mode))
                    .map(e -> Long.parseLong(e[0])).collect(Collectors.toList());
            assertThat(hostile).as("three launches, each rejected").hasSize(3);
            await().atMost(AWAIT).until(() -> hostile.stream().noneMatch(dev.processpool.testing.Processes::isRunning));
            assertGaveUpThenRecovers(pool, h, inMessage, hostile);
        }
    }

    @Test
    void aWorkerThatNeverCompletesTheHandshakeIsAbandonedAtTheStartTimeoutWithoutHangingThePool() throws Exception {
        Hostility h = new Hostility("hello-stall", "hello-stall", "hello-stall");
        Outcomes outcomes = new Outcomes();
        PoolConfig config = h.config().minSize(0).workerStartTimeout(Duration.ofSeconds(2)).build();
        try (ProcessPool pool = new ProcessPool(config)) {
            ProcessTask victim = outcomes.task(TestTasks.echo(), "victim");
            pool.queueTask(victim);
            Throwable failure = failureOf(victim);
            System.out.println("hostile " + h.entries().get(0)[2] + " -> " + failure);
            assertThat(failure).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining(victim.getTaskID())
                    .hasMessageContaining("did not complete the handshake within 2000 ms");
            assertSingleFailure(pool, outcomes, victim, failure);
            List<Long> stalled = h.entries().stream().filter(e -> e[1].equals("acted"))
                    .map(e -> Long.parseLong(e[0])).collect(Collectors.toList());
            assertThat(stalled).hasSize(3);
            await().atMost(AWAIT).until(() -> stalled.stream().noneMatch(dev.processpool.testing.Processes::isRunning));
            assertGaveUpThenRecovers(pool, h, "did not complete the handshake within 2000 ms", stalled);
        }
    }

    /**
     * After three failed launches (no worker ever started) the pool has given up: a task queued now ends at
     * once with the same start error, and nothing is launched for it. startProcessing() makes the pool try
     * again; the next launch is honest, and the pool recovers.
     */
    private static void assertGaveUpThenRecovers(ProcessPool pool, Hostility h, String startError, List<Long> failed)
            throws IOException {
        int launches = h.entries().size();
        ProcessTask later = pool.createAndQueueTask(TestTasks.echo(), "later");
        Throwable failure = failureOf(later);
        assertThat(failure).isInstanceOf(WorkerStartException.class).hasMessageContaining(later.getTaskID())
                .hasMessageContaining(startError);
        assertThat(h.entries()).as("nothing launched after giving up").hasSize(launches);
        assertThat(pool.getNumProcesses()).isZero();
        pool.startProcessing();
        assertStillUsable(pool, failed.stream().mapToLong(Long::longValue).toArray());
    }

    // ==================================================================================== the channel

    @Test
    void theChannelIsAUnixSocketInAPrivateDirectoryAndNoTcpPortIsOpened() throws Exception {
        Hostility h = new Hostility();
        Set<Long> listeningBefore = listeningTcpInodes(ProcessHandle.current().pid());
        Path dir;
        try (ProcessPool pool = new ProcessPool(h.config().minSize(2).maxSize(2).build())) {
            assertThat(pool.awaitReady(AWAIT)).isTrue();
            List<String[]> launched = h.entries().stream().filter(e -> e[1].equals("launched"))
                    .collect(Collectors.toList());
            assertThat(launched).hasSize(2);
            Path socket0 = Paths.get(launched.get(0)[3]);
            Path socket1 = Paths.get(launched.get(1)[3]);
            dir = socket0.getParent();
            assertThat(socket1.getParent()).isEqualTo(dir);
            assertThat(socket0).isNotEqualTo(socket1);
            assertThat(dir.getFileName().toString()).startsWith("processpool-");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(Files.getOwner(dir).getName()).isEqualTo(System.getProperty("user.name"));
            // each socket file is deleted once its worker has connected
            assertThat(socket0).doesNotExist();
            assertThat(socket1).doesNotExist();

            assertThat(listeningTcpInodes(ProcessHandle.current().pid())).as("TCP listeners of the test JVM")
                    .isSubsetOf(listeningBefore);
            for (WorkingProcess w : pool.getWorkers()) {
                assertThat(listeningTcpInodes(w.pid())).as("TCP listeners of worker %d", w.pid()).isEmpty();
            }
            ProcessTask task = pool.createAndQueueTask(TestTasks.echo(), "over the private channel");
            assertThat(task.future()).succeedsWithin(AWAIT).isEqualTo("over the private channel");
        }
        assertThat(dir).as("the socket directory is removed with the pool").doesNotExist();
    }

    /** Inodes of TCP sockets in LISTEN state that the process holds open. */
    private static Set<Long> listeningTcpInodes(long pid) throws IOException {
        Set<Long> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path p = Paths.get(table);
            if (!Files.exists(p)) {
                continue;
            }
            List<String> lines = Files.readAllLines(p);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A")) {
                    listening.add(Long.parseLong(f[9]));
                }
            }
        }
        Set<Long> held = new HashSet<>();
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        held.add(Long.parseLong(target.substring(8, target.length() - 1)));
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        held.retainAll(listening);
        return held;
    }
}
