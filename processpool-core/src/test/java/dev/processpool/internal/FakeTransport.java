package dev.processpool.internal;

import dev.processpool.WorkerOutputListener;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.ValueCodec;
import dev.processpool.transport.RunQueueWaits;
import dev.processpool.transport.WorkerChannel;
import dev.processpool.transport.WorkerEvents;
import dev.processpool.transport.WorkerTransport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

/**
 * A transport without processes, for the engine's tests: the test scripts what each worker does and when
 * (it starts a task, answers it, fails, goes silent, dies, gives tasks back), and the worker's events reach
 * the engine through an {@link Executor} that stands for the channel's reader thread (in order; with a
 * {@link ManualScheduler}, run when the test says). It keeps what the engine did to each worker: the tasks
 * sent, cancelled and reclaimed, stop requests, SIGTERMs and kills.
 *
 * <p>Like the real transport, a worker reports {@link WorkerEvents#exited} exactly once, last; by default a
 * worker asked to stop, terminated or killed exits at once (exit code 0, 143 or 137). {@link TransportContract}
 * checks this fake against the same rules as the real one.
 */
final class FakeTransport implements WorkerTransport {

    private final Executor events;
    private final LongSupplier clock;
    /** Every worker launched, in order. */
    final List<Worker> launched = new CopyOnWriteArrayList<>();
    /** Messages of the next launches that fail, in order. */
    private final ConcurrentLinkedDeque<String> launchFailures = new ConcurrentLinkedDeque<>();
    /** How many launches were attempted. */
    volatile int launchAttempts;
    /** Workers start each task as soon as they can (they hold none unstarted while free). */
    volatile boolean autoStart;
    /**
     * When set, what a worker does with each task it starts, from its payload: answers it with the value
     * returned, fails it with a Throwable returned, or runs on (until killed) for {@link #RUNS_ON}.
     */
    volatile Function<TaskPayload, Object> answerOf;
    /** Workers that are asked to stop, terminated or killed exit at once; false: {@link Worker#exit} says when. */
    volatile boolean exitWhenStopped = true;
    /** When set, a kill waits for it before it takes effect: a slow {@code kill}. */
    volatile CountDownLatch killGate;
    /** The name of the thread each kill was called on. */
    final List<String> killThreads = new CopyOnWriteArrayList<>();

    /** What {@link #answerOf} returns for a task that runs until its worker is killed. */
    static final Object RUNS_ON = new Object();
    /** What {@link #answerOf} returns for a task that kills its worker (it exits by SIGKILL). */
    static final Object DIES = new Object();

    FakeTransport(Executor events, LongSupplier clock) {
        this.events = events;
        this.clock = clock;
    }

    /** The next launches fail with these messages, one each. */
    void failLaunches(String... messages) {
        launchFailures.addAll(List.of(messages));
    }

    /** {@return the worker with this number in the pool} */
    Worker worker(int number) {
        for (Worker w : launched) {
            if (w.number == number) {
                return w;
            }
        }
        throw new AssertionError("no worker " + number + " was launched; launched: " + launched);
    }

    /** The resident memory each worker launched from now on has at once (0: none readable). */
    volatile long launchRss;

    @Override
    public WorkerChannel launch(int workerNumber, WorkerEvents handler) throws IOException {
        launchAttempts++;
        String failure = launchFailures.poll();
        if (failure != null) {
            throw new IOException(failure);
        }
        Worker w = new Worker(workerNumber, handler);
        w.rss = launchRss;
        launched.add(w);
        return w;
    }

    /** The launches {@link #abortLaunch} was asked to end, by worker number. */
    final List<Integer> abortedLaunches = new CopyOnWriteArrayList<>();

    @Override
    public void abortLaunch(int workerNumber) {
        abortedLaunches.add(workerNumber); // a fake launch returns at once: there is never one to end
    }

    @Override
    public void killAll() {
        launched.forEach(w -> w.exit(137));
    }

    @Override
    public void close() {
        killAll();
    }

    /** One fake worker: its channel as the engine sees it, and the script's handles on it. */
    final class Worker implements WorkerChannel {
        final int number;
        final long pid;
        private final WorkerEvents handler;
        /** Wire numbers of the tasks sent, in order. */
        final List<Long> received = new CopyOnWriteArrayList<>();
        /** Wire numbers the engine withdrew with a CANCEL. */
        final List<Long> cancelled = new CopyOnWriteArrayList<>();
        volatile int reclaims;
        volatile boolean shutdownRequested;
        volatile boolean terminated;
        volatile boolean killed;
        /** Tasks it holds and has not started, in order (the worker's own view). */
        private final ArrayDeque<Long> held = new ArrayDeque<>();
        /** The payloads of the tasks it was sent, by wire number. */
        final Map<Long, TaskPayload> payloads = new ConcurrentHashMap<>();
        private long running = -1;
        private volatile boolean alive = true;
        private boolean exitReported;
        private volatile long lastActivity;
        private volatile long rss;
        /** Its one thread's run-queue wait in nanoseconds at a clock reading; null: unreadable. */
        private volatile LongUnaryOperator runQueueWait;

