package dev.processpool.transport;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.TaskFunction;
import dev.processpool.testing.JarClassPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code PoolConfig.classDataCache}: trained once in the background, then used by later workers, silently. */
class ClassDataCacheTest {

    private static final Duration TRAINING = Duration.ofSeconds(120);
    private static final Path THIS_JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    private static List<String> jars;

    @BeforeAll
    static void packClassPath(@TempDir Path dir) throws IOException {
        jars = JarClassPath.of(dir);
    }

    /** Prints one line and returns the worker's command line. */
    static TaskFunction commandLine() {
        return (args, kwargs) -> {
            System.out.println("task output");
            return ProcessHandle.current().info().commandLine().orElse("");
        };
    }

    private static PoolConfig.Builder config(Path cache, Path java, List<String> classPath, List<String> lines) {
        return PoolConfig.builder().minSize(1).maxSize(1).javaExecutable(java).classPath(classPath)
                .classDataCache(cache)
                .outputListener((pid, taskId, stream, line) -> lines.add(line));
    }

    /** Runs one task in a new pool; returns the worker's command line once its output has arrived. */
    private static String run(PoolConfig cfg, List<String> lines) throws Exception {
        String cmd;
        try (ProcessPool pool = new ProcessPool(cfg)) {
            cmd = (String) pool.createAndQueueTask(commandLine()).future().get(2, TimeUnit.MINUTES);
            await().atMost(Duration.ofSeconds(30)).until(() -> lines.contains("task output"));
        }
        return cmd;
    }

    @Test
    void theTrainerPublishesTheArchiveOnItsOwnWithoutAPool(@TempDir Path cache) throws Exception {
        // What a short program relies on: its pool may be gone long before the archive is ready.
        boolean aot = aot(THIS_JAVA);
        Path archive = cache.resolve(aot ? "worker-x.aot" : "worker-x.jsa");
        Path temp = cache.resolve(aot ? "worker-training-x.aot" : "worker-training-x.jsa");
        Path lock = cache.resolve(archive.getFileName() + ".lock");
        Files.createFile(lock);
        List<String> options = new ArrayList<>(PoolConfig.DEFAULT_JVM_OPTIONS);
        if (aot) {
            options.removeIf(o -> o.startsWith("-Xshare"));
        }
        assertThat(runTrainer(aot, archive, temp, lock, options)).isZero();
        assertThat(archive).isNotEmptyFile();
        assertThat(lock).as("released").doesNotExist();
        assertThat(temp).doesNotExist();
    }

