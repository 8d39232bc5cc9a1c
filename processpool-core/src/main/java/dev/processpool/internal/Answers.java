package dev.processpool.internal;

import dev.processpool.ResultTransferException;
import dev.processpool.protocol.Frame;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.util.Objects;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * A task's answer (a RESULT or ERROR frame) from its header to its decoding: admitted by the worker's protocol
 * state and the {@link ResultMemoryBudget} before its body is read, then, once whole, handed to the
 * {@link ResultDecoder} after the worker has been freed for its next task. Called from the worker's channel
 * reader, in order.
 */
final class Answers {

    private final PoolEngine engine;
    private final ResultMemoryBudget budget;
    final ResultDecoder decoder;

    Answers(PoolEngine engine, ResultMemoryBudget budget, ResultDecoder decoder) {
        this.engine = engine;
        this.budget = budget;
        this.decoder = decoder;
    }

    /**
     * The header of a task's answer has arrived (see {@link dev.processpool.transport.WorkerEvents#answerArriving}).
     * It must answer the task the worker last reported STARTED, else the worker is killed (its running task
     * fails, the tasks it holds run elsewhere) and the body is not read. An answer whose task already has its
     * outcome (a timeout, a cancellation) is skipped unread; one larger than the whole result memory budget
     * fails its task at once and is skipped. Otherwise its size is reserved, waiting for it if need be, before
     * the body is read.
     *
     * @return whether to read the body
     */
    boolean arriving(WorkerHandle w, byte type, long wire, int valueBytes) throws ProtocolException, InterruptedException {
        String frame = Protocol.frameName(type);
        String violation;
        Submission s = null;
        Submission tooLarge = null;
        Actions a = null;
        long bytes = 8L + valueBytes;
        engine.lock.lock();
        try {
            violation = w.protocol.answering(frame, wire);
            if (violation == null) {
                s = w.find(wire);
                if (s == null || s.isFinished()) {
                    w.protocol.answered(engine.clock.nanoTime());
                    return false; // its outcome was decided: a late answer
                }
                if (engine.events.on) {
                    String taskId = s.taskId;
                    engine.events.emit(l -> l.resultBytes(taskId, w.pid, bytes));
                }
                if (bytes > budget.capacity()) {
                    w.protocol.answered(engine.clock.nanoTime());
                    tooLarge = s;
                    a = engine.endedLocked(w, s);
                } else {
                    w.answering = s;
                }
            }
        } finally {
            engine.lock.unlock();
        }
        if (violation != null) {
            engine.stopper.violation(w, violation);
            throw new ProtocolException(violation);
        }
        if (tooLarge != null) {
            String what = type == Protocol.FRAME_RESULT ? "the result" : "the task's exception";
            engine.finish(tooLarge, null, new ResultTransferException(tooLarge.taskId, w.pid, what + " of " + bytes
                    + " bytes (" + (bytes >> 20) + " MiB) is larger than the parent's result memory budget of "
                    + budget.capacity() + " bytes (" + (budget.capacity() >> 20) + " MiB; PoolConfig"
                    + " resultMemoryBudget, by default a quarter of the parent's maximum heap); its bytes were"
                    + " skipped", null));
            engine.act(a);
            return false;
        }
        ResultMemoryBudget.Reservation r = budget.tryReserve(bytes);
        if (r == null) {
            r = awaitBudget(w, Objects.requireNonNull(s), bytes);
        }
        w.inTransit = r;
        return true;
    }

    /** Waits for budget; the wait is not the worker's silence, nor its task's running time. */
    private ResultMemoryBudget.Reservation awaitBudget(WorkerHandle w, Submission s, long bytes)
            throws InterruptedException {
        long since = engine.clock.nanoTime();
        engine.lock.lock();
        try {
            w.budgetWaitSinceNanos = since;
            s.pausedSinceNanos = since;
        } finally {
            engine.lock.unlock();
        }
        LOG.debug("{}: the answer of {} ({} bytes) waits for the result memory budget ({} of {} bytes in use)",
                engine.name, s, bytes, budget.used(), budget.capacity());
        try {
            return budget.reserve(bytes);
        } finally {
            boolean recheck;
            engine.lock.lock();
            try {
                long now = engine.clock.nanoTime();
                w.budgetWaitSinceNanos = 0;
                w.budgetWaitEndedNanos = now;
                s.pausedNanos += now - s.pausedSinceNanos;
                s.pausedSinceNanos = 0;
                s.lastProgressNanos = Math.max(s.lastProgressNanos, now);
                recheck = s.deadlineDue;
                s.deadlineDue = false;
            } finally {
                engine.lock.unlock();
            }
            if (recheck) {
                engine.watchdog.afterBudgetWait(w, s);
            }
        }
    }

    /**
     * A task's answer, read whole after {@link #arriving} admitted it: the worker is free for its next task at
     * once, and the answer is decoded (here when plain, else by the decoder's threads). A malformed ERROR frame
     * is the worker's protocol violation.
     */
    void arrived(WorkerHandle w, Frame frame) {
        ResultMemoryBudget.Reservation r = w.inTransit;
        w.inTransit = null;
        ResultDecoder.Answer answer;
        try {
            answer = ResultDecoder.read(frame);
        } catch (ProtocolException e) {
            r.release();
            engine.lock.lock();
            try {
                w.protocol.answered(engine.clock.nanoTime());
                w.answering = null;
            } finally {
                engine.lock.unlock();
            }
            engine.stopper.violation(w, e.getMessage());
            return;
        }
        Submission s;
        Actions a = null;
        engine.lock.lock();
        try {
            w.protocol.answered(engine.clock.nanoTime());
            s = w.answering;
            w.answering = null;
            if (s != null && !s.isFinished() && (s.worker == w || s.worker == null)) {
                a = engine.endedLocked(w, s);
            }
        } finally {
            engine.lock.unlock();
        }
        if (a == null) {
            r.release(); // its outcome was decided while its bytes came in
            return;
        }
        a.run();
        decoder.decode(s, w.pid, answer, r);
    }
}
