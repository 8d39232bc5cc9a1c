package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

import java.util.concurrent.TimeUnit;

/**
 * Reads the input, in its own thread: skips blank lines and (with {@code --resume}) lines done before, gives
 * every other line its sequence number in the output, and hands it to {@link LineTasks}, which blocks while
 * the pool's queue is full, so input is read only as fast as it is worked off. With {@code --ordered},
 * reading also pauses while {@value #ORDER_WINDOW} results wait for an earlier one.
 *
 * <p>Once the run stops, lines still read are reported as not run: all of a file; of stdin, what keeps
 * coming ({@link #awaitEnd}).
 */
final class Feeder implements Runnable {

    /** Past this many finished results waiting for a slower earlier one, --ordered pauses reading. */
    static final int ORDER_WINDOW = 10_000;

    private final RunContext run;
    private final InputLines in;
    private final Resume resume;
    private final Outcomes out;
    private final LineTasks tasks;
    private final Chunks chunks;
    private Chunks.Chunk chunk;
    private long seqs;
    private volatile boolean done;
    private volatile boolean failed;
    private volatile long lastLineNanos = System.nanoTime();

    /**
     * @param chunks how lines go into chunks, or null for a line per task
     */
    Feeder(RunContext run, InputLines in, Resume resume, Outcomes out, LineTasks tasks, Chunks chunks) {
        this.run = run;
        this.in = in;
        this.resume = resume;
        this.out = out;
        this.tasks = tasks;
        this.chunks = chunks;
    }

    /** Whether the input has been read to its end (or reading failed). */
    boolean done() {
        return done;
    }

    /** Whether reading the input failed. */
    boolean failed() {
        return failed;
    }

    @Override
    public void run() {
        long line = 0;
        try (in) {
            for (InputLines.Line l; (l = in.next()) != null; ) {
                line = l.number();
                feed(l);
            }
            queueChunk();
        } catch (Throwable e) {
            if (!run.stop().finishing()) {
                failed = true;
                run.console().message("processpool: reading the input failed after line " + line + ": "
                        + Runner.describe(e));
            }
            queueChunk();
        } finally {
            done = true;
            run.stop().wake();
        }
    }

    /**
     * Gives one line read its way: skipped, reported, into the chunk being filled, or to the pool. A method of
     * its own, called once per line, which the JIT compiles after a few hundred lines: the loop that calls it
     * runs once per run, and the JIT would compile that only after tens of thousands of rounds.
     */
    private void feed(InputLines.Line l) throws IOException {
        long line = l.number();
        lastLineNanos = System.nanoTime();
        if (l.text() != null && l.text().isBlank()) {
            return;
        }
        // the id is read here only when it is needed here: in chunks, the worker reads it
        JsonNode id = null;
        boolean idRead = false;
        if (resume != null) {
            id = InputParser.outputId(l);
            idRead = true;
            if (resume.skip(id, line)) {
                run.stats().lineSkipped();
                return;
            }
        }
        awaitOrderWindow();
        long seq = seqs++;
        run.stats().lineRead();
        if (run.stop().stopping() || l.text() == null) {
            queueChunk();
            if (!idRead) {
                id = InputParser.outputId(l);
            }
            if (run.stop().stopping()) {
                out.notRun(seq, line, id);
            } else {
                out.badInput(seq, line, id, l.problem());
            }
            return;
        }
        if (chunks != null) {
            if (chunk == null) {
                chunk = new Chunks.Chunk();
            }
            chunk.add(seq, line, l.text());
            if (chunk.size() >= chunks.size() || chunk.bytes() >= Chunks.MAX_BYTES || !in.ready()) {
                queueChunk();
            }
            return;
        }
        tasks.submitLine(seq, line, idRead ? id : InputParser.outputId(l), l.text());
    }

    /** Queues the chunk being filled, if there is one. */
    private void queueChunk() {
        Chunks.Chunk c = chunk;
        chunk = null;
        if (c != null) {
            tasks.submit(c);
        }
    }

    /** With --ordered, waits while {@value #ORDER_WINDOW} finished results wait for an earlier one. */
    private void awaitOrderWindow() {
        if (run.settings().ordered()) {
            if (out.waitingCount() >= ORDER_WINDOW) {
                queueChunk(); // the results that wait may wait for a line in it
            }
            run.stop().await(() -> run.stop().stopping() || out.waitingCount() < ORDER_WINDOW, 50, Long.MAX_VALUE);
        }
    }

    /**
     * Lets the feeder report the lines it has not run: all of a file; of stdin, what keeps coming (it is
     * waited for while lines arrive, not once a second passes without one: the pipe may stay open).
     */
    void awaitEnd(Thread feeder) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (feeder.isAlive() && System.nanoTime() < deadline) {
                feeder.join(100);
                if (run.stop().stopping() && "-".equals(run.settings().input())
                        && System.nanoTime() - lastLineNanos > TimeUnit.SECONDS.toNanos(1)) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
