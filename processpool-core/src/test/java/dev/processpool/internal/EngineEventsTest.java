package dev.processpool.internal;

import dev.processpool.logging.Logs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The event seam: what the engine reports, in which order, and that no listener can break the engine. */
class EngineEventsTest {

    @Test
    void aTaskAndItsWorkerAreReportedInTheOrderTheyHappenWithTheEnginesTimes() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).maxTasksPerWorker(1).build())) {
            f.engine.start();
            f.advance(40); // the launch runs 40 ms after the decision... then the worker starts at once
            f.submit("t1");
            f.advance(5);
            f.worker(1).start();
            f.run();
            f.advance(20);
            f.worker(1).answer("twelve chars");
            f.run();
            assertThat(f.events).containsExactly(
                    "launching 1",
                    "worker 1 started as 40001 in 0 ms",
                    "queued t1",
                    "started t1 on 40001 after 5 ms",
                    "bytes t1 25",
                    "ended t1 SUCCEEDED in 20 ms on 40001",
                    "worker 1 ended RECYCLED 0",
                    "launching 2",
                    "worker 2 started as 40002 in 0 ms");
        }
    }

    @Test
    void aListenerThatThrowsOnEveryEventCannotBreakTheEngine() {
        AtomicInteger calls = new AtomicInteger();
        EngineListener hostile = new EngineListener() {
            @Override
            public void taskQueued(String taskId, long sequence) {
                calls.incrementAndGet();
                throw new IllegalStateException("queued");
            }

            @Override
            public void taskStarted(String taskId, long workerPid, long queueWaitNanos) {
                calls.incrementAndGet();
                throw new StackOverflowError("started");
            }

            @Override
            public void taskEnded(String taskId, Outcome outcome, long runNanos, long workerPid) {
                calls.incrementAndGet();
                throw new OutOfMemoryError("ended");
            }

            @Override
            public void workerStarted(int worker, long pid, long startupNanos) {
                calls.incrementAndGet();
                throw new RuntimeException("worker started");
            }

            @Override
            public void workerEnded(int worker, long pid, WorkerEnd cause, int exitCode) {
                calls.incrementAndGet();
                throw new AssertionError("worker ended");
            }

            @Override
            public void timeoutFired(Timeout kind, String taskId, long workerPid) {
                calls.incrementAndGet();
                throw new IllegalArgumentException("timeout");
            }
        };
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build(), 2, hostile)) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            f.start();
            f.submit("t1", 100, 0);
            f.submit("t2");
            f.worker(1).start();
            f.run();
            f.advance(100);
            f.worker(2).start().answer("r2");
            f.run();
            assertThat(f.failure("t1")).isInstanceOf(dev.processpool.TaskTimeoutException.class);
            assertThat(f.result("t2")).isEqualTo("r2");
            assertThat(f.outcomes("t1") + f.outcomes("t2")).isEqualTo(2);
            assertThat(calls.get()).isGreaterThanOrEqualTo(9);
        } finally {
            System.setErr(err);
        }
        // with slf4j-simple on the test class path the log goes to stderr: the first failure is logged, once
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log.split("an engine listener threw", -1)).hasSize(2);
        assertThat(Logs.class).isNotNull();
    }

    @Test
    void withNobodyListeningTheEngineComputesNoEvent() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build())) {
            PoolEngine quiet = new PoolEngine("quiet", FakeEngine.config().minSize(0).build(), f.transport, f.clock,
                    new ResultDelivery(f.clock::nanoTime), getClass().getClassLoader(), EngineListener.NONE);
            assertThat(quiet.events.on).isFalse();
            f.advance(1_000);
            Submission s = f.submission("t1", 0, 0);
            try {
                assertThat(quiet.submit(s, false, 0)).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            assertThat(s.queuedNanos).as("the clock is not even read for it").isZero();
            quiet.terminate();
        }
    }
}
