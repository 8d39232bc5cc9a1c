package dev.processpool;

import dev.processpool.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Promise 10: workers exit within moments of the parent JVM's death, SIGKILL included. */
class ParentDeathTest {

    /**
     * Whether the process is still running. An orphaned worker that has exited stays a zombie until the
     * machine's init reaps it (on this VM's init that takes up to ~1.5 s), and {@link ProcessHandle#isAlive()}
     * counts zombies as alive; so a zombie counts as exited here: it runs no code and holds no resources.
     */
    private static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        Path stat = Paths.get("/proc", Long.toString(pid), "stat");
        try {
            String s = Files.readString(stat);
            char state = s.substring(s.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return Files.exists(stat) || !Files.isDirectory(Paths.get("/proc/self"));
        }
    }

    private static boolean awaitReaped(long pid) {
        try {
            ProcessHandle.of(pid).ifPresent(h -> h.onExit().join());
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(strings = {"idle", "busy"})
    void workersExitSoonAfterTheOwnerJvmIsKilledWithSigkill(String mode) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Path ownerErr = Files.createTempFile("pool-owner", ".err");
        Process owner = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.processpool.PoolOwnerMain", mode)
                .redirectError(ownerErr.toFile())
                .start();
        owner.getOutputStream().close();
        List<Long> pids = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<List<String>> lines = CompletableFuture.supplyAsync(() -> {
                List<String> got = new ArrayList<>();
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        got.add(line);
                        if (line.equals("READY") || line.startsWith("FAILED")) {
                            break;
                        }
                    }
                } catch (java.io.IOException e) {
                    got.add("IOException " + e);
                }
                return got;
            });
            List<String> got = lines.get(60, TimeUnit.SECONDS);
            assertThat(got).as("owner output (stderr in %s)", ownerErr).endsWith("READY").hasSize(3);
            for (String l : got.subList(0, 2)) {
                pids.add(Long.parseLong(l.trim()));
            }
            for (long pid : pids) {
                ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
                assertThat(h.isAlive()).isTrue();
                // They really are the owner's worker JVMs.
                assertThat(h.parent().map(ProcessHandle::pid)).contains(owner.pid());
                assertThat(h.info().commandLine().orElse("WorkerMain")).contains("WorkerMain");
            }