    @Test
    void thePoolsCloseWaitsForItsTrainingSoNothingOutlivesThePool(@TempDir Path cache) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        run(config(cache, THIS_JAVA, jars, lines).build(), lines); // trains after the worker's handshake
        // no await: when the pool's close has returned, the training is over (done, or killed if too slow)
        assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).map(ProcessHandle::info)
                .map(Object::toString)).as("processes left after the pool's close").isEmpty();
        assertThat(files(cache, ".lock")).isEmpty();
        assertThat(files(cache, "")).allMatch(f -> !f.getFileName().toString().startsWith("worker-training-"));
    }

    /** A worker main class whose training never ends (and which starts a JVM of its own, as a trainer does). */
    public static final class EndlessTraining {
        public static void main(String[] args) throws Exception {
            if (dev.processpool.worker.WorkerMain.isTraining(args)) {
                new ProcessBuilder(THIS_JAVA.toString(), "-Xshare:auto", "-cp", System.getProperty("java.class.path"),
                        EndlessTraining.class.getName(), "sleep").inheritIO().start();
            }
            Thread.sleep(600_000);
        }
    }

    @Test
    void aTrainingStillRunningAtTheCloseIsKilledWithWhatItStartedAndItsLockRemoved(@TempDir Path cache)
            throws Exception {
        ClassDataCache c = ClassDataCache.open(cache, THIS_JAVA, jars, PoolConfig.DEFAULT_JVM_OPTIONS,
                EndlessTraining.class.getName());
        assertThat(c).isNotNull();
        c.workerStarted(); // starts the trainer, which starts the endless training JVM, which starts another
        await().atMost(Duration.ofSeconds(60)).until(() -> ProcessHandle.current().descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("sleep")).count() == 1);
        assertThat(files(cache, ".lock")).hasSize(1);

        c.close(Duration.ofMillis(100));

        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessHandle.current().descendants().noneMatch(
                ProcessHandle::isAlive));
        assertThat(files(cache, ".lock")).as("the lock of a killed training goes with it").isEmpty();
        assertThat(files(cache, "")).as("no archive, no temporary file").isEmpty();
    }

    @Test
    void aTrainerWhosePoolsJvmDiesEndsItsTrainingAndRemovesItsLock(@TempDir Path cache) throws Exception {
        // The pool's JVM played by a shell that started the trainer: SIGKILLed, so nobody closes the cache.
        Path archive = cache.resolve("worker-z.jsa");
        Path temp = cache.resolve("worker-training-z.jsa");
        Path lock = Files.createFile(cache.resolve("worker-z.jsa.lock"));
        List<String> trainer = ArchiveTrainer.command(false, THIS_JAVA, archive, temp, lock,
                String.join(java.io.File.pathSeparator, jars), EndlessTraining.class.getName(), "-Xlog:disable",
                List.of("-Xshare:auto"));
        StringBuilder line = new StringBuilder("exec 1>/dev/null 2>&1; ");
        for (String a : trainer) {
            line.append('\'').append(a.replace("'", "'\\''")).append("' ");
        }
        Process shell = new ProcessBuilder("/bin/sh", "-c", line + "& wait").start();
        await().atMost(Duration.ofSeconds(60)).until(() -> shell.descendants()
                .filter(h -> h.info().commandLine().orElse("").contains("sleep")).count() == 1);
        List<ProcessHandle> started = shell.descendants().collect(Collectors.toList());
        assertThat(started).hasSizeGreaterThanOrEqualTo(3); // trainer, training JVM, the JVM that one started

        shell.destroyForcibly();

        await().atMost(Duration.ofSeconds(10)).until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
        assertThat(lock).as("removed: the next pool trains again").doesNotExist();
        assertThat(archive).doesNotExist();
        assertThat(temp).doesNotExist();
    }

    @Test
    void aFailedTrainingKeepsTheLockAndLeavesNoFiles(@TempDir Path cache) throws Exception {
        Path archive = cache.resolve("worker-y.jsa");
        Path temp = cache.resolve("worker-training-y.jsa");
        Path lock = cache.resolve("worker-y.jsa.lock");
        Files.createFile(lock);
        assertThat(runTrainer(false, archive, temp, lock, List.of("-XX:NoSuchOption")))
                .isEqualTo(ArchiveTrainer.Exit.TRAINING_FAILED.code);
        assertThat(archive).doesNotExist();
        assertThat(temp).doesNotExist();
        assertThat(lock).as("kept until stale, so a failing training is not retried at once").exists();
    }

    /** Runs an {@link ArchiveTrainer} on the jar class path to its end; its exit code. */
    private static int runTrainer(boolean aot, Path archive, Path temp, Path lock, List<String> options)
            throws Exception {
        Process trainer = new ProcessBuilder(ArchiveTrainer.command(aot, THIS_JAVA, archive, temp, lock,
                String.join(java.io.File.pathSeparator, jars), dev.processpool.protocol.Protocol.WORKER_MAIN_CLASS,
                "-Xlog:disable", options))
                .redirectErrorStream(true).start();
        String out = new String(trainer.getInputStream().readAllBytes());
        assertThat(trainer.waitFor(3, TimeUnit.MINUTES)).as("trainer done; output: %s", out).isTrue();
        return trainer.exitValue();
    }

    /** Waits until the training (and its checking JVM) is over and the archive is in place. */
    private static Path awaitArchive(Path cache, String suffix) throws IOException {
        await().atMost(TRAINING).until(() -> files(cache, suffix).size() == 1 && files(cache, ".lock").isEmpty()
                && ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive));
        return files(cache, suffix).get(0);
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).collect(Collectors.toList());
        }
    }

    private static boolean aot(Path java) {
        return ClassDataCache.featureVersion(java) >= 25;
    }

    @Test
    void aSecondPoolStartsItsWorkersWithTheArchive(@TempDir Path cache) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        PoolConfig cfg = config(cache, THIS_JAVA, jars, lines).build();
        boolean aot = aot(THIS_JAVA);

        String first = run(cfg, lines);
        assertThat(first).doesNotContain("SharedArchiveFile").doesNotContain("AOTCache");
        Path archive = awaitArchive(cache, aot ? ".aot" : ".jsa");

        String second = run(cfg, lines);
        assertThat(second).contains((aot ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
        assertThat(second).contains(aot ? "-Xlog:aot*=off,cds*=off" : "-Xlog:cds*=off");
        assertThat(lines).containsOnly("task output");

        // Workers killed while starting (their pool closed with no grace as soon as their processes exist)
        // say nothing against the archive.
        try (ProcessPool pool = new ProcessPool(cfg.toBuilder().minSize(4).maxSize(4)
                .terminationGrace(Duration.ZERO).build())) {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                    .until(() -> ProcessHandle.current().descendants().count() >= 4);
        }
        assertThat(archive).exists();
    }

    @Test
    void aRejectedArchivePrintsNothingAndTheWorkersStartWithoutIt(@TempDir Path cache, @TempDir Path copies)
            throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String jar : jars) {
            Path copy = copies.resolve(classPath.size() + "-" + Path.of(jar).getFileName());
            Files.copy(Path.of(jar), copy);
            classPath.add(copy.toString());
        }
        PoolConfig cfg = config(cache, THIS_JAVA, classPath, lines).build();
        run(cfg, lines);
        Path archive = awaitArchive(cache, aot(THIS_JAVA) ? ".aot" : ".jsa");

        // A jar changes: the archive is for another key now. Put it where the new key's archive goes, as if
        // the cache were stale: the JVM checks the jars' times and rejects it (with a warning, unsilenced).
        Path jar = Path.of(classPath.get(0));
        Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(jar).toMillis() - 3_600_000));
        Path stale = ClassDataCache.open(cache, THIS_JAVA, classPath, cfg.getJvmOptions()).archive();
        assertThat(stale).isNotEqualTo(archive);
        Files.copy(archive, stale);
        lines.clear();
        String cmd = run(cfg, lines);
        assertThat(cmd).contains("=" + stale);
        assertThat(lines).containsExactly("task output");

        // Not an archive at all.
        Files.write(stale, "not an archive".repeat(1000).getBytes());
        lines.clear();
        cmd = run(cfg, lines);
        assertThat(cmd).contains("=" + stale);
        assertThat(lines).containsExactly("task output");
    }

    @Test
    void aWorkerThatCrashesOnADamagedArchiveIsReplacedByOneWithout(@TempDir Path cache, @TempDir Path work)
            throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        // the working directory takes the crash report
        PoolConfig cfg = config(cache, THIS_JAVA, jars, lines).workingDirectory(work).build();
        run(cfg, lines);
        Path archive = awaitArchive(cache, aot(THIS_JAVA) ? ".aot" : ".jsa");
        byte[] sound = Files.readAllBytes(archive);
        Files.write(archive, java.util.Arrays.copyOf(sound, Math.min(sound.length, 5000))); // truncated

        lines.clear();
        String cmd = run(cfg, lines); // the task runs, whichever worker it takes
        assertThat(cmd).isNotEmpty();
        assertThat(lines).contains("task output");
        if (!aot(THIS_JAVA)) {
            // JDK 17 dies of SIGBUS mapping it; the pool went on without the archive and deleted it
            assertThat(cmd).doesNotContain("SharedArchiveFile");
            assertThat(archive).doesNotExist();
        }
    }

    @Test
    void aDirectoryOnTheClassPathTurnsTheCacheOff(@TempDir Path cache) throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        List<String> withDirectories = PoolConfig.builder().build().getClassPath();
        assumeTrue(withDirectories.stream().anyMatch(e -> Files.isDirectory(Path.of(e))), "a class directory");
        PoolConfig cfg = config(cache, THIS_JAVA, withDirectories, lines).build();
        assertThat(run(cfg, lines)).doesNotContain("SharedArchiveFile").doesNotContain("AOTCache");
        assertThat(run(cfg, lines)).doesNotContain("SharedArchiveFile").doesNotContain("AOTCache");
        assertThat(files(cache, "")).isEmpty(); // no training either
    }

    @Test
    void aJdk25WorkerGetsAnAotCacheWithoutXshare(@TempDir Path cache) throws Exception {
        Path java25 = Path.of(System.getProperty("processpool.test.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"),
                "bin", "java");
        assumeTrue(Files.isExecutable(java25) && aot(java25), "a JDK 25 at " + java25);
        List<String> lines = new CopyOnWriteArrayList<>();
        PoolConfig cfg = config(cache, java25, jars, lines).build();
        assertThat(cfg.getJvmOptions()).contains("-Xshare:auto");
        run(cfg, lines);
        Path archive = awaitArchive(cache, ".aot");

        String cmd = run(cfg, lines);
        assertThat(cmd).contains("-XX:AOTCache=" + archive).doesNotContain("-Xshare");
        assertThat(lines).containsOnly("task output");
    }

    @Test
    void theCacheMustBeADirectory(@TempDir Path dir) throws IOException {
        Path file = Files.createFile(dir.resolve("a-file"));
        assertThatThrownBy(() -> PoolConfig.builder().classDataCache(file).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("classDataCache");
        assertThat(PoolConfig.builder().build().getClassDataCache()).isNull();
        assertThat(PoolConfig.builder().classDataCache(dir.resolve("new")).build().getClassDataCache())
                .isEqualTo(dir.resolve("new"));
    }
}