        Worker(int number, WorkerEvents handler) {
            this.number = number;
            this.pid = 40_000 + number;
            this.handler = handler;
            this.lastActivity = clock.getAsLong();
        }

        // ---- the channel, as the engine uses it -----------------------------------------------------

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public void sendTask(long sequence, TaskPayload payload, boolean flush) throws IOException {
            if (!alive) {
                throw new IOException("worker " + number + " is gone");
            }
            received.add(sequence);
            payloads.put(sequence, payload);
            synchronized (this) {
                held.addLast(sequence);
            }
            if (autoStart) {
                deliver(this::startIfFree);
            }
        }

        @Override
        public void cancelTask(long sequence) {
            cancelled.add(sequence);
            synchronized (this) {
                held.remove(sequence); // a worker drops a withdrawn task it has not started
            }
        }

        @Override
        public void reclaimUnstarted() {
            reclaims++;
            deliver(() -> {
                long[] back;
                synchronized (this) {
                    back = held.stream().mapToLong(Long::longValue).toArray();
                    held.clear();
                }
                handler.tasksGivenBack(back);
            });
        }

        @Override
        public void requestShutdown() {
            shutdownRequested = true;
            if (exitWhenStopped) {
                exit(0);
            }
        }

        @Override
        public void terminate() {
            terminated = true;
            if (exitWhenStopped) {
                exit(143);
            }
        }

