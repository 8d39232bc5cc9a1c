package dev.processpool;

import dev.processpool.ProcessPoolExecutor.NotStartedCallable;
import dev.processpool.ProcessPoolExecutor.SerializableCallable;
import dev.processpool.ProcessPoolExecutor.SerializableRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import static dev.processpool.testing.Processes.isRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The {@link java.util.concurrent.ExecutorService} contracts of {@link ProcessPoolExecutor}, against real
 * worker processes: outcomes and their exceptions, rejection of tasks that cannot travel, {@code invokeAny}
 * and {@code invokeAll} cancelling what is left (workers killed, queued tasks withdrawn), {@code shutdownNow}
 * returning the tasks that never started, the owned pool and the view, and interrupts while waiting.
 * Tasks signal through files: a running task announces its worker's pid, a task that ran leaves a marker.
 */
class ProcessPoolExecutorTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    // ============================================================================================ tasks

    static SerializableCallable<Long> workerPid() {
        return () -> ProcessHandle.current().pid();
    }

    /** Writes its worker's pid to {@code file} (atomically), then sleeps for good. */
    static SerializableCallable<String> announcePidThenSleep(String file) {
        return () -> {
            writeAtomically(Paths.get(file), Long.toString(ProcessHandle.current().pid()));
            Thread.sleep(Long.MAX_VALUE);
            return "not reached";
        };
    }

    /** Waits in the worker until {@code gate} exists (at most 60 s), then returns {@code value}. */
    static SerializableCallable<String> afterGate(String gate, String value) {
        return () -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(Paths.get(gate))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("gate " + gate + " never opened");
                }
                Thread.sleep(5);
            }
            return value;
        };
    }

    /** Writes {@code marker} (holding its worker's pid) and returns {@code value}. */
    static SerializableCallable<String> mark(String marker, String value) {
        return () -> {
            writeAtomically(Paths.get(marker), Long.toString(ProcessHandle.current().pid()));
            return value;
        };
    }

    static SerializableRunnable markRunnable(String marker) {
        return () -> {
            try {
                writeAtomically(Paths.get(marker), Long.toString(ProcessHandle.current().pid()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    static SerializableCallable<String> thrower(String message) {
        return () -> {
            throw new IllegalStateException(message);
        };
    }

    static SerializableCallable<String> halt(int code) {
        return () -> {
            Runtime.getRuntime().halt(code);
            return "not reached";
        };
    }

    static SerializableCallable<Object> unserialisableResult() {
        return () -> new TestTasks.NotSerializableThing();
    }

    /** Something a task may not capture. */
    static final class Unserialisable {
        @Override
        public String toString() {
            return "an Unserialisable";
        }
    }

    /** A task class that is not serialisable. */
    static final class PlainJob implements Callable<String> {
        @Override
        public String call() {
            return "plain";
        }
    }

    static SerializableCallable<String> capturing(Unserialisable captured) {
        return () -> String.valueOf(captured);
    }

    private static void writeAtomically(Path target, String content) throws java.io.IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.writeString(part, content, StandardCharsets.US_ASCII);
        Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    }

    // ========================================================================================== helpers

    private String file(String name) {
        return tmp.resolve(name).toString();
    }

    /** The pid a task announced in {@code name}, waiting for it. */
    private long announcedPid(String name) throws Exception {
        Path p = tmp.resolve(name);
        await().atMost(AWAIT).until(() -> Files.exists(p));
        return Long.parseLong(Files.readString(p).trim());
    }

    private static PoolConfig workers(int n) {
        return PoolConfig.builder().minSize(n).maxSize(n).maxQueuedRequests(0).build();
    }

    /** Waits until the pool runs and holds nothing, so that a withdrawn task would have run by now if it could. */
    private static void awaitQuiet(ProcessPool pool) {
        await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 0 && pool.getNumPendingTasks() == 0);
    }

    // ========================================================================================== outcomes

    @Test
    void tasksRunInWorkerProcessesAndEveryOutcomeReachesTheFuture() throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build())) {
            ProcessPoolExecutor executor = pool.asExecutorService();
            ExecutorService timed = pool.asExecutorService(Duration.ofMillis(500));

            long pid = executor.submit(workerPid()).get(45, TimeUnit.SECONDS);
            assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());
            assertThat(pool.getWorkers()).extracting(WorkingProcess::pid).contains(pid);
            assertThat(executor.submit(() -> 6 * 7).get(45, TimeUnit.SECONDS)).isEqualTo(42);
            // a method call is void- and value-compatible: the overload for a SerializableCallable still wins
            assertThat(executor.submit(() -> String.valueOf(6 * 7)).get(45, TimeUnit.SECONDS)).isEqualTo("42");
            assertThat(executor.submit(markRunnable(file("submitted")), "given").get(45, TimeUnit.SECONDS))
                    .isEqualTo("given");
            assertThat(executor.submit(markRunnable(file("submitted-null"))).get(45, TimeUnit.SECONDS)).isNull();
            executor.execute(markRunnable(file("executed")));
            await().atMost(AWAIT).until(() -> Files.exists(tmp.resolve("executed")));

            // the task threw: the cause is the task's own exception, the message names task and worker
            Future<String> threw = executor.submit(thrower("boom"));
            Throwable e = catchThrowable(() -> threw.get(45, TimeUnit.SECONDS));
            assertThat(e).isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("threw java.lang.IllegalStateException: boom").hasMessageContaining("worker ");
            assertThat(e.getCause()).isExactlyInstanceOf(IllegalStateException.class).hasMessage("boom");
            assertThat(e.getCause().getStackTrace()).isNotEmpty();
            assertThat(threw.isDone()).isTrue();
            assertThat(threw.isCancelled()).isFalse();

            // the worker died
            Throwable died = catchThrowable(() -> executor.submit(halt(3)).get(45, TimeUnit.SECONDS));
            assertThat(died).isInstanceOf(ExecutionException.class).cause().isInstanceOf(WorkerDiedException.class);
            assertThat(((WorkerDiedException) died.getCause()).getExitCode()).isEqualTo(3);

            // the result could not travel back
            Throwable transfer = catchThrowable(() -> executor.submit(unserialisableResult()).get(45, TimeUnit.SECONDS));
            assertThat(transfer).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining(TestTasks.NotSerializableThing.class.getName());

            // the view's task timeout
            Throwable timedOut = catchThrowable(() -> timed.submit(announcePidThenSleep(file("timed.pid")))
                    .get(45, TimeUnit.SECONDS));
            assertThat(timedOut).isInstanceOf(ExecutionException.class).cause().isInstanceOf(TaskTimeoutException.class);
            await().atMost(AWAIT).until(() -> !isRunning(announcedPid("timed.pid")));

            // the pool went on through all of it
            assertThat(executor.submit(workerPid()).get(45, TimeUnit.SECONDS)).isPositive();
            // get(timeout) on a task that does not finish in time
            Future<String> slow = executor.submit(afterGate(file("never"), "x"));
            assertThatThrownBy(() -> slow.get(50, TimeUnit.MILLISECONDS)).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("has not finished within 50 milliseconds");
            assertThat(slow.cancel(true)).isTrue();
        }
    }

    @Test
    void aTaskThatCannotTravelIsRejectedAtSubmitWithItsClassNamed() throws Exception {
        // minSize 0: nothing starts unless a task is queued
        try (ProcessPoolExecutor executor = ProcessPoolExecutor.create(PoolConfig.builder().minSize(0).maxSize(1).build())) {
            ExecutorService service = executor;
            Callable<Integer> plainLambda = () -> 1;

            assertThatThrownBy(() -> service.submit(plainLambda)).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("a lambda in " + ProcessPoolExecutorTest.class.getName())
                    .hasMessageContaining("is not Serializable")
                    .hasMessageContaining("(Callable<T> & Serializable)");
            assertThatThrownBy(() -> service.submit(new PlainJob())).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("task " + PlainJob.class.getName() + " is not Serializable");
            assertThatThrownBy(() -> service.execute(() -> { })).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("is not Serializable");
            assertThatThrownBy(() -> service.submit(capturing(new Unserialisable())))
                    .isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("cannot be serialised")
                    .hasMessageContaining("an object of class " + Unserialisable.class.getName());
            // a batch is checked whole before any of it is submitted
            assertThatThrownBy(() -> service.invokeAll(List.<Callable<Long>>of(workerPid(), () -> 2L)))
                    .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("is not Serializable");
            assertThatThrownBy(() -> service.invokeAny(List.<Callable<Long>>of(workerPid(), () -> 2L)))
                    .isInstanceOf(RejectedExecutionException.class);
            assertThatThrownBy(() -> service.submit((Callable<Object>) null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> service.invokeAny(List.of())).isInstanceOf(IllegalArgumentException.class);
            assertThat(executor.getPool().getNumProcesses()).as("nothing was queued").isZero();
            assertThat(executor.getPool().getNumPendingTasks()).isZero();

            // the executor is still fine
            assertThat(service.submit((Callable<String> & Serializable) () -> "ok").get(45, TimeUnit.SECONDS))
                    .isEqualTo("ok");
        }
    }

    // ============================================================================================ batches

    @Test
    void invokeAnyReturnsTheFirstSuccessAndCancelsTheRest() throws Exception {
        try (ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(2))) {
            List<Callable<String>> tasks = List.of(
                    announcePidThenSleep(file("loser.pid")),                  // runs on one worker, for good
                    afterGate(file("loser.pid"), "winner"),                   // wins once the loser runs
                    announcePidThenSleep(file("next.pid")),                   // the winner's worker takes it
                    mark(file("queued.marker"), "queued"));                   // still waiting: withdrawn
            assertThat(executor.invokeAny(tasks)).isEqualTo("winner");

            long loser = announcedPid("loser.pid");
            await().atMost(AWAIT).until(() -> !isRunning(loser));
            awaitQuiet(executor.getPool());
            Path next = tmp.resolve("next.pid");
            if (Files.exists(next)) {
                long pid = Long.parseLong(Files.readString(next).trim());
                assertThat(isRunning(pid)).as("the worker of a cancelled running task is killed").isFalse();
            }
            assertThat(tmp.resolve("queued.marker")).as("a withdrawn task never runs").doesNotExist();

            // all fail: the last failure, as ExecutionException
            Throwable allFailed = catchThrowable(() -> executor.invokeAny(List.of(thrower("one"), thrower("two"))));
            assertThat(allFailed).isInstanceOf(ExecutionException.class).cause()
                    .isInstanceOf(IllegalStateException.class);
            assertThat(allFailed.getCause().getMessage()).isIn("one", "two");

            // none finishes in time: TimeoutException, and their workers are killed
            assertThatThrownBy(() -> executor.invokeAny(List.of(announcePidThenSleep(file("slow1.pid")),
                    announcePidThenSleep(file("slow2.pid"))), 1, TimeUnit.SECONDS))
                    .isInstanceOf(TimeoutException.class);
            for (String f : List.of("slow1.pid", "slow2.pid")) {
                Path p = tmp.resolve(f);
                if (Files.exists(p)) {
                    long pid = Long.parseLong(Files.readString(p).trim());
                    await().atMost(AWAIT).until(() -> !isRunning(pid));
                }
            }
            awaitQuiet(executor.getPool());
        }
    }

    @Test
    void invokeAllWaitsForEveryTaskAndWithATimeoutCancelsTheUnfinished() throws Exception {
        try (ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(2))) {
            List<Future<String>> all = executor.invokeAll(List.of(thrower("bad"), mark(file("m"), "m")));
            assertThat(all).allMatch(Future::isDone);
            assertThatThrownBy(() -> all.get(0).get()).isInstanceOf(ExecutionException.class);
            assertThat(all.get(1).get()).isEqualTo("m");

            assertThat(executor.getPool().awaitReady(AWAIT)).isTrue();
            List<Callable<String>> tasks = List.of(
                    (Callable<String> & Serializable) () -> "quick",
                    announcePidThenSleep(file("stuck.pid")),
                    mark(file("late.marker"), "late"));                      // queued behind the stuck one
            List<Future<String>> futures = executor.invokeAll(tasks, 2, TimeUnit.SECONDS);
            assertThat(futures).hasSize(3).allMatch(Future::isDone);
            assertThat(futures.get(0).get()).isEqualTo("quick");
            assertThat(futures.get(1).isCancelled()).isTrue();
            assertThatThrownBy(() -> futures.get(1).get()).isInstanceOf(CancellationException.class);
            long stuck = announcedPid("stuck.pid");
            await().atMost(AWAIT).until(() -> !isRunning(stuck));
            // the third either ran on the quick task's worker in time, or was cancelled and never runs
            if (futures.get(2).isCancelled()) {
                awaitQuiet(executor.getPool());
                Path late = tmp.resolve("late.marker");
                if (Files.exists(late)) {
                    long pid = Long.parseLong(Files.readString(late).trim());
                    await().atMost(AWAIT).until(() -> !isRunning(pid));
                }
            } else {
                assertThat(futures.get(2).get()).isEqualTo("late");
            }
        }
    }

    // ========================================================================================== shutdown

    @Test
    void shutdownNowReturnsTheTasksThatNeverStartedAndKillsTheRunningOne() throws Exception {
        ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(1));
        try {
            Future<String> running = executor.submit(announcePidThenSleep(file("running.pid")));
            long pid = announcedPid("running.pid");
            SerializableRunnable first = markRunnable(file("first"));
            SerializableCallable<String> second = mark(file("second"), "second");
            SerializableRunnable third = markRunnable(file("third"));
            Future<?> f1 = executor.submit(first);
            Future<String> f2 = executor.submit(second);
            executor.execute(third);

            List<Runnable> notStarted = executor.shutdownNow();

            assertThat(notStarted).hasSize(3);
            assertThat(notStarted.get(0)).isSameAs(first);
            assertThat(notStarted.get(1)).isInstanceOf(NotStartedCallable.class);
            assertThat(((NotStartedCallable) notStarted.get(1)).callable()).isSameAs(second);
            assertThat(notStarted.get(2)).isSameAs(third);
            assertThat(running.isCancelled()).isTrue();
            assertThatThrownBy(running::get).isInstanceOf(CancellationException.class);
            assertThat(f1.isCancelled()).isTrue();
            assertThat(f2.isCancelled()).isTrue();
            assertThat(executor.isShutdown()).isTrue();
            assertThatThrownBy(() -> executor.submit(workerPid())).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("shut down");

            assertThat(executor.awaitTermination(45, TimeUnit.SECONDS)).isTrue();
            assertThat(executor.isTerminated()).isTrue();
            assertThat(executor.getPool().isTerminated()).isTrue();
            assertThat(isRunning(pid)).isFalse();
            assertThat(executor.shutdownNow()).isEmpty();
            for (String marker : List.of("first", "second", "third")) {
                assertThat(tmp.resolve(marker)).doesNotExist();
            }
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shutdownRunsWhatWasSubmittedThenShutsDownTheOwnedPool() throws Exception {
        ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(1));
        try {
            Future<String> gated = executor.submit(afterGate(file("gate"), "a"));
            Future<String> queued = executor.submit(mark(file("queued"), "b"));
            executor.shutdown();
            assertThat(executor.isShutdown()).isTrue();
            assertThat(executor.isTerminated()).isFalse();
            assertThatThrownBy(() -> executor.submit(workerPid())).isInstanceOf(RejectedExecutionException.class);
            assertThat(executor.awaitTermination(100, TimeUnit.MILLISECONDS)).isFalse();

            Files.writeString(tmp.resolve("gate"), "open");
            assertThat(executor.awaitTermination(45, TimeUnit.SECONDS)).isTrue();
            assertThat(gated.get()).isEqualTo("a");
            assertThat(queued.get()).isEqualTo("b");
            assertThat(executor.getPool().isTerminated()).isTrue();
            assertThat(executor.getPool().getNumProcesses()).isZero();
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shuttingDownAViewLeavesThePoolRunning() throws Exception {
        try (ProcessPool pool = new ProcessPool(workers(1))) {
            ProcessPoolExecutor view = pool.asExecutorService();
            ProcessPoolExecutor other = pool.asExecutorService();
            Future<String> gated = view.submit(afterGate(file("gate"), "a"));
            view.shutdown();
            assertThat(view.isShutdown()).isTrue();
            assertThatThrownBy(() -> view.submit(workerPid())).isInstanceOf(RejectedExecutionException.class);
            assertThat(view.isTerminated()).isFalse();
            Future<Long> viaOther = other.submit(workerPid());

            Files.writeString(tmp.resolve("gate"), "open");
            assertThat(view.awaitTermination(45, TimeUnit.SECONDS)).isTrue();
            assertThat(gated.get()).isEqualTo("a");
            assertThat(viaOther.get(45, TimeUnit.SECONDS)).isPositive();
            assertThat(pool.isShutdown()).isFalse();
            ProcessTask direct = pool.createAndQueueTask((args, kwargs) -> "direct");
            assertThat(direct.future()).succeedsWithin(AWAIT).isEqualTo("direct");

            // the pool's own shutdown shuts every view down
            pool.shutdown(AWAIT);
            assertThat(other.isShutdown()).isTrue();
            assertThat(other.isTerminated()).isTrue();
            assertThatThrownBy(() -> other.submit(workerPid())).isInstanceOf(RejectedExecutionException.class)
                    .hasMessageContaining("shut down");
        }
    }

    // ========================================================================================== cancelling

    @Test
    void cancelTrueKillsTheWorkerOfARunningTaskAndCancelFalseLetsItFinish() throws Exception {
        try (ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(1))) {
            Future<String> running = executor.submit(announcePidThenSleep(file("a.pid")));
            long pid = announcedPid("a.pid");
            assertThat(running.cancel(true)).isTrue();
            assertThat(running.isCancelled()).isTrue();
            assertThat(running.isDone()).isTrue();
            assertThat(running.cancel(true)).isFalse();
            assertThatThrownBy(running::get).isInstanceOf(CancellationException.class);
            await().atMost(AWAIT).until(() -> !isRunning(pid));

            // cancel(false): the running task goes on, the one queued behind it never runs
            Future<String> gated = executor.submit(afterGate(file("gate"), "finished"));
            Future<String> queued = executor.submit(mark(file("queued"), "queued"));
            // started (not only handed to the worker): cancel(false) leaves it running
            await().atMost(AWAIT).until(() -> executor.getPool().getWorkers().stream()
                    .anyMatch(w -> w.currentTaskId().isPresent()));
            long worker = executor.getPool().getWorkers().stream().filter(w -> w.currentTaskId().isPresent())
                    .findFirst().orElseThrow().pid();
            assertThat(gated.cancel(false)).isTrue();
            assertThat(queued.cancel(false)).isTrue();
            assertThat(gated.isCancelled()).isTrue();
            Files.writeString(tmp.resolve("gate"), "open");
            assertThat(executor.submit(workerPid()).get(45, TimeUnit.SECONDS))
                    .as("the worker of the task left to finish lives on").isEqualTo(worker);
            assertThatThrownBy(gated::get).isInstanceOf(CancellationException.class);
            assertThat(tmp.resolve("queued")).doesNotExist();
        }
    }

    // ========================================================================================== interrupts

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"get", "invokeAll", "invokeAny", "awaitTermination"})
    void aThreadInterruptedWhileItWaitsGetsInterruptedException(String waitingIn) throws Exception {
        ProcessPoolExecutor executor = ProcessPoolExecutor.create(workers(1));
        try {
            Future<String> background = waitingIn.equals("get") || waitingIn.equals("awaitTermination")
                    ? executor.submit(announcePidThenSleep(file("task.pid"))) : null;
            if (waitingIn.equals("awaitTermination")) {
                executor.shutdown();
            }
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                try {
                    switch (waitingIn) {
                        case "get": background.get(); break;
                        case "invokeAll": executor.invokeAll(List.of(announcePidThenSleep(file("task.pid")))); break;
                        case "invokeAny": executor.invokeAny(List.of(announcePidThenSleep(file("task.pid")))); break;
                        default: executor.awaitTermination(1, TimeUnit.HOURS);
                    }
                    thrown.set(new AssertionError("returned"));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }, "waiter");
            waiter.start();
            long pid = announcedPid("task.pid");
            await().atMost(AWAIT).until(() -> waiter.getState() == Thread.State.WAITING
                    || waiter.getState() == Thread.State.TIMED_WAITING);
            waiter.interrupt();
            waiter.join(AWAIT.toMillis());
            assertThat(waiter.isAlive()).isFalse();
            assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
            if (waitingIn.startsWith("invoke")) {
                // the batch's tasks were cancelled: the running one's worker is killed
                await().atMost(AWAIT).until(() -> !isRunning(pid));
            } else {
                assertThat(background.isDone()).as("only the waiting stopped").isFalse();
                assertThat(isRunning(pid)).isTrue();
            }
        } finally {
            executor.shutdownNow();
            assertThat(executor.awaitTermination(45, TimeUnit.SECONDS)).isTrue();
        }
    }
}
