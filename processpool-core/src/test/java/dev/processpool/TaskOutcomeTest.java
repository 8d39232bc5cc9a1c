package dev.processpool;

import dev.processpool.testing.Workers;
import dev.processpool.testing.WorkerOnlyClasses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.processpool.testing.Workers.awaitIdleWorkers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Promise 6: any serialisable result is a result; task exceptions reach the exception callback in full. */
class TaskOutcomeTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    /** What the callbacks of one task received. */
    private static final class Seen {
        final Map<String, Object> results = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> resultCalls = new ConcurrentHashMap<>();
        final Map<String, TaskException> failures = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> failureCalls = new ConcurrentHashMap<>();

        ProcessTask build(ProcessTask.Builder b) {
            return b.callback((t, r) -> {
                resultCalls.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet();
                if (r != null) {
                    results.put(t.getTaskID(), r);
                }
            }).exceptionCallback((t, f) -> {
                failureCalls.computeIfAbsent(t.getTaskID(), k -> new AtomicInteger()).incrementAndGet();
                failures.put(t.getTaskID(), f);
            }).build();
        }

        int results(ProcessTask t) {
            AtomicInteger n = resultCalls.get(t.getTaskID());
            return n == null ? 0 : n.get();
        }

        int failures(ProcessTask t) {
            AtomicInteger n = failureCalls.get(t.getTaskID());
            return n == null ? 0 : n.get();
        }

        /** The single failure the task's exception callback received. */
        TaskException onlyFailure(ProcessTask t) {
            assertThat(results(t)).as("result callback calls for %s", t).isZero();
            assertThat(failures(t)).as("exception callback calls for %s", t).isEqualTo(1);
            return failures.get(t.getTaskID());
        }
    }

    private static void runAll(ProcessPool pool, List<ProcessTask> tasks) throws Exception {
        for (ProcessTask t : tasks) {
            assertThat(pool.queueTask(t)).isTrue();
        }
        try {
            CompletableFuture.allOf(tasks.stream().map(ProcessTask::future).toArray(CompletableFuture[]::new))
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException expectedForFailingTasks) {
            // checked per task
        }
        assertThat(pool.processAllResults(AWAIT)).isTrue();
    }

    private static ProcessPool smallPool() {
        return new ProcessPool(PoolConfig.builder().minSize(1).maxSize(2).build());
    }

    @Test
    void nullZeroEmptyAndFalseAreResults() throws Exception {
        List<Object> values = Arrays.asList(null, 0, 0L, 0.0, "", false, List.of(), new ArrayList<>(),
                Map.of(), new LinkedHashMap<>(), new int[0]);
        Seen seen = new Seen();
        List<ProcessTask> tasks = new ArrayList<>();
        for (Object v : values) {
            tasks.add(seen.build(ProcessTask.builder(TestTasks.constant(v))));
        }
        // and the same through a task argument
        ProcessTask echoedNull = seen.build(ProcessTask.builder(TestTasks.echo()).args((Object) null));
        tasks.add(echoedNull);
        try (ProcessPool pool = smallPool()) {
            runAll(pool, tasks);
        }
        for (int i = 0; i < tasks.size(); i++) {
            ProcessTask t = tasks.get(i);
            Object expected = i < values.size() ? values.get(i) : null;
            assertThat(seen.failures(t)).as("exception callback for %s (%s)", t, t.taskException()).isZero();
            assertThat(seen.results(t)).as("result callback calls for %s", t).isEqualTo(1);
            assertThat(t.exceptionRaised()).isFalse();
            assertThat(t.taskException()).isNull();
            assertThat(t.future()).isCompleted();
            assertThat(t.future().get()).isEqualTo(expected);
            assertThat(t.taskResults()).isEqualTo(expected);
            if (expected != null) {
                assertThat(seen.results.get(t.getTaskID())).isEqualTo(expected);
            } else {
                assertThat(seen.results).doesNotContainKey(t.getTaskID());
            }
        }
    }

    @Test
    void aTaskExceptionArrivesWithTypeMessageCauseChainAndRemoteStackTrace() throws Exception {
        Seen seen = new Seen();
        ProcessTask chain = seen.build(ProcessTask.builder(TestTasks.throwChain()).args("outer message"));
        ProcessTask custom = seen.build(ProcessTask.builder(TestTasks.throwCustom()).args("custom message"));
        try (ProcessPool pool = smallPool()) {
            runAll(pool, List.of(chain, custom));
        }

        TaskException f = seen.onlyFailure(chain);
        assertThat(f).isInstanceOf(TaskExecutionException.class).isSameAs(chain.taskException());
        TaskExecutionException e = (TaskExecutionException) f;
        assertThat(e.getTaskId()).isEqualTo(chain.getTaskID());
        assertThat(e.getWorkerPid()).isPositive();
        assertThat(e.getRemoteType()).isEqualTo(IllegalStateException.class.getName());
        assertThat(e.getRemoteMessage()).isEqualTo("outer message");
        assertThat(e.getMessage()).contains(IllegalStateException.class.getName()).contains("outer message");
        assertThat(e.getRemoteCauseTypes()).containsExactly(IllegalStateException.class.getName(),
                IOException.class.getName(), ArithmeticException.class.getName());
        // the real exceptions, deserialised, with the worker's stack traces
        assertThat(e.getCause()).isInstanceOf(IllegalStateException.class).hasMessage("outer message");
        assertThat(e.getCause().getCause()).isInstanceOf(IOException.class).hasMessage("middle cause");
        assertThat(e.getCause().getCause().getCause()).isInstanceOf(ArithmeticException.class).hasMessage("root cause");
        assertThat(e.getCause().getStackTrace())
                .anyMatch(el -> el.getMethodName().equals("throwingMethodOfTestTasks"));
        assertThat(e.getRemoteStackTrace()).contains("throwingMethodOfTestTasks")
                .contains("outer message").contains("middle cause").contains("root cause");
        Throwable viaFuture = catchThrowable(() -> chain.future().get());
        assertThat(viaFuture).isInstanceOf(ExecutionException.class).cause().isSameAs(e);

        TaskException c = seen.onlyFailure(custom);
        assertThat(c).isInstanceOf(TaskExecutionException.class);
        assertThat(c.getCause()).isInstanceOfSatisfying(TestTasks.CustomTaskException.class, ce -> {
            assertThat(ce).hasMessage("custom message");
            assertThat(ce.getCode()).isEqualTo(42);
        });
    }

    @Test
    void anExceptionThatCannotBeSerialisedArrivesAsRemoteException() throws Exception {
        Seen seen = new Seen();
        ProcessTask task = seen.build(ProcessTask.builder(TestTasks.throwUnserializable()).args("no serial"));
        try (ProcessPool pool = smallPool()) {
            runAll(pool, List.of(task));
        }
        TaskException f = seen.onlyFailure(task);
        assertThat(f).isInstanceOf(TaskExecutionException.class);
        TaskExecutionException e = (TaskExecutionException) f;
        String type = TestTasks.UnserializableTaskException.class.getName();
        assertThat(e.getRemoteType()).isEqualTo(type);
        assertThat(e.getRemoteMessage()).isEqualTo("no serial");
        assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class, r -> {
            assertThat(r.getRemoteType()).isEqualTo(type);
            assertThat(r.getMessage()).contains(type).contains("no serial");
            assertThat(r.getStackTrace()).anyMatch(el -> el.getMethodName().equals("unserializableThrowingMethodOfTestTasks"));
        });
        assertThat(e.getCause().getCause()).isInstanceOfSatisfying(RemoteException.class, r -> {
            assertThat(r.getRemoteType()).isEqualTo(IllegalArgumentException.class.getName());
            assertThat(r.getMessage()).contains("inner reason");
        });
        assertThat(e.getRemoteCauseTypes()).containsExactly(type, IllegalArgumentException.class.getName());
        assertThat(e.getRemoteStackTrace()).contains("unserializableThrowingMethodOfTestTasks").contains("inner reason");
    }

    @Test
    void anExceptionClassKnownOnlyToTheWorkersArrivesAsRemoteException(@TempDir Path dir) throws Exception {
        Path classes = WorkerOnlyClasses.compile(dir, Map.of(
                "wonly.WorkerOnlyException", String.join("\n",
                        "package wonly;",
                        "public class WorkerOnlyException extends RuntimeException {",
                        "    public WorkerOnlyException(String m, Throwable cause) { super(m, cause); }",
                        "}"),
                "wonly.WorkerOnlyTask", String.join("\n",
                        "package wonly;",
                        "public class WorkerOnlyTask implements java.util.concurrent.Callable<Object> {",
                        "    private final String text;",
                        "    public WorkerOnlyTask(String text) { this.text = text; }",
                        "    public Object call() { return failInWorkerOnlyTask(text); }",
                        "    private static Object failInWorkerOnlyTask(String text) {",
                        "        throw new WorkerOnlyException(\"worker-only: \" + text,",
                        "                new UnsupportedOperationException(\"deeper\"));",
                        "    }",
                        "}")));
        // not on the parent's class path
        assertThatThrownBy(() -> Class.forName("wonly.WorkerOnlyException")).isInstanceOf(ClassNotFoundException.class);

        List<String> cp = new ArrayList<>(Workers.thisClassPath());
        cp.add(classes.toString());
        Seen seen = new Seen();
        ProcessTask task = seen.build(ProcessTask.builderForClassName("wonly.WorkerOnlyTask").args("boom"));
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).classPath(cp).build())) {
            runAll(pool, List.of(task));
        }
        TaskException f = seen.onlyFailure(task);
        assertThat(f).isInstanceOf(TaskExecutionException.class);
        TaskExecutionException e = (TaskExecutionException) f;
        assertThat(e.getRemoteType()).isEqualTo("wonly.WorkerOnlyException");
        assertThat(e.getRemoteMessage()).isEqualTo("worker-only: boom");
        assertThat(e.getCause()).isInstanceOfSatisfying(RemoteException.class, r -> {
            assertThat(r.getRemoteType()).isEqualTo("wonly.WorkerOnlyException");
            assertThat(r.getMessage()).contains("wonly.WorkerOnlyException").contains("worker-only: boom");
            assertThat(r.getStackTrace()).anyMatch(el -> el.getMethodName().equals("failInWorkerOnlyTask"));
        });
        assertThat(e.getRemoteCauseTypes())
                .containsExactly("wonly.WorkerOnlyException", UnsupportedOperationException.class.getName());
        assertThat(e.getRemoteStackTrace()).contains("failInWorkerOnlyTask");
    }

    @Test
    void callableClassesGetArgsAndKwargsInTheirConstructor() throws Exception {
        Seen seen = new Seen();
        ProcessTask byClass = seen.build(ProcessTask.builder(TestTasks.Repeat.class).args(3, "ab"));
        ProcessTask byName = seen.build(ProcessTask.builderForClassName(TestTasks.Repeat.class.getName()).args(2, "xy"));
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("prefix", "<");
        kwargs.put("suffix", ">");
        ProcessTask withKwargs = seen.build(ProcessTask.builder(TestTasks.RepeatWithKwargs.class)
                .args(2, "k").kwargs(kwargs));
        ProcessTask notCallable = seen.build(ProcessTask.builderForClassName(TestTasks.NotCallable.class.getName()));
        ProcessTask missing = seen.build(ProcessTask.builderForClassName("dev.processpool.NoSuchTaskClassA"));
        // kwargs for a class whose constructor takes no Map
        ProcessTask noMap = seen.build(ProcessTask.builder(TestTasks.Repeat.class).args(1, "z")
                .kwargs(Map.of("unexpected", 1)));
        try (ProcessPool pool = smallPool()) {
            awaitIdleWorkers(pool, 1);
            runAll(pool, List.of(byClass, byName, withKwargs, notCallable, missing, noMap));
        }
        assertThat(byClass.taskResults()).isEqualTo("ababab");
        assertThat(seen.results.get(byClass.getTaskID())).isEqualTo("ababab");
        assertThat(byName.taskResults()).isEqualTo("xyxy");
        assertThat(withKwargs.taskResults()).isEqualTo("<kk>");
        assertThat(seen.results(withKwargs)).isEqualTo(1);

        TaskException nc = seen.onlyFailure(notCallable);
        assertThat(nc).isInstanceOf(TaskExecutionException.class);
        assertThat(nc.getMessage()).contains(TestTasks.NotCallable.class.getName()).containsIgnoringCase("callable");
        assertThat(((TaskExecutionException) nc).getRemoteMessage()).contains("not callable");

        TaskException m = seen.onlyFailure(missing);
        assertThat(m).isInstanceOf(TaskExecutionException.class);
        assertThat(m.getMessage()).contains("dev.processpool.NoSuchTaskClassA");

        TaskException nm = seen.onlyFailure(noMap);
        assertThat(nm).isInstanceOf(TaskExecutionException.class);
        assertThat(nm.getMessage()).contains(TestTasks.Repeat.class.getName()).contains("unexpected");
    }

    @Test
    void kwargsMayBeGivenAsAnImmutableMap() throws Exception {
        // Map.of cannot hold a null key and throws on containsKey(null): that must not reject valid kwargs
        Seen seen = new Seen();
        ProcessTask function = seen.build(ProcessTask.builder(TestTasks.kwargAndCount()).args("k")
                .kwargs(Map.of("k", "v", "other", 2)));
        ProcessTask callable = seen.build(ProcessTask.builder(TestTasks.RepeatWithKwargs.class).args(3, "o")
                .kwargs(Map.of("suffix", "!")));
        ProcessTask dirac = new ProcessTask(TestTasks.kwargAndCount(), List.of("a"), Map.of("a", 1), null, null, null,
                false, Duration.ZERO);
        assertThatThrownBy(() -> ProcessTask.builder(TestTasks.kwargAndCount()).kwargs(java.util.Collections.singletonMap(null, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be null");
        try (ProcessPool pool = smallPool()) {
            runAll(pool, List.of(function, callable, dirac));
        }
        assertThat(function.taskResults()).isEqualTo("v/2");
        assertThat(callable.taskResults()).isEqualTo("ooo!");
        assertThat(dirac.taskResults()).isEqualTo("1/1");
    }
}
