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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Workers yield the cores to the pool's own threads when asked: at {@code workerNice(10)} the JVM and its
 * session's autogroup run at nice 10; by default at 19 when the workers can outnumber the cores and at the pool's
 * priority otherwise; at 0 at the pool's priority; and the pool's own priority never changes. Skipped where there is no {@code /proc} or no
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
    void byDefaultWorkersThatCanOutnumberTheCoresRunAtTheLeastPriorityAndAtZeroAtThePools() throws Exception {
        assumeThat(ProcessTrees.nice()).as("a nice command is installed").isNotNull();
        assumeThat(Files.isReadable(Paths.get("/proc/self/stat"))).isTrue();
        int ownNice = nice(ProcessHandle.current().pid());
        assumeThat(ownNice).as("the test runs below nice 19").isLessThan(19);
        int cores = Runtime.getRuntime().availableProcessors();
        PoolConfig outnumbering = PoolConfig.builder().minSize(1).maxSize(cores + 1).build();
        assertThat(outnumbering.getWorkerNice()).isEqualTo(19);
        try (ProcessPool pool = new ProcessPool(outnumbering)) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            WorkingProcess w = awaitIdleWorkers(pool, 1).get(0);
            assertThat(nice(w.pid())).isEqualTo(19);
            if (Autogroups.on() && ProcessTrees.setsid() != null && Autogroups.writesUnlimited()) {
                assertThat(read("/proc/" + w.pid() + "/autogroup")).endsWith("nice 19");
            }
        }
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(cores + 1).workerNice(0).build())) {
            assertThat(pool.awaitReady(Duration.ofSeconds(60))).isTrue();
            WorkingProcess w = awaitIdleWorkers(pool, 1).get(0);
            assertThat(nice(w.pid())).isEqualTo(ownNice);
            if (Autogroups.on() && ProcessTrees.setsid() != null) {
                assertThat(read("/proc/" + w.pid() + "/autogroup")).endsWith("nice 0");
            }
        }
    }

    @Test
    void unlessSetTheNiceFollowsWhetherTheWorkersCanOutnumberTheCoresAndASetOneIsKeptByToBuilder() {
        assertThat(Tuning.automaticWorkerNice(2, 2)).isZero();
        assertThat(Tuning.automaticWorkerNice(3, 2)).isEqualTo(19);
        assertThat(Tuning.automaticWorkerNice(100, 2)).isEqualTo(19);
        assertThat(Tuning.automaticWorkerNice(1, 1)).isZero();
        int cores = Runtime.getRuntime().availableProcessors();
        PoolConfig few = PoolConfig.builder().minSize(1).maxSize(cores).build();
        assertThat(few.getWorkerNice()).isZero();
        assertThat(few.toBuilder().maxSize(cores + 1).build().getWorkerNice()).as("still automatic").isEqualTo(19);
        PoolConfig set = PoolConfig.builder().minSize(1).maxSize(cores + 1).workerNice(5).build();
        assertThat(set.getWorkerNice()).isEqualTo(5);
        assertThat(set.toBuilder().maxSize(1).build().getWorkerNice()).isEqualTo(5);
    }

    @Test
    void aRefusedAutogroupWriteIsTriedAgainOffTheCallersThreadWhileTheWorkerLivesAndNoMoreThanAllowed() {
        List<Runnable> later = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        // the kernel refuses the first three (another write came less than 100 ms before), takes the fourth
        ProcessTrees.setAutogroupNiceRetrying(() -> calls.incrementAndGet() <= 3
                ? ProcessTrees.AutogroupWrite.REFUSED : ProcessTrees.AutogroupWrite.DONE, () -> true, 20, later::add);
        assertThat(calls).as("one attempt on the caller's thread").hasValue(1);
        assertThat(attemptsUntilIdle(later, calls)).isEqualTo(4);

        assertThat(attempts(ProcessTrees.AutogroupWrite.REFUSED, true, 5)).as("never taken: as many as allowed")
                .isEqualTo(5);
        assertThat(attempts(ProcessTrees.AutogroupWrite.REFUSED, false, 5)).as("the worker is gone").isEqualTo(1);
        assertThat(attempts(ProcessTrees.AutogroupWrite.NOT_OURS, true, 5)).as("nothing to write").isEqualTo(1);
    }

    /** How many writes are tried when each gives {@code result}. */
    private static int attempts(ProcessTrees.AutogroupWrite result, boolean alive, int allowed) {
        List<Runnable> later = new ArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        ProcessTrees.setAutogroupNiceRetrying(() -> {
            calls.incrementAndGet();
            return result;
        }, () -> alive, allowed, later::add);
        return attemptsUntilIdle(later, calls);
    }

    private static int attemptsUntilIdle(List<Runnable> later, AtomicInteger calls) {
        while (!later.isEmpty()) {
            later.remove(0).run();
        }
        return calls.get();
    }


    @Test
    void aNiceOutsideZeroToNineteenIsRefusedAtTheBuilder() {
        for (int bad : List.of(-1, 20, Integer.MIN_VALUE)) {
            assertThatThrownBy(() -> PoolConfig.builder().workerNice(bad).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("workerNice must be 0 to 19").hasMessageContaining(String.valueOf(bad));
        }
        assertThat(PoolConfig.builder().workerNice(19).build().getWorkerNice()).isEqualTo(19);
        assertThat(PoolConfig.builder().workerNice(0).build().getWorkerNice()).isZero();
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