            long t0 = System.nanoTime();
            owner.destroyForcibly(); // SIGKILL: no shutdown hook runs in the owner
            assertThat(owner.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long ownerDead = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                    .until(() -> pids.stream().noneMatch(ParentDeathTest::running));
            long fromKill = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            long fromDeath = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ownerDead);
            System.out.println("MEASURED " + mode + " workers exited " + fromDeath + " ms after the owner JVM died ("
                    + fromKill + " ms after SIGKILL was sent)");
            assertThat(owner.exitValue()).isEqualTo(137);
            // Reaping the zombies is up to init; report how long that took, without asserting on it.
            long r0 = System.nanoTime();
            boolean reaped = CompletableFuture.supplyAsync(() -> pids.stream().allMatch(ParentDeathTest::awaitReaped))
                    .completeOnTimeout(false, 10, TimeUnit.SECONDS).join();
            System.out.println("zombies reaped by init " + (reaped ? "after a further "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r0) + " ms" : "not within 10 s"));
        } finally {
            owner.destroyForcibly();
            owner.waitFor(10, TimeUnit.SECONDS);
            // Orphaned workers are no longer our descendants: end them by pid if the test failed.
            for (long pid : pids) {
                ProcessHandle.of(pid)
                        .filter(h -> h.info().commandLine().orElse("").contains("WorkerMain")) // not a reused pid
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            Files.deleteIfExists(ownerErr);
        }
    }

    /** A pool owner JVM ({@link PoolOwnerMain}) whose two workers are ready, and their pids. */
    private static final class Owner implements AutoCloseable {
        final Process process;
        final List<Long> workerPids = new ArrayList<>();
        private final Path err;

        Owner(String mode, String... jvmOptions) throws Exception {
            String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            err = Files.createTempFile("pool-owner", ".err");
            List<String> command = new ArrayList<>(List.of(java));
            command.addAll(List.of(jvmOptions));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.processpool.PoolOwnerMain", mode));
            process = new ProcessBuilder(command).redirectError(err.toFile()).start();
            process.getOutputStream().close();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            List<String> got = CompletableFuture.supplyAsync(() -> {
                List<String> lines = new ArrayList<>();
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        lines.add(line);
                        if (line.equals("READY") || line.startsWith("FAILED")) {
                            break;
                        }
                    }
                } catch (java.io.IOException e) {
                    lines.add("IOException " + e);
                }
                return lines;
            }).get(60, TimeUnit.SECONDS);
            assertThat(got).as("owner output (stderr in %s)", err).endsWith("READY").hasSize(3);
            for (String l : got.subList(0, 2)) {
                workerPids.add(Long.parseLong(l.trim()));
            }
        }

        /** SIGKILL: no shutdown hook runs in the owner. */
        long kill() throws Exception {
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return System.nanoTime();
        }

        @Override
        public void close() throws Exception {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            for (long pid : workerPids) {
                ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains("WorkerMain"))
                        .ifPresent(ProcessHandle::destroyForcibly);
            }
            Files.deleteIfExists(err);
        }
    }

    /**
     * Issue 9, item 3: tasks whose children double-forked or used {@code nohup ... &} leave grandchildren that
     * are re-parented to init but stay in the worker's process group. When the owner JVM dies by SIGKILL the
     * workers must take their whole process groups with them (the target is 1 s; asserted with slack for a
     * loaded machine, the measured time is printed).
     */
    @Test
    void grandchildrenThatDoubleForkedDieWithTheirWorkersWhenTheOwnerIsKilled() throws Exception {
        Set<Long> groups = new HashSet<>();
        try (Owner owner = new Owner("grandchildren")) {
            groups.addAll(owner.workerPids);
            for (long pid : owner.workerPids) {
                // each worker leads its own process group (started under setsid)
                String stat = Files.readString(Paths.get("/proc", Long.toString(pid), "stat"));
                assertThat(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]).isEqualTo(Long.toString(pid));
            }
            // per worker: the worker, sh, and three sleeps (two of them re-parented to init)
            await().atMost(Duration.ofSeconds(30)).until(() -> Processes.membersOfGroups(groups).stream()
                    .filter(p -> Processes.commandLine(p).matches("(\\S*/)?sleep 30[0-2]")).count() == 6);
            List<Long> members = Processes.membersOfGroups(groups);
            long reparented = members.stream().filter(p -> !groups.contains(p))
                    .filter(p -> ProcessHandle.of(p).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)
                            .map(pp -> !members.contains(pp)).orElse(true))
                    .count();
            System.out.println("grandchildren re-parented out of their workers' trees before the kill: " + reparented);
            assertThat(reparented).isGreaterThanOrEqualTo(4);

            long dead = owner.kill();
            try {
                await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10))
                        .until(() -> Processes.membersOfGroups(groups).isEmpty());
            } finally {
                List<Long> left = Processes.membersOfGroups(groups);
                System.out.println("MEASURED " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - dead)
                        + " ms after the owner's death, " + left.size() + " process(es) of the workers' groups left: "
                        + left.stream().map(p -> p + " " + Processes.commandLine(p)).toList());
            }
        } finally {
            // re-parented leftovers are not our descendants: end them by pid
            for (long pid : Processes.membersOfGroups(groups)) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    /**
     * Issue 9, item 8: a pool whose owner was SIGKILLed leaves its private socket directory behind; the next
     * pool created on the machine removes the directories of pools whose owner is dead, and no other.
     *
     * <p>The two pools share a temporary directory of this test's own ({@code java.io.tmpdir}, which is where
     * a pool makes its private directory): in {@code /tmp} any other pool on the machine (another test JVM,
     * another user of the machine) could sweep the dead owner's directory before this test has seen it left
     * behind.
     */
    @Test
    void theNextPoolSweepsThePrivateDirectoryOfAPoolWhoseOwnerWasKilled() throws Exception {
        Path base = Files.createTempDirectory(Paths.get("/tmp"), "pp-sweep-");
        String tmpdir = System.getProperty("java.io.tmpdir");
        try {
            System.setProperty("java.io.tmpdir", base.toString());
            theNextPoolSweeps(base);
        } finally {
            System.setProperty("java.io.tmpdir", tmpdir);
            try (var left = Files.walk(base)) {
                left.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void theNextPoolSweeps(Path base) throws Exception {
        Path dir;
        try (Owner owner = new Owner("idle", "-Djava.io.tmpdir=" + base)) {
            List<String> arguments = List.of(ProcessHandle.of(owner.workerPids.get(0)).orElseThrow().info()
                    .arguments().orElseThrow());
            dir = Paths.get(arguments.get(arguments.size() - 1)).getParent();
            assertThat(dir.getFileName().toString()).startsWith("processpool-");
            assertThat(dir.getParent()).as("the owner's private directory is in the test's temporary directory")
                    .isEqualTo(base);
            assertThat(dir).isDirectory();
            owner.kill();
            await().atMost(Duration.ofSeconds(5)).until(() -> owner.workerPids.stream().noneMatch(ParentDeathTest::running));
        }
        assertThat(dir).as("left behind by the killed owner").isDirectory();
        Path mine;
        try (ProcessPool next = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            assertThat(next.awaitReady(Duration.ofSeconds(60))).isTrue();
            List<String> arguments = List.of(ProcessHandle.of(next.getWorkers().get(0).pid()).orElseThrow().info()
                    .arguments().orElseThrow());
            mine = Paths.get(arguments.get(arguments.size() - 1)).getParent();
            assertThat(mine.getParent()).isEqualTo(base);
            assertThat(dir).as("the dead owner's directory, after the next pool started").doesNotExist();
            assertThat(mine).as("the live pool's own directory").isDirectory();
        }
        assertThat(mine).doesNotExist();
    }
}
