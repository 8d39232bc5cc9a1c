package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.RemoteException;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskTimeoutException;
import dev.processpool.logging.Logs;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;
import dev.processpool.protocol.RemoteFailure;
import dev.processpool.protocol.ValueCodec;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * Turns tasks' answers (RESULT and ERROR frames) into outcomes, in one place, off the channels' reader
 * threads wherever the work is not bounded by the frame's size:
 * <ul>
 *   <li>plain values ({@link ValueCodec}'s compact form, a lone {@code byte[]}) and the text of a failure
 *       are decoded in the calling thread: their work is linear in the bytes, and no code of theirs runs;</li>
 *   <li>Java-serialised results, and the serialised exception of a failure, run arbitrary {@code readObject},
 *       {@code hashCode} and {@code equals} code while they are rebuilt, which may take forever ("SerialDOS":
 *       hash sets nested in one another that share their elements). They are decoded on decoding threads (at
 *       most one per core at a time), through the deserialisation filter, an allocation budget per stream,
 *       and a bound on the CPU time the rebuilding may take: {@code resultDecodeTimeout} plus 1 s per
 *       {@value Tuning#DECODE_MIB_PER_EXTRA_SECOND} MiB of the frame. The filter checks the bound whenever the stream reads a class, an array or a reference,
 *       and stops the decoding there. A graph whose costly part runs without reading anything (one hash of a
 *       huge structure) cannot be stopped in a JVM: at twice the bound plus
 *       {@value Tuning#DECODE_WALL_EXTRA_SECONDS} s its task fails all the same, and its thread is abandoned
 *       (it spins until it ends, if ever; logged).</li>
 * </ul>
 * Each answer's reservation of the {@link ResultMemoryBudget} is released once it is decoded. An answer is
 * first {@linkplain #read read} (an ERROR frame's fields are parsed, and a malformed one is the worker's
 * protocol violation), then {@linkplain #decode decoded} into its task's outcome.
 */
final class ResultDecoder {

    /** Extra CPU time allowed per this many bytes of the frame. */
    static final long BYTES_PER_EXTRA_SECOND = (long) Tuning.DECODE_MIB_PER_EXTRA_SECOND << 20;

    /** Reports a task's outcome (once: later calls for the same task do nothing). */
    interface Outcomes {
        void finish(Submission s, Object value, TaskException failure);
    }

    private final String pool;
    private final ClassLoader loader;
    private final ObjectInputFilter filter;
    private final long cpuBoundNanos;
    private final Scheduler timer;
    private final Outcomes outcomes;
    private final Events events;
    private final ExecutorService threads;
    private final int parallelism = Math.max(1, Runtime.getRuntime().availableProcessors());
    /** Decodings waiting for a thread. Guarded by {@code this}. */
    private final ArrayDeque<Job> waiting = new ArrayDeque<>();
    /** Decodings running (abandoned ones no longer count). Guarded by {@code this}. */
    private int running;
    private final Set<Job> unfinished = ConcurrentHashMap.newKeySet();

    ResultDecoder(String pool, PoolConfig config, ClassLoader loader, Scheduler timer, Outcomes outcomes,
                  Events events) {
        this.pool = pool;
        this.loader = loader;
        this.timer = timer;
        this.outcomes = outcomes;
        this.events = events;
        this.cpuBoundNanos = config.getResultDecodeTimeout().toNanos();
        long limit = config.getMaxFrameBytes();
        String user = config.getDeserializationFilter();
        this.filter = ObjectInputFilter.Config.createFilter(
                "maxdepth=1000;maxrefs=50000000;maxarray=" + limit + ";maxbytes=" + limit + ";"
                        + PoolConfig.DEFAULT_REJECTED_CLASSES + (user.isEmpty() ? "" : ";" + user));
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, pool + "-decoder-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    // ========================================================================================= answers

    /** A task's answer, read whole and checked: a RESULT frame, or the parsed failure of an ERROR frame. */
    record Answer(Frame result, RemoteFailure failure) {
    }

    /**
     * Reads an answer's frame: a RESULT as it is, an ERROR parsed into its failure (linear work: its counts
     * are checked against the bytes).
     *
     * @throws ProtocolException if an ERROR frame is malformed
     */
    static Answer read(Frame frame) throws ProtocolException {
        return frame.type() == Protocol.FRAME_ERROR ? new Answer(null, parseFailure(frame)) : new Answer(frame, null);
    }

    /** Gives an answer's task its outcome: now when the answer is plain, else from a decoding thread. */
    void decode(Submission s, long pid, Answer answer, ResultMemoryBudget.Reservation r) {
        if (answer.failure() == null) {
            result(s, pid, answer.result(), r);
        } else {
            failure(s, pid, answer.failure(), r);
        }
    }

    /** A RESULT frame: its task's outcome, now when the value is plain, else from a decoding thread. */
    private void result(Submission s, long pid, Frame frame, ResultMemoryBudget.Reservation r) {
        byte[] direct = frame.bytesValue();
        byte[] body = frame.body();
        if (direct != null || !isJavaStream(body, 8)) {
            try {
                Object value = ValueCodec.decodeResult(frame, loader, null);
                outcomes.finish(s, value, null);
            } catch (Throwable e) {
                outcomes.finish(s, null, new ResultTransferException(s.taskId, pid,
                        "the parent could not read the result: " + e, e));
            } finally {
                r.release();
            }
            return;
        }
        submit(new Job(s, pid, body, null, r));
    }

    /** Parses an ERROR frame's body; its counts are checked against the bytes, so this is linear work. */
    private static RemoteFailure parseFailure(Frame frame) throws ProtocolException {
        try {
            DataInputStream in = frame.fields();
            in.skipNBytes(8);
            return RemoteFailure.decode(in);
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ProtocolException("malformed ERROR frame: " + e);
        }
    }

    /** A parsed ERROR: its task's outcome, with the worker's exception rebuilt here when possible. */
    private void failure(Submission s, long pid, RemoteFailure failure, ResultMemoryBudget.Reservation r) {
        if (failure.serialized() == null) {
            try {
                outcomes.finish(s, null, outcome(s, pid, failure, textForm(failure)));
            } finally {
                r.release();
            }
            return;
        }
        submit(new Job(s, pid, failure.serialized(), failure, r));
    }

    private static boolean isJavaStream(byte[] b, int offset) {
        return b.length - offset >= 2 && b[offset] == (byte) 0xAC && b[offset + 1] == (byte) 0xED;
    }

    private static TaskException outcome(Submission s, long pid, RemoteFailure failure, Throwable remote) {
        RemoteFailure.Level top = failure.levels().get(0);
        if (failure.kind() == RemoteFailure.THREW_AFTER_SOFT_TIMEOUT) {
            return new TaskTimeoutException(s.taskId, pid,
                    java.time.Duration.ofNanos(s.payload.softTimeoutNanos()), remote);
        }
        return failure.kind() == RemoteFailure.RESULT_NOT_SERIALIZABLE
                ? new ResultTransferException(s.taskId, pid, "the result could not be serialised in the worker: "
                        + top.type() + (top.message() == null ? "" : ": " + top.message()), remote)
                : new TaskExecutionException(s.taskId, pid, remote, top.type(), top.message(),
                        failure.printedStackTrace());
    }

    /** The worker's exception as stand-ins: type, message and stack trace of each level. */
    private static Throwable textForm(RemoteFailure failure) {
        Throwable cause = null;
        List<RemoteFailure.Level> levels = failure.levels();
        for (int i = levels.size() - 1; i >= 0; i--) {
            RemoteFailure.Level l = levels.get(i);
            cause = new RemoteException(l.type(), l.message(), l.frames(), cause);
        }
        return cause;
    }

    // ================================================================================ decoding threads

    private synchronized void submit(Job job) {
        unfinished.add(job);
        if (running < parallelism) {
            running++;
            start(job);
        } else {
            waiting.addLast(job);
        }
    }

    private void start(Job job) {
        try {
            threads.execute(job);
        } catch (RejectedExecutionException shutDown) {
            job.cancel(new ResultTransferException(job.s.taskId, job.pid,
                    "the pool shut down before the result was decoded", null));
            job.releaseSlot();
        }
    }

    /** A decoding has ended or was abandoned: the next one may start. */
    private synchronized void slotFree() {
        Job next = waiting.pollFirst();
        if (next != null) {
            start(next);
        } else {
            running--;
        }
    }

    /** Ends the decodings not yet finished (the pool shuts down); their tasks get {@code outcome}. */
    void cancelAll(Function<Submission, TaskException> outcome) {
        for (Job j : unfinished) {
            j.cancel(outcome.apply(j.s));
        }
    }

    void shutdown() {
        threads.shutdownNow();
    }

    /**
     * The thread CPU clock, set up on first use: only a Java-serialised result needs it, and setting up the
     * platform's management beans costs a pool's start about 10 ms of CPU (a CLI run of compact results never
     * does).
     */
    private static final class CpuClock {
        static final ThreadMXBean CPU = cpuClock();

        private static ThreadMXBean cpuClock() {
            try {
                ThreadMXBean b = ManagementFactory.getThreadMXBean();
                return b.isCurrentThreadCpuTimeSupported() ? b : null;
            } catch (Throwable e) {
                return null; // no java.management: wall time instead
            }
        }
    }

    private static long cpuNow() {
        ThreadMXBean cpu = CpuClock.CPU;
        return cpu != null ? cpu.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** One Java-serialised result, or the serialised exception of a failure, rebuilt on a decoding thread. */
    private final class Job implements Runnable {
        final Submission s;
        final long pid;
        final byte[] bytes;
        /** The failure whose exception this rebuilds, or null for a result. */
        final RemoteFailure failure;
        final ResultMemoryBudget.Reservation reservation;
        final long boundNanos;
        /** The task's outcome has been given (decoded, failed, abandoned or cancelled). */
        private final AtomicBoolean ended = new AtomicBoolean();
        /** The job's decoding slot has been given back (its thread ended, or it was abandoned). */
        private final AtomicBoolean slotReleased = new AtomicBoolean();
        private volatile boolean expired;
        private volatile Scheduler.Timer watchdog;
        private volatile Thread thread;

        Job(Submission s, long pid, byte[] bytes, RemoteFailure failure, ResultMemoryBudget.Reservation r) {
            this.s = s;
            this.pid = pid;
            this.bytes = bytes;
            this.failure = failure;
            this.reservation = r;
            this.boundNanos = cpuBoundNanos + TimeUnit.SECONDS.toNanos(bytes.length / BYTES_PER_EXTRA_SECOND);
        }

        long wallBoundNanos() {
            return 2 * boundNanos + TimeUnit.SECONDS.toNanos(Tuning.DECODE_WALL_EXTRA_SECONDS);
        }

        @Override
        public void run() {
            thread = Thread.currentThread();
            try (LogContext c = LogContext.enter(pool, pid, s.taskId)) {
                if (!ended.get()) {
                    decode();
                }
            } finally {
                releaseSlot();
            }
        }

        private void decode() {
            // null once the pool is gone: the CPU bound still applies
            watchdog = timer.schedule(this::abandon, wallBoundNanos());
            StreamFilter f = new StreamFilter(this);
            Object value = null;
            Throwable problem = null;
            try {
                int offset = failure == null ? 8 : 0;
                value = JavaSerialization.deserialize(bytes, offset, bytes.length - offset, loader, f);
            } catch (Throwable e) {
                problem = e;
            }
            if (failure != null) {
                end(null, outcome(s, pid, failure, value instanceof Throwable t ? t : textForm(failure)));
            } else if (problem == null) {
                end(value, null);
            } else {
                end(null, new ResultTransferException(s.taskId, pid, "the parent could not read the result: "
                        + (f.rejected != null ? f.rejected : problem.toString()), problem));
            }
        }

        /** Gives the task its outcome, once, and the answer's memory back. */
        private void end(Object value, TaskException outcome) {
            if (!ended.compareAndSet(false, true)) {
                return;
            }
            unfinished.remove(this);
            Scheduler.Timer w = watchdog;
            if (w != null) {
                w.cancel();
            }
            reservation.release();
            outcomes.finish(s, value, outcome);
        }

        private void releaseSlot() {
            if (slotReleased.compareAndSet(false, true)) {
                slotFree();
            }
        }

        /** The decoding did not end within the wall-clock bound: fail its task now, give its slot to another. */
        private void abandon() {
            expired = true;
            if (ended.get()) {
                return;
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(wallBoundNanos());
            if (events.on()) {
                events.emit(l -> l.timeoutFired(EngineListener.Timeout.DECODE, s.taskId, pid));
            }
            Thread t = thread;
            try (LogContext c = LogContext.enter(pool, pid, s.taskId)) {
                Logs.quietly(() -> LOG.error("{}: decoding the answer of {} ({} bytes) did not end within {} ms;"
                        + " its task fails and the decoding thread {} is abandoned (a JVM cannot stop it). A"
                        + " deserializationFilter allow-list keeps such graphs out.", pool, s, bytes.length, ms,
                        t == null ? "-" : t.getName()));
            }
            end(null, failure != null ? outcome(s, pid, failure, textForm(failure))
                    : new ResultTransferException(s.taskId, pid, "decoding the result did not end within " + ms
                            + " ms (" + bytes.length + " bytes); its decoding was abandoned", null));
            if (t != null) {
                t.interrupt();
            }
            releaseSlot();
        }

        /** The pool shuts down: the task ends with {@code outcome}; the decoding stops at its next filter check. */
        void cancel(TaskException outcome) {
            expired = true;
            end(null, outcome);
        }
    }

    /**
     * The result filter for one stream, plus an allocation budget: the arrays it announces (and the
     * collections that check their capacity through the filter) may not add up to more than 4 elements per
     * byte of the stream. Every element takes at least one byte on the wire (a hash table's capacity is at
     * most ~2.7 per entry, and an entry takes at least two), so real data always fits, while a few hundred
     * bytes announcing huge arrays cannot make the parent allocate gigabytes: ObjectInputStream allocates an
     * array before it reads its elements. It also stops the decoding once it has used its CPU time. Remembers
     * the first rejection, for the task's error message (the JDK only says "filter status: REJECTED").
     */
    private final class StreamFilter implements ObjectInputFilter {
        private final Job job;
        private final long budget;
        private final long wallStart = System.nanoTime();
        private final long cpuStart = cpuNow();
        private long announced;
        String rejected;

        StreamFilter(Job job) {
            this.job = job;
            this.budget = 4L * job.bytes.length + 1024;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (job.expired) {
                return reject("the decoding was abandoned");
            }
            // CPU time is read only once wall time says it may be over (it never runs ahead of wall time)
            if (System.nanoTime() - wallStart > job.boundNanos && cpuNow() - cpuStart > job.boundNanos) {
                return reject("decoding the result took more than " + TimeUnit.NANOSECONDS.toMillis(job.boundNanos)
                        + " ms of CPU time (resultDecodeTimeout, for " + job.bytes.length + " bytes): an object graph"
                        + " that is too costly to rebuild, such as hash sets nested in one another that share their"
                        + " elements");
            }
            long length = info.arrayLength();
            boolean overBudget = length >= 0 && (announced += length) > budget;
            Status status = overBudget ? Status.REJECTED : filter.checkInput(info);
            if (status == Status.REJECTED && rejected == null) {
                Class<?> c = info.serialClass();
                rejected = "the deserialisation filter rejected " + (c == null ? "an object" : c.getName())
                        + " (depth " + info.depth() + ", references " + info.references()
                        + (length >= 0 ? ", array length " + length : "") + ")"
                        + (overBudget ? ": its arrays announce more elements than the " + (budget - 1024) / 4
                                + "-byte stream can hold" : "");
            }
            return status;
        }

        private Status reject(String why) {
            if (rejected == null) {
                rejected = why;
            }
            return Status.REJECTED;
        }
    }
}
