package dev.processpool.transport;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.WorkingProcess;
import dev.processpool.internal.Tuning;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Workers yield the cores to the pool's own threads when asked: at {@code workerNice(10)} the JVM and its
 * session's autogroup run at nice 10; by default ({@value Tuning#DEFAULT_WORKER_NICE}) they run at the pool's
 * priority, and the pool's own priority never changes. Skipped where there is no {@code /proc} or no
 * {@code nice} command.
 */
class WorkerNiceTest {

    @Test
    void atNiceTenAWorkerAndItsAutogroupRunAtNiceTenAndThePoolsOwnPriorityIsUntouched() throws Exception {
        assumeThat(ProcessTrees.nice()).as("a nice command is installed").isNotNull();
        assumeThat(Files.isReadable(Paths.get("/proc/self/stat"))).isTrue();
        int ownNice = nice(ProcessHandle.current().pid());
        String ownGroup = Files.exists(Paths.get("/proc/self/autogroup")) ? read("/proc/self/autogroup") : null;
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).workerNice(10).build())) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            WorkingProcess w = awaitIdleWorkers(pool, 1).get(0);
            assertThat(nice(w.pid())).isEqualTo(10);
            if (Autogroups.on() && ProcessTrees.setsid() != null && Autogroups.writesUnlimited()) {
                assertThat(read("/proc/" + w.pid() + "/autogroup")).endsWith("nice 10");
            }
            assertThat(nice(ProcessHandle.current().pid())).isEqualTo(ownNice);
            if (ownGroup != null) {
                assertThat(read("/proc/self/autogroup")).isEqualTo(ownGroup);
            }
        }
    }

    @Test
    void byDefaultTheWorkersRunAtThePoolsPriority() throws Exception {
        assumeThat(Files.isReadable(Paths.get("/proc/self/stat"))).isTrue();
        int ownNice = nice(ProcessHandle.current().pid());
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            WorkingProcess w = awaitIdleWorkers(pool, 1).get(0);
            assertThat(nice(w.pid())).isEqualTo(ownNice);
            if (Autogroups.on() && ProcessTrees.setsid() != null) {
                assertThat(read("/proc/" + w.pid() + "/autogroup")).endsWith("nice 0");
            }
        }
    }

    @Test
    void aNiceOutsideZeroToNineteenIsRefusedAtTheBuilder() {
        for (int bad : List.of(-1, 20, Integer.MIN_VALUE)) {
            assertThatThrownBy(() -> PoolConfig.builder().workerNice(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("workerNice must be 0 to 19").hasMessageContaining(String.valueOf(bad));
        }
        assertThat(PoolConfig.builder().workerNice(19).build().getWorkerNice()).isEqualTo(19);
        assertThat(PoolConfig.builder().build().getWorkerNice()).isEqualTo(Tuning.DEFAULT_WORKER_NICE);
    }

    /** Field 19 of /proc/PID/stat. */
    private static int nice(long pid) throws IOException {
        String stat = read("/proc/" + pid + "/stat");
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[16]);
    }

    private static String read(String path) throws IOException {
        return Files.readString(Paths.get(path), StandardCharsets.US_ASCII).strip();
    }
}
