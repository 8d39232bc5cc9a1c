package dev.processpool;

import dev.processpool.testing.CapturingProvider;
import dev.processpool.testing.CapturingProvider.Entry;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;
import org.slf4j.event.Level;

import java.time.Duration;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pool's MDC ({@link MdcKeys}): the lines a worker prints reach the log with the worker's pid and the task's
 * id, the pool's warning about a worker that died carries them, a task's callback runs with them, and the
 * caller's own MDC is what it was afterwards. (The core tests' SLF4J provider keeps an MDC per thread, as
 * logback does, and shows each log call with it: {@link CapturingProvider}.)
 */
class LogContextTest {

    private static final Duration LONG = Duration.ofSeconds(60);

    @Test
    void workerOutputThePoolsWarningsAndCallbacksCarryTheWorkerAndTheTask() throws Exception {
        Queue<Entry> log = CapturingProvider.tap();
        Map<String, String> inCallback = new ConcurrentHashMap<>();
        MDC.put("caller", "mine");
        MDC.put(MdcKeys.TASK_ID, "the caller's");
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().name("mdc-pool").minSize(1).maxSize(1).build())) {
            ProcessTask noisy = ProcessTask.builder(TestTasks.noisy()).args("MDC-MARK").taskId("noisy-1")
                    .callback((t, result) -> inCallback.putAll(MDC.getCopyOfContextMap())).build();
            pool.queueTask(noisy);
            assertThat(pool.processAllResults(LONG)).isTrue();
            long pid = (Long) noisy.taskResults();
            assertThat(inCallback).containsEntry(MdcKeys.POOL, "mdc-pool").containsEntry(MdcKeys.TASK_ID, "noisy-1")
                    .containsEntry(MdcKeys.WORKER_PID, Long.toString(pid)).containsEntry("caller", "mine");
            assertThat(MDC.get(MdcKeys.TASK_ID)).as("restored after the callback").isEqualTo("the caller's");
            assertThat(MDC.get(MdcKeys.WORKER_PID)).isNull();
            assertThat(MDC.get("caller")).isEqualTo("mine");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(log)
                    .filteredOn(e -> e.logger().equals("dev.processpool.worker.output")
                            && e.message().contains("MDC-MARK out via System.out")).singleElement()
                    .satisfies(e -> {
                        assertThat(e.level()).isEqualTo(Level.INFO);
                        assertThat(e.mdc()).containsEntry(MdcKeys.POOL, "mdc-pool")
                                .containsEntry(MdcKeys.WORKER_PID, Long.toString(pid))
                                .containsEntry(MdcKeys.TASK_ID, "noisy-1").doesNotContainKey("caller");
                    }));

            ProcessTask die = ProcessTask.builder(TestTasks.die()).args("exit", 3).taskId("dies-1").build();
            pool.queueTask(die);
            assertThat(pool.processAllResults(LONG)).isTrue();
            assertThat(die.taskException()).isInstanceOf(WorkerDiedException.class);
            assertThat(log).filteredOn(e -> e.logger().equals("dev.processpool.ProcessPool")
                    && e.level() == Level.WARN && e.message().contains("dies-1")).isNotEmpty()
                    .allSatisfy(e -> assertThat(e.mdc()).containsEntry(MdcKeys.POOL, "mdc-pool")
                            .containsEntry(MdcKeys.WORKER_PID, Long.toString(pid))
                            .containsEntry(MdcKeys.TASK_ID, "dies-1"));
        } finally {
            CapturingProvider.untap(log);
            MDC.clear();
        }
        Thread caller = Thread.currentThread();
        // nothing the pool logged on its own threads carries a value of the caller's MDC
        assertThat(log).filteredOn(e -> e.thread() != caller)
                .allSatisfy(e -> assertThat(e.mdc()).doesNotContainKey("caller"));
        // what the pool logged on the caller's thread (the first pool of a JVM says at its construction whether
        // it kills workers by cgroup) names the pool, and not as the task the caller's MDC named
        assertThat(log).filteredOn(e -> e.thread() == caller && e.logger().startsWith("dev.processpool"))
                .allSatisfy(e -> assertThat(e.mdc()).as(e.message()).containsEntry(MdcKeys.POOL, "mdc-pool")
                        .doesNotContainKey(MdcKeys.TASK_ID).doesNotContainKey(MdcKeys.WORKER_PID));
    }
}
