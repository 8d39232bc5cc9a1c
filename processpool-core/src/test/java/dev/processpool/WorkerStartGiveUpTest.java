package dev.processpool;

import dev.processpool.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A pool whose workers can never start gives up (the contract the CLI relies on, from issue 10): after
 * {@value PoolConfig#START_FAILURES_TO_GIVE_UP} failed launches in a row with no worker ever started, or with
 * the same error, it launches nothing more; every waiting task and every task queued later ends at once with
 * a {@link WorkerStartException} carrying the start error; {@link ProcessPool#startProcessing()} tries again.
 * Launches are counted by a wrapper around {@code java}.
 */
class WorkerStartGiveUpTest {

    private static final Duration AWAIT = Duration.ofSeconds(60);

    /** A java executable that logs each launch, and fails with "broken on purpose" while {@code broken} exists. */
    private static Path wrapper(Path dir) throws IOException {
        Path script = dir.resolve("java-wrapper.sh");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(script, "#!/bin/sh\n"
                + "echo launch >> '" + dir.resolve("launches") + "'\n"
                + "if [ -e '" + dir.resolve("broken") + "' ]; then echo 'broken on purpose' >&2; exit 7; fi\n"
                + "exec '" + java + "' \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private static int launches(Path dir) throws IOException {
        Path log = dir.resolve("launches");
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private static Throwable failureOf(ProcessTask t) {
        Throwable thrown = catchThrowable(() -> t.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(thrown).as("outcome of %s", t).isInstanceOf(ExecutionException.class);
        return thrown.getCause();
    }

    @Test
    void aPoolWhoseWorkersCanNeverStartGivesUpAndEndsEveryTaskAtOnce(@TempDir Path dir) throws Exception {
        PoolConfig cfg = PoolConfig.builder().minSize(2).maxSize(2).maxQueuedRequests(0)
                .javaExecutable(wrapper(dir)).addJvmOptions("-Xfoo").build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            List<ProcessTask> waiting = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                waiting.add(pool.createAndQueueTask(TestTasks.echo(), "w" + i));
            }
            for (ProcessTask t : waiting) {
                assertThat(failureOf(t)).isInstanceOf(WorkerStartException.class)
                        .hasMessageContaining(t.getTaskID()).hasMessageContaining("Unrecognized option: -Xfoo");
            }
            int launched = launches(dir);
            assertThat(launched).isBetween(PoolConfig.START_FAILURES_TO_GIVE_UP, PoolConfig.START_FAILURES_TO_GIVE_UP + 1);
            // given up: later tasks end at once, with the start error, and nothing more is launched
            for (int i = 0; i < 5; i++) {
                ProcessTask later = pool.createAndQueueTask(TestTasks.echo(), "later" + i);
                assertThat(later.isDone()).as("ended within queueTask").isTrue();
                assertThat(failureOf(later)).isInstanceOf(WorkerStartException.class)
                        .hasMessageContaining("Unrecognized option: -Xfoo");
            }
            assertThat(pool.processAllResults(AWAIT)).isTrue();
            assertThat(launches(dir)).as("launches after giving up").isEqualTo(launched);
            assertThat(pool.getNumProcesses()).isZero();
            // startProcessing() tries again (and, the option being still wrong, gives up again)
            pool.startProcessing();
            await().atMost(AWAIT).until(() -> launches(dir) >= launched + PoolConfig.START_FAILURES_TO_GIVE_UP);
            ProcessTask again = pool.createAndQueueTask(TestTasks.echo(), "again");
            assertThat(failureOf(again)).isInstanceOf(WorkerStartException.class);
        }
    }

    @Test
    void aPoolWhoseLaunchesFailWithTheSameErrorGivesUpEvenAfterWorkersHadStartedAndRecoversWhenAsked(
            @TempDir Path dir) throws Exception {
        PoolConfig cfg = PoolConfig.builder().minSize(1).maxSize(1).maxQueuedRequests(0)
                .javaExecutable(wrapper(dir)).build();
        try (ProcessPool pool = new ProcessPool(cfg)) {
            ProcessTask first = pool.createAndQueueTask(TestTasks.workerPid());
            long pid = (Long) first.future().get(AWAIT.toSeconds(), TimeUnit.SECONDS);
            Files.createFile(dir.resolve("broken"));
            int before = launches(dir);
            Workers.signal(pid, "-KILL");
            await().atMost(AWAIT).until(() -> !isRunning(pid));
            ProcessTask waiting = pool.createAndQueueTask(TestTasks.echo(), "waiting");
            assertThat(failureOf(waiting)).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("broken on purpose");
            int launched = launches(dir);
            assertThat(launched - before).isEqualTo(PoolConfig.START_FAILURES_TO_GIVE_UP);
            ProcessTask later = pool.createAndQueueTask(TestTasks.echo(), "later");
            assertThat(failureOf(later)).isInstanceOf(WorkerStartException.class)
                    .hasMessageContaining("broken on purpose");
            assertThat(launches(dir)).as("launches after giving up").isEqualTo(launched);
            // put right outside the pool: startProcessing() makes it try again, and it recovers
            Files.delete(dir.resolve("broken"));
            pool.startProcessing();
            assertThat(pool.createAndQueueTask(TestTasks.echo(), "after").future()).succeedsWithin(AWAIT)
                    .isEqualTo("after");
        }
    }
}
