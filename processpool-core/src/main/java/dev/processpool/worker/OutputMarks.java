package dev.processpool.worker;

import dev.processpool.protocol.FrameWriter;
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
 * Sends what tasks print through {@code System.out} and {@code System.err} to the parent on the channel, as
 * {@link Protocol#FRAME_OUTPUT} frames tagged with the task that was running when it was written: the parent
 * tags each line exactly, however the streams interleave, and no pipe to the parent can fill and block the
 * worker. Raw writes to the file descriptors still go to the pipes; so that the parent can tag those too,
 * a task's first write on a stream also puts a start marker on that stream's pipe, and after the task an end
 * marker follows (see {@link Protocol#OUTPUT_START_MARKER}). Tasks that print nothing cost nothing.
 */
final class OutputMarks {

    private static final Marked OUT = new Marked(new FileOutputStream(FileDescriptor.out), Protocol.STDOUT);
    private static final Marked ERR = new Marked(new FileOutputStream(FileDescriptor.err), Protocol.STDERR);
    /** The sequence number of the running task, or -1 between tasks. */
    private static volatile long running = -1;

    private OutputMarks() {
    }

    /** From now on, {@code System.out} and {@code System.err} go to the parent through {@code writer}. */
    static void install(FrameWriter writer) throws UnsupportedEncodingException {
        String encoding = System.getProperty("sun.stdout.encoding", Charset.defaultCharset().name());
        OUT.writer = writer;
        ERR.writer = writer;
        System.setOut(new PrintStream(OUT, true, encoding));
        System.setErr(new PrintStream(ERR, true, encoding));
    }

    static void taskStarts(long sequence) {
        running = sequence;
    }

    /** The task is over: its output is sent; the end markers follow on the pipes where it printed. */
    static void taskEnds(long sequence) {
        running = -1;
        System.out.flush();
        System.err.flush();
        OUT.end(sequence);
        ERR.end(sequence);
    }

    /** Sends bytes as OUTPUT frames; puts a start marker on the pipe at a task's first bytes. */
    private static final class Marked extends OutputStream {
        private final FileOutputStream raw;
        private final byte stream;
        private volatile FrameWriter writer;
        /** The task whose start marker was written to the pipe and whose end marker was not, or -1. */
        private long open = -1;

        Marked(FileOutputStream raw, byte stream) {
            this.raw = raw;
            this.stream = stream;
        }

        synchronized void end(long sequence) {
            if (open == sequence) {
                writeRaw(Protocol.OUTPUT_END_MARKER + sequence + "\n");
                open = -1;
            }
        }

        private void writeRaw(String marker) {
            try {
                raw.write(marker.getBytes(StandardCharsets.UTF_8));
            } catch (IOException closedByTheTask) {
                // nothing more can come out of this stream anyway
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            if (len <= 0) {
                return;
            }
            long seq = running;
            if (seq >= 0 && open != seq) {
                if (open >= 0) {
                    writeRaw(Protocol.OUTPUT_END_MARKER + open + "\n"); // a late write of an earlier task
                }
                writeRaw(Protocol.OUTPUT_START_MARKER + seq + "\n");
                open = seq;
            }
            try {
                writer.writeOutput(seq, stream, b, off, len);
            } catch (IOException channelGone) {
                raw.write(b, off, len); // the worker is going away: the pipe still reaches the parent
            }
        }
    }
}
