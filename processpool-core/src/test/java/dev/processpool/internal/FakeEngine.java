package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.TaskException;
import org.assertj.core.api.Assertions;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A {@link PoolEngine} on a {@link FakeTransport} and a {@link ManualScheduler}: no process, no thread, no
 * sleep. The test queues tasks, scripts the workers, moves the clock by literal milliseconds and looks at
 * outcomes and at the engine's events (as an {@link EngineListener} hears them, one line each, in order).
 */
final class FakeEngine implements AutoCloseable {

    final ManualScheduler clock;
    final FakeTransport transport;
    final PoolEngine engine;
    /** The engine's events, one line each, in order. */
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Object> results = new LinkedHashMap<>();
    private final Map<String, TaskException> failures = new LinkedHashMap<>();
    private final Map<String, Integer> outcomeCounts = new LinkedHashMap<>();
    private long sequences;

    /**
     * Settings for fake pools: no heartbeats (no silence to watch for), an unbounded queue and no pipelining
     * (a fake task takes no time, so every worker would pipeline), unless a test says otherwise.
     */
    static PoolConfig.Builder config() {
        return PoolConfig.builder().heartbeatInterval(Duration.ZERO).maxQueuedRequests(0).pipelineDepth(1);
    }

    FakeEngine(PoolConfig config) {
        this(config, 2, null);
    }

    /**
     * @param maxLaunches launches at once
     * @param listener    hears the events too (after the recording), or null
     */
    FakeEngine(PoolConfig config, int maxLaunches, EngineListener listener) {
        clock = new ManualScheduler(maxLaunches);
        transport = new FakeTransport(clock.events(), clock::nanoTime);
        EngineListener recorder = new Recorder(listener);
        engine = new PoolEngine("fake", config, transport, clock, new ResultDelivery(clock::nanoTime),
                getClass().getClassLoader(), recorder);
    }

    /** Starts the engine and runs what is ready (its launches, the workers' start). */
    FakeEngine start() {
        engine.start();
        run();
        return this;
    }

    /** Runs whatever is ready now (no time passes). */
    void run() {
        clock.runReady();
    }

    /** Lets {@code millis} pass. */
    void advance(long millis) {
        clock.advance(millis);
    }

    FakeTransport.Worker worker(int number) {
        return transport.worker(number);
    }

    /** {@return the worker a task was given to (and that has not ended it yet)} */
    FakeTransport.Worker workerOf(Submission s) {
        engine.lock.lock();
        try {
            Assertions.assertThat(s.worker).as("the worker of %s", s).isNotNull();
            return transport.worker(s.worker.number);
        } finally {
            engine.lock.unlock();
        }
    }

    // ===================================================================================== tasks

    /** Queues a task with no timeouts (never blocks: the queue is unbounded unless the test bounds it). */
    Submission submit(String id) {
        return submit(id, 0, 0);
    }

    Submission submit(String id, long timeoutMillis, long progressTimeoutMillis) {
        Submission s = submission(id, timeoutMillis, progressTimeoutMillis);
        try {
            Assertions.assertThat(engine.submit(s, false, 0)).as("%s queued", id).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        run();
        return s;
    }

    /** Queues tasks one after the other with nothing run in between (no worker starts meanwhile). */
    void submitAll(String... ids) {
        for (String id : ids) {
            try {
                Assertions.assertThat(engine.submit(submission(id, 0, 0), false, 0)).as("%s queued", id).isTrue();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        run();
    }

    /** Queues a task without waiting for a slot; false if the queue was full. */
    boolean offer(String id) throws InterruptedException {
        boolean queued = engine.submit(submission(id, 0, 0), false, 0);
        run();
        return queued;
    }

    Submission submission(String id, long timeoutMillis, long progressTimeoutMillis) {
        Duration timeout = Duration.ofMillis(timeoutMillis);
        Duration progress = Duration.ofMillis(progressTimeoutMillis);
        return new Submission(++sequences, id, FakeTransport.payload(), () -> timeout, () -> progress,
                new TaskCompletion() {
                    @Override
                    public boolean complete(Object result, TaskException failure, long workerPid, long runNanos) {
                        synchronized (FakeEngine.this) {
                            outcomeCounts.merge(id, 1, Integer::sum);
                            if (failure == null) {
                                results.put(id, result);
                            } else {
                                failures.put(id, failure);
                            }
                        }
                        return false;
                    }

                    @Override
                    public void runCallbacks() {
                    }
                });
    }

    synchronized boolean ended(String id) {
        return outcomeCounts.containsKey(id);
    }

    synchronized int outcomes(String id) {
        return outcomeCounts.getOrDefault(id, 0);
    }

    synchronized Object result(String id) {
        Assertions.assertThat(results).as("results").containsKey(id);
        return results.get(id);
    }

    synchronized TaskException failure(String id) {
        Assertions.assertThat(failures).as("failures (results: %s)", results).containsKey(id);
        return failures.get(id);
    }

    /** {@return the events that start with this prefix} */
    List<String> events(String prefix) {
        synchronized (events) {
            return events.stream().filter(e -> e.startsWith(prefix)).toList();
        }
    }

    @Override
    public void close() {
        engine.terminate();
    }

    /** Writes each event as a line; times in whole milliseconds of the fake clock. */
    private final class Recorder implements EngineListener {
        private final EngineListener next;

        Recorder(EngineListener next) {
            this.next = next;
        }

        private void add(String line, Runnable forward) {
            events.add(line);
            if (next != null) {
                forward.run();
            }
        }

        private long ms(long nanos) {
            return TimeUnit.NANOSECONDS.toMillis(nanos);
        }

        @Override
        public void taskQueued(String taskId, long sequence) {
            add("queued " + taskId, () -> next.taskQueued(taskId, sequence));
        }

        @Override
        public void taskStarted(String taskId, long workerPid, long queueWaitNanos) {
            add("started " + taskId + " on " + workerPid + " after " + ms(queueWaitNanos) + " ms",
                    () -> next.taskStarted(taskId, workerPid, queueWaitNanos));
        }

        @Override
        public void taskEnded(String taskId, Outcome outcome, long runNanos, long workerPid) {
            add("ended " + taskId + " " + outcome + " in " + ms(runNanos) + " ms on " + workerPid,
                    () -> next.taskEnded(taskId, outcome, runNanos, workerPid));
        }

        @Override
        public void timeoutFired(Timeout kind, String taskId, long workerPid) {
            add("timeout " + kind + " " + taskId + " on " + workerPid, () -> next.timeoutFired(kind, taskId, workerPid));
        }

        @Override
        public void workerLaunching(int worker) {
            add("launching " + worker, () -> next.workerLaunching(worker));
        }

        @Override
        public void workerStarted(int worker, long pid, long startupNanos) {
            add("worker " + worker + " started as " + pid + " in " + ms(startupNanos) + " ms",
                    () -> next.workerStarted(worker, pid, startupNanos));
        }

        @Override
        public void workerEnded(int worker, long pid, WorkerEnd cause, int exitCode) {
            add("worker " + worker + " ended " + cause + " " + exitCode, () -> next.workerEnded(worker, pid, cause, exitCode));
        }

        @Override
        public void resultBytes(String taskId, long workerPid, long bytes) {
            add("bytes " + taskId + " " + bytes, () -> next.resultBytes(taskId, workerPid, bytes));
        }
    }
}
