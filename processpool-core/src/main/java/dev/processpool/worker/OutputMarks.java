package dev.processpool.worker;

import dev.processpool.protocol.Protocol;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Lets the parent tag output lines with the task that wrote them (see {@link Protocol#OUTPUT_START_MARKER}).
 * {@code System.out} and {@code System.err} are wrapped: the first write of a task on a stream is preceded
 * by a start marker line, and after the task the stream is flushed and an end marker line follows. Tasks
 * that print nothing cost nothing.
 */
final class OutputMarks {

    private static final Marked OUT = new Marked(new FileOutputStream(FileDescriptor.out));
    private static final Marked ERR = new Marked(new FileOutputStream(FileDescriptor.err));
    /** The sequence number of the running task, or -1 between tasks. */
    private static volatile long running = -1;

    private OutputMarks() {
    }

    static void install() throws UnsupportedEncodingException {
        String encoding = System.getProperty("sun.stdout.encoding", Charset.defaultCharset().name());
        OUT.target = System.out;
        ERR.target = System.err;
        System.setOut(new PrintStream(OUT, true, encoding));
        System.setErr(new PrintStream(ERR, true, encoding));
    }

    static void taskStarts(long sequence) {
        running = sequence;
    }

    /** The task is over: close its output with end markers where it printed. */
    static void taskEnds(long sequence) {
        running = -1;
        OUT.end(sequence, System.out);
        ERR.end(sequence, System.err);
    }

    /** Passes bytes on to the original stream, behind a start marker for the first bytes of a task. */
    private static final class Marked extends OutputStream {
        private final FileOutputStream raw;
        private PrintStream target;
        /** The task whose start marker was written and whose end marker was not, or -1. */
        private long open = -1;

        Marked(FileOutputStream raw) {
            this.raw = raw;
        }

        private void startIfNeeded() {
            long seq = running;
            if (seq >= 0 && open != seq) {
                target.flush();
                writeRaw(Protocol.OUTPUT_START_MARKER + seq + "\n");
                open = seq;
            }
        }

        synchronized void end(long sequence, PrintStream wrapper) {
            if (open != sequence) {
                return;
            }
            wrapper.flush();
            target.flush();
            writeRaw(Protocol.OUTPUT_END_MARKER + sequence + "\n");
            open = -1;
        }

        private void writeRaw(String marker) {
            try {
                raw.write(marker.getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedByTheTask) {
                // nothing more can come out of this stream anyway
            }
        }

        @Override
        public synchronized void write(int b) {
            startIfNeeded();
            target.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            startIfNeeded();
            target.write(b, off, len);
        }

        @Override
        public void flush() {
            target.flush();
        }
    }
}
