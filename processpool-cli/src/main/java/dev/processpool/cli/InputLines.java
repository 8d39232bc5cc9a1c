package dev.processpool.cli;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads JSON Lines input as bytes and decodes each line on its own, strictly: a line that is not valid UTF-8
 * is reported as such, with the offset of its first bad byte, and every other line is read as usual. A file
 * and standard input go through the same code, so they behave the same.
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped, and so is a UTF-8 byte order mark at the
 * start of the first line. A line longer than {@code maxLineBytes} is reported, not held in memory: its
 * bytes are skipped up to its end. Not thread-safe.
 */
final class InputLines implements Closeable {

    /**
     * One line: its number (from 1), the offset of its first byte in the input, whether a {@code \n} ended
     * it (only the last line of an input can lack one), and its text, or why it has none. {@code lenient}
     * is the text of a line that is not valid UTF-8 with each bad sequence replaced by U+FFFD, for finding
     * its id; it is never run.
     */
    record Line(long number, long offset, boolean terminated, String text, String problem, String lenient) {
    }

    private final InputStream in;
    private final long maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private boolean eof;
    private long number;
    private long consumed;
    private byte[] line = new byte[256];

    InputLines(InputStream in, long maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    /** The next line, or null at the end of the input. */
    Line next() throws IOException {
        int length = 0;
        long skipped = 0;
        boolean sawAny = false;
        boolean terminated = false;
        long offset = consumed;
        while (true) {
            if (position == limit) {
                if (eof || !fill()) {
                    if (!sawAny) {
                        return null;
                    }
                    break;
                }
            }
            sawAny = true;
            int start = position;
            int nl = indexOf(buffer, (byte) '\n', position, limit);
            int end = nl < 0 ? limit : nl;
            position = nl < 0 ? limit : nl + 1;
            consumed += position - start;
            int n = end - start;
            if (skipped > 0 || (long) length + n > maxLineBytes) {
                skipped += length + n;
                length = 0;
            } else {
                if (length + n > line.length) {
                    line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max(2L * line.length, length + n)));
                }
                System.arraycopy(buffer, start, line, length, n);
                length += n;
            }
            if (nl >= 0) {
                terminated = true;
                break;
            }
        }
        number++;
        if (skipped > 0) {
            return new Line(number, offset, terminated, null, "the line is longer than " + maxLineBytes + " bytes, the most a line may"
                    + " have with strings of up to " + Json.maxStringLength() + " characters (--max-string-length)",
                    null);
        }
        int from = 0;
        if (length > 0 && line[length - 1] == '\r') {
            length--;
        }
        if (number == 1 && length >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB
                && (line[2] & 0xFF) == 0xBF) {
            from = 3; // a byte order mark
        }
        return decode(offset, terminated, from, length);
    }

    /** Whether a line can be had without waiting: bytes are buffered here or ready in the input. */
    boolean ready() throws IOException {
        return position < limit || !eof && in.available() > 0;
    }

    private Line decode(long offset, boolean terminated, int from, int to) {
        boolean ascii = true;
        for (int i = from; i < to; i++) {
            if (line[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new Line(number, offset, terminated, new String(line, from, to - from, StandardCharsets.ISO_8859_1),
                    null, null);
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, from, to - from);
        CharBuffer chars = CharBuffer.allocate(to - from);
        decoder.reset();
        CoderResult r = decoder.decode(bytes, chars, true);
        if (r.isUnderflow()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            // bytes.position() is where the bad sequence starts; counted from 1 within the line, as columns are
            return new Line(number, offset, terminated, null, "invalid UTF-8 at byte " + (bytes.position() + 1)
                    + " of the line", new String(line, from, to - from, StandardCharsets.UTF_8));
        }
        chars.flip();
        return new Line(number, offset, terminated, chars.toString(), null, null);
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer);
        if (n < 0) {
            eof = true;
            return false;
        }
        position = 0;
        limit = n;
        return n > 0 || fill();
    }

    private static int indexOf(byte[] a, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