        @Override
        public void kill() {
            killThreads.add(Thread.currentThread().getName());
            killed = true;
            CountDownLatch gate = killGate;
            if (gate != null) {
                try {
                    gate.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (exitWhenStopped) {
                exit(137);
            }
        }

        @Override
        public boolean isAlive() {
            return alive;
        }

        @Override
        public long lastActivityNanos() {
            return lastActivity;
        }

        @Override
        public OptionalLong residentBytes() {
            long r = rss;
            return r > 0 ? OptionalLong.of(r) : OptionalLong.empty();
        }

        @Override
        public Optional<RunQueueWaits> runQueueWaits() {
            LongUnaryOperator wait = runQueueWait;
            return wait == null ? Optional.empty()
                    : Optional.of(RunQueueWaits.of(Map.of(pid, wait.applyAsLong(clock.getAsLong()))));
        }

        // ---- the script: what the worker does ------------------------------------------------------

        /** Starts the next task it holds (it must be free). */
        Worker start() {
            deliver(() -> {
                Long next;
                synchronized (this) {
                    next = held.pollFirst();
                }
                if (next == null) {
                    throw new AssertionError("worker " + number + " holds no task to start");
                }
                started(next);
            });
            return this;
        }

        /** Reports the start of a task by wire number, whatever it holds (a lying worker). */
        Worker startForged(long wire) {
            deliver(() -> handler.taskStarted(wire));
            return this;
        }

        private void startIfFree() {
            Long next;
            synchronized (this) {
                if (running != -1 || held.isEmpty()) {
                    return;
                }
                next = held.pollFirst();
            }
            started(next);
        }

        private void started(long wire) {
            synchronized (this) {
                running = wire;
            }
            handler.taskStarted(wire);
            Function<TaskPayload, Object> answers = answerOf;
            if (answers != null) {
                Object a = answers.apply(payloads.get(wire));
                if (a instanceof Throwable t) {
                    answerNow(Protocol.FRAME_ERROR, failureBody(t.getClass().getName(), t.getMessage()));
                } else if (a == DIES) {
                    exit(128 + 9);
                } else if (a != RUNS_ON) {
                    answerNow(Protocol.FRAME_RESULT, valueBody(a));
                }
            }
        }

        /** Answers the running task with a value. */
        Worker answer(Object value) {
            byte[] body = valueBody(value);
            deliver(() -> answerNow(Protocol.FRAME_RESULT, body));
            return this;
        }

        /** Answers the running task with an exception of this type and message (its text form only). */
        Worker fail(String type, String message) {
            byte[] body = failureBody(type, message);
            deliver(() -> answerNow(Protocol.FRAME_ERROR, body));
            return this;
        }

        /** Answers the running task with an exception it threw after its soft timeout interrupted it. */
        Worker failAfterSoftTimeout(String type, String message) {
            byte[] body = failureBody(RemoteFailure.THREW_AFTER_SOFT_TIMEOUT, type, message);
            deliver(() -> answerNow(Protocol.FRAME_ERROR, body));
            return this;
        }

        /** Answers a task by wire number with a value, whatever it runs (a lying worker). */
        Worker answerForged(long wire, Object value) {
            byte[] body = valueBody(value);
            deliver(() -> answerFrame(Protocol.FRAME_RESULT, wire, body));
            return this;
        }

        private void answerNow(byte type, byte[] body) {
            long wire;
            synchronized (this) {
                wire = running;
                running = -1;
            }
            if (wire == -1) {
                throw new AssertionError("worker " + number + " runs no task to answer");
            }
            answerFrame(type, wire, body);
            if (autoStart) {
                startIfFree();
            }
        }

        private void answerFrame(byte type, long wire, byte[] value) {
            lastActivity = clock.getAsLong();
            try {
                if (handler.answerArriving(type, wire, value.length)) {
                    ByteBuffer b = ByteBuffer.allocate(8 + value.length).putLong(wire).put(value);
                    handler.answer(new Frame(type, b.array()));
                }
            } catch (ProtocolException e) {
                exit(137); // the engine broke off the channel: the real reader stops, the worker is killed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Reports progress of the running task. */
        Worker progress() {
            deliver(() -> {
                long wire;
                synchronized (this) {
                    wire = running;
                }
                handler.taskProgress(wire);
            });
            return this;
        }

        /** Sends a heartbeat (a sign of life). */
        Worker heartbeat() {
            deliver(handler::heartbeat);
            return this;
        }

        /** Gives back the tasks it holds unstarted (as if asked). */
        Worker giveBackAll() {
            reclaimUnstarted();
            reclaims--;
            return this;
        }

        /** Writes a line of output, marked as written by this task (-1: unmarked). */
        Worker output(WorkerOutputListener.Stream stream, String line, long wire) {
            deliver(() -> handler.output(stream, line, wire));
            return this;
        }

        /** Its resident memory from now on. */
        Worker rss(long bytes) {
            rss = bytes;
            return this;
        }

        /**
         * How long its thread has waited for a CPU, in nanoseconds, as a function of the clock's nanoseconds
         * from now on; null: it cannot be read (as by default).
         */
        Worker runQueueWait(LongUnaryOperator nanosAtClock) {
            runQueueWait = nanosAtClock;
            return this;
        }

        /** Sends garbage: the transport reports a broken channel, then the worker's exit. */
        Worker breakChannel(String reason) {
            deliver(() -> handler.channelBroken(reason));
            exit(137);
            return this;
        }

        /** Its process exits with this code (128 + n: killed by signal n); reported once, last. */
        Worker exit(int code) {
            alive = false;
            deliver(() -> {
                synchronized (this) {
                    if (exitReported) {
                        return;
                    }
                    exitReported = true;
                    held.clear();
                    running = -1;
                }
                handler.exited(code, List.of("fake worker " + number + " exits with " + code));
            });
            return this;
        }

        boolean exitReported() {
            synchronized (this) {
                return exitReported;
            }
        }

        /** Delivers an event as the reader thread would: in order, and never after the exit. */
        private void deliver(Runnable event) {
            events.execute(() -> {
                synchronized (this) {
                    if (exitReported) {
                        return;
                    }
                }
                lastActivity = clock.getAsLong();
                event.run();
            });
        }

        @Override
        public String toString() {
            return "fake worker " + number + " (pid " + pid + ")";
        }
    }

    static byte[] valueBody(Object value) {
        try {
            return ValueCodec.encode(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] failureBody(String type, String message) {
        return failureBody(RemoteFailure.TASK_THREW, type, message);
    }

    static byte[] failureBody(byte kind, String type, String message) {
        try {
            return new RemoteFailure(kind, type + ": " + message, List.of(
                    new RemoteFailure.Level(type, message, new StackTraceElement[0])), null).encode();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A payload the fake never reads. */
    static TaskPayload payload() {
        return new TaskPayload(new byte[] {1}, null, new byte[0]);
    }

    /** A payload that names its task, for {@link #answerOf} to tell tasks apart ({@link #taskIdOf}). */
    static TaskPayload payload(String taskId) {
        try {
            return new TaskPayload(new byte[] {1}, null, TaskPayload.encodeArguments(List.of(taskId), Map.of()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The task id a {@link #payload(String)} names. */
    static String taskIdOf(TaskPayload payload) {
        try {
            return (String) ((List<?>) payload.decodeArguments(FakeTransport.class.getClassLoader())[0]).get(0);
        } catch (IOException | ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }
}
