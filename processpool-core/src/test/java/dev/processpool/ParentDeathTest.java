package dev.processpool;

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
import java.util.List;
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
}
