package dev.processpool.transport;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a worker's output, as it arrives in chunks, into lines: UTF-8 decoded across chunk boundaries (bytes
 * that are not UTF-8 become U+FFFD), {@code \r} dropped, lines cut at {@link #MAX_LINE_CHARS}. Each chunk may
 * name the task that wrote it; a line that one task left unfinished ends where another task's bytes begin,
 * so every line is tagged with the task that wrote it. Not thread-safe: one splitter per stream.
 */
final class LineSplitter {

    /** Lines longer than this are cut. */
    static final int MAX_LINE_CHARS = 8192;

    /** Receives the lines. */
    interface Sink {
        void line(String text, long sequence);
    }

    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes of a character cut by the chunk boundary, kept for the next chunk. */
    private final ByteBuffer pending = ByteBuffer.allocate(4096 + 8);
    private final CharBuffer chars = CharBuffer.allocate(4096);
    private final StringBuilder line = new StringBuilder();
    private final Sink sink;
    private long lineSequence = -1;

    LineSplitter(Sink sink) {
        this.sink = sink;
    }

    /** The bytes {@code b[off, off+len)}, written by the task {@code sequence} (-1: unknown). */
    void feed(byte[] b, int off, int len, long sequence) {
        if (sequence != lineSequence) {
            endLine(); // what the other task left unfinished, and any half character of it
            lineSequence = sequence;
        }
        while (len > 0) {
            int n = Math.min(len, pending.remaining());
            pending.put(b, off, n);
            off += n;
            len -= n;
            pending.flip();
            decode(false);
            pending.compact();
        }
    }

    /** The stream ended: the last line, even without its line end. */
    void finish() {
        endLine();
    }

    private void endLine() {
        if (pending.position() > 0) {
            pending.flip();
            decode(true);
            pending.clear();
            decoder.reset();
        }
        if (line.length() > 0) {
            emit();
        }
    }

    private void decode(boolean endOfInput) {
        java.nio.charset.CoderResult r;
        do {
            chars.clear();
            r = decoder.decode(pending, chars, endOfInput);
            split();
        } while (r.isOverflow());
        if (endOfInput) {
            do {
                chars.clear();
                r = decoder.flush(chars);
                split();
            } while (r.isOverflow());
        }
    }

    /** The decoded characters into lines. */
    private void split() {
        chars.flip();
        while (chars.hasRemaining()) {
            char c = chars.get();
            if (c == '\n' || line.length() >= MAX_LINE_CHARS) {
                emit();
                if (c == '\n') {
                    continue;
                }
            }
            if (c != '\r') {
                line.append(c);
            }
        }
    }

    private void emit() {
        String text = line.toString();
        line.setLength(0);
        sink.line(text, lineSequence);
    }
}
