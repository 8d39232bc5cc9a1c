package dev.processpool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Issue 12, item 5: the culprit's evidence. A worker JVM that crashes writes its fatal error report into the
 * pool's private directory, and the task's {@link WorkerDiedException} names it with its first lines; with
 * {@code heapDumpOnOutOfMemory}, a worker that runs out of heap writes a heap dump and the outcome names it.
 */
class CrashEvidenceTest {

    private static final long AWAIT_SECONDS = 60;

    @Test
    void aJvmCrashNamesItsErrorReportAndItsFirstLines() throws Exception {
        Path report = null;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .addJvmOptions("-XX:-CreateCoredumpOnCrash").build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.segfault()).build();
            pool.queueTask(task);
            Throwable outcome = catchThrowable(() -> task.future().get(AWAIT_SECONDS, TimeUnit.SECONDS));
            assertThat(outcome).isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerDiedException.class);
            WorkerDiedException died = (WorkerDiedException) outcome.getCause();
            System.out.println("OBSERVED " + died.getMessage());
            assertThat(died.getCrashReport()).isPresent();
            report = died.getCrashReport().get();
            assertThat(report.getFileName().toString()).isEqualTo("hs_err_pid" + died.getWorkerPid() + ".log");
            assertThat(report.getParent().getFileName().toString()).as("the pool's private directory")
                    .startsWith("processpool-" + ProcessHandle.current().pid() + "-");
            assertThat(report).isRegularFile();
            assertThat(died.getCrashReportHead()).anyMatch(l -> l.startsWith("SIGSEGV"))
                    .anyMatch(l -> l.contains("Problematic frame") || l.startsWith("JRE version"))
                    .noneMatch(l -> l.startsWith("#") || l.isBlank())
                    .hasSizeLessThanOrEqualTo(8);
            assertThat(died.getMessage()).contains("JVM crash report " + report).contains("SIGSEGV");
            assertThat(died.getHeapDump()).isEmpty();
        } finally {
            if (report != null) {
                assertThat(report).as("kept after the pool closed").isRegularFile();
                Files.delete(report);
                Files.delete(report.getParent()); // the pool's directory held only the report by then
            }
        }
    }

    @Test
    void aWorkerThatRunsOutOfHeapWritesAHeapDumpThatTheOutcomeNames(@TempDir Path dumps) throws Exception {
        Path dir = dumps.resolve("created-by-the-pool");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .addJvmOptions("-Xmx24m").heapDumpOnOutOfMemory(dir).build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.allocateUntilOutOfMemory()).timeout(Duration.ofSeconds(60)).build();
            pool.queueTask(task);
            Throwable outcome = catchThrowable(() -> task.future().get(AWAIT_SECONDS, TimeUnit.SECONDS));
            assertThat(outcome).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TaskExecutionException.class);
            TaskExecutionException failed = (TaskExecutionException) outcome.getCause();
            System.out.println("OBSERVED " + failed.getMessage());
            Path dump = dir.resolve("java_pid" + failed.getWorkerPid() + ".hprof");
            assertThat(failed.getRemoteType()).isEqualTo(OutOfMemoryError.class.getName());
            assertThat(failed.getRemoteMessage()).contains("heap dump: " + dump);
            assertThat(failed.getMessage()).contains(dump.toString());
            assertThat(dump).isRegularFile();
            assertThat(Files.size(dump)).isPositive();
            // the worker that ran out of heap is replaced; the next one works
            assertThat(pool.createAndQueueTask(TestTasks.echo(), "after").future().get(AWAIT_SECONDS, TimeUnit.SECONDS))
                    .isEqualTo("after");
        }
    }

    /**
     * The other way a worker ends at its first {@link OutOfMemoryError}: it dies of it (here the user's
     * {@code -XX:+ExitOnOutOfMemoryError}; also a heap too full to send an answer), so the task cannot say so;
     * its {@link WorkerDiedException} names the dump the JVM wrote before it went.
     */
    @Test
    void aWorkerThatDiesOfItsOutOfMemoryErrorNamesItsHeapDumpOnTheWorkerDiedException(@TempDir Path dumps)
            throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1)
                .addJvmOptions("-Xmx24m", "-XX:+ExitOnOutOfMemoryError").heapDumpOnOutOfMemory(dumps).build())) {
            ProcessTask task = ProcessTask.builder(TestTasks.allocateUntilOutOfMemory()).timeout(Duration.ofSeconds(60)).build();
            pool.queueTask(task);
            Throwable outcome = catchThrowable(() -> task.future().get(AWAIT_SECONDS, TimeUnit.SECONDS));
            assertThat(outcome).isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerDiedException.class);
            WorkerDiedException died = (WorkerDiedException) outcome.getCause();
            System.out.println("OBSERVED " + died.getMessage());
            Path dump = dumps.resolve("java_pid" + died.getWorkerPid() + ".hprof");
            assertThat(died.getHeapDump()).hasValue(dump);
            assertThat(dump).isRegularFile();
            assertThat(died.getMessage()).contains("heap dump " + dump);
            assertThat(died.getCrashReport()).as("an exit, not a crash").isEmpty();
        }
    }

    @Test
    void heapDumpOnOutOfMemoryMustBeADirectory(@TempDir Path dir) throws Exception {
        Path file = Files.createFile(dir.resolve("a-file"));
        assertThat(catchThrowable(() -> PoolConfig.builder().heapDumpOnOutOfMemory(file).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("heapDumpOnOutOfMemory")
                .hasMessageContaining(file.toString());
        assertThat(catchThrowable(() -> PoolConfig.builder().workerPidsLimit(5).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("workerPidsLimit");
    }
}
