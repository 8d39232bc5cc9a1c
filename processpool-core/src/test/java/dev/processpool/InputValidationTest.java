package dev.processpool;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Promise 13: bad input fails at the call with an exception naming the problem, queues nothing, and leaves
 * the pool usable.
 */
class InputValidationTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private ProcessPool pool;

    @BeforeEach
    void startPool() {
        pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build());
    }

    @AfterEach
    void closePool() {
        try (ProcessPool p = pool) {
            // closed by try-with-resources
        }
    }

    /** Nothing was queued half-way, and a normal task still runs. */
    private void assertNothingQueuedAndPoolUsable() throws Exception {
        assertThat(pool.getNumPendingTasks()).isZero();
        assertThat(pool.processAllResults(Duration.ZERO)).as("nothing unsettled").isTrue();
        ProcessTask ok = pool.createAndQueueTask(TestTasks.echo(), "fine");
        assertThat(ok.future().get(30, TimeUnit.SECONDS)).isEqualTo("fine");
        assertThat(pool.processAllResults(LONG)).isTrue();
    }

    @Test
    void nullFunctionIsANullPointerException() throws Exception {
        assertThatThrownBy(() -> ProcessTask.builder((TaskFunction) null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> pool.createAndQueueTask((TaskFunction) null, 1))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> pool.createAndQueueTask(null, List.of(), Map.of(), null, null, null, true, false,
                Duration.ZERO)).isInstanceOf(NullPointerException.class).hasMessageContaining("function");
        assertThatThrownBy(() -> pool.queueTask(null)).isInstanceOf(NullPointerException.class);
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void sizesOutOfRangeNameTheSetting() throws Exception {
        assertThatThrownBy(() -> PoolConfig.builder().minSize(-1).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSize");
        assertThatThrownBy(() -> new ProcessPool(-1, 0, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSize");
        assertThatThrownBy(() -> PoolConfig.builder().minSize(3).maxSize(2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize").hasMessageContaining("minSize");
        assertThatThrownBy(() -> new ProcessPool(3, 2, 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize");
        assertThatThrownBy(() -> PoolConfig.builder().maxSize(-2).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxSize");
        // maxSize 0 is legal and means "same as minSize".
        assertThat(PoolConfig.builder().minSize(3).maxSize(0).build().getMaxSize()).isEqualTo(3);
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void negativeTimeoutsAreRefused() throws Exception {
        assertThatThrownBy(() -> ProcessTask.builder(TestTasks.echo()).timeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        ProcessTask t = ProcessTask.builder(TestTasks.echo()).args(1).build();
        assertThatThrownBy(() -> t.setTimeOut(Duration.ofSeconds(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThat(t.getTimeOut()).isEqualTo(Duration.ZERO);
        assertThatThrownBy(() -> pool.createAndQueueTask(TestTasks.echo(), List.of(1), Map.of(), null, null, null,
                true, false, Duration.ofMillis(-500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> pool.processAllResults(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> pool.shutdown(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThat(pool.isShutdown()).isFalse();
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void anArgumentThatCannotBeSerialisedIsNamed() throws Exception {
        ProcessTask badArg = ProcessTask.builder(TestTasks.echo()).args("fine", new Object()).taskId("bad-arg").build();
        assertThatThrownBy(() -> pool.queueTask(badArg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("args[1]").hasMessageContaining("java.lang.Object");
        assertThat(badArg.isDone()).isFalse();
        ProcessTask badKwarg = ProcessTask.builder(TestTasks.echo()).args(1)
                .kwargs(Map.of("stream", new java.io.ByteArrayInputStream(new byte[1]))).build();
        assertThatThrownBy(() -> pool.queueTask(badKwarg))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kwargs['stream']").hasMessageContaining("java.io.ByteArrayInputStream");
        // A non-serialisable object nested in a serialisable argument is caught as well.
        assertThatThrownBy(() -> pool.createAndQueueTask(TestTasks.echo(), List.of(new Object())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("args[0]");
        // The id of the refused task is free again.
        assertNothingQueuedAndPoolUsable();
        ProcessTask sameId = ProcessTask.builder(TestTasks.echo()).args("ok").taskId("bad-arg").build();
        pool.queueTask(sameId);
        assertThat(sameId.future().get(30, TimeUnit.SECONDS)).isEqualTo("ok");
    }

    @Test
    void aLambdaCapturingSomethingNotSerialisableIsRefused() throws Exception {
        TaskFunction f = TestTasks.capturingNonSerialisable();
        assertThatThrownBy(() -> pool.createAndQueueTask(f, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("function").hasMessageContaining("captures");
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void aTaskIdInUseIsRefusedAndFreeAgainWhenTheTaskHasFinished() throws Exception {
        ProcessTask first = ProcessTask.builder(TestTasks.sleepThenReturn()).args(1_000L, "first").taskId("dup").build();
        pool.queueTask(first);
        ProcessTask second = ProcessTask.builder(TestTasks.echo()).args("second").taskId("dup").build();
        assertThatThrownBy(() -> pool.queueTask(second))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dup").hasMessageContaining("in use");
        assertThat(second.isDone()).isFalse();
        assertThat(pool.getNumPendingTasks() + pool.getNumWorkingProcesses()).isLessThanOrEqualTo(1);
        assertThat(pool.processAllResults(LONG)).isTrue();
        assertThat(first.taskResults()).isEqualTo("first");
        // The refused task object was not half-queued: it can be queued now that the id is free.
        pool.queueTask(second);
        assertThat(second.future().get(30, TimeUnit.SECONDS)).isEqualTo("second");
        assertThat(pool.processAllResults(LONG)).isTrue(); // the future completes just before the task settles
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void queueingTheSameTaskTwiceIsAnIllegalStateException() throws Exception {
        ProcessTask t = ProcessTask.builder(TestTasks.echo()).args("once").build();
        pool.queueTask(t);
        assertThatThrownBy(() -> pool.queueTask(t))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("queued");
        assertThat(pool.processAllResults(LONG)).isTrue();
        assertThat(t.taskResults()).isEqualTo("once");
        // Also after it has finished.
        assertThatThrownBy(() -> pool.queueTask(t, false, true)).isInstanceOf(IllegalStateException.class);
        assertThat(t.usePoolCallbacks()).isFalse();
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void otherMalformedTasksAreRefusedAtBuildTime() throws Exception {
        assertThatThrownBy(() -> ProcessTask.builder(TestTasks.echo()).taskId("  "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("id");
        java.util.HashMap<String, Object> kw = new java.util.HashMap<>();
        kw.put(null, 1);
        assertThatThrownBy(() -> ProcessTask.builder(TestTasks.echo()).kwargs(kw))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names");
        assertThatThrownBy(() -> ProcessTask.builderForClassName(" "))
                .isInstanceOf(IllegalArgumentException.class);
        assertNothingQueuedAndPoolUsable();
    }

    @Test
    void immutableKwargsMapsAreAcceptedNotMistakenForNullKeys() throws Exception {
        // Map.of(...).containsKey(null) throws NullPointerException: the null-key check must not use it.
        ProcessTask t = pool.createAndQueueTask(TestTasks.kwarg(), List.of("k"), Map.of("k", "v"), null, null, null,
                true, false, Duration.ZERO).orElseThrow();
        assertThat(t.future().get(30, TimeUnit.SECONDS)).isEqualTo("v");
        ProcessTask none = pool.createAndQueueTask(TestTasks.kwarg(), List.of("k"), Map.of(), null, null, null,
                true, false, Duration.ZERO).orElseThrow();
        assertThat(none.future().get(30, TimeUnit.SECONDS)).isNull();
    }

    @Test
    void submissionAfterShutdownIsRejected() {
        assertThat(pool.shutdown(LONG)).isTrue();
        assertThatThrownBy(() -> pool.createAndQueueTask(TestTasks.echo(), 1))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("shut down");
        assertThatThrownBy(() -> pool.startProcessing()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
        assertThat(pool.getNumPendingTasks()).isZero();
    }
}
