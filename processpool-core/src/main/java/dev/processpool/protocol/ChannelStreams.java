package dev.processpool.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.SelectionKey;

/**
 * Streams over a socket channel that can be read and written from two threads at once.
 * ({@code java.nio.channels.Channels.newInputStream/newOutputStream} lock the channel's blocking lock for
 * every call on a selectable channel, so a thread blocked in a read would stop every write.) Over a blocking
 * channel as they are; over a non-blocking one with a {@link Readiness} that waits until the channel can move
 * bytes, so that callers see ordinary blocking streams whatever the channel's mode.
 */
public final class ChannelStreams {

    private ChannelStreams() {
    }

    /** What a stream does when a read or a write of its channel moved no byte. */
    @FunctionalInterface
    public interface Readiness {

        /** A blocking channel's: it moves no byte only when asked for none, so the stream just tries again. */
        Readiness BLOCKING = op -> { };

        /**
         * Waits until the channel is ready for {@code op}.
         *
         * @param op {@link SelectionKey#OP_READ} or {@link SelectionKey#OP_WRITE}
         * @throws IOException if the channel was closed meanwhile, or the wait failed
         */
        void await(int op) throws IOException;
    }

    /** An input stream over a blocking channel; closing it closes the channel. */
    public static InputStream input(ByteChannel channel) {
        return input(channel, Readiness.BLOCKING, channel);
    }

    /** An output stream over a blocking channel; closing it closes the channel. */
    public static OutputStream output(ByteChannel channel) {
        return output(channel, Readiness.BLOCKING, channel);
    }

    /**
     * An input stream over a channel in either mode.
     *
     * @param ready  what a read that found nothing waits for
     * @param closer what closing the stream closes
     */
    public static InputStream input(ByteChannel channel, Readiness ready, Closeable closer) {
        return new InputStream() {
            private final ByteBuffer one = ByteBuffer.allocate(1);

            @Override
            public int read() throws IOException {
                one.clear();
                int n = read(one);
                return n < 0 ? -1 : one.get(0) & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : read(ByteBuffer.wrap(b, off, len));
            }

            private int read(ByteBuffer buf) throws IOException {
                int n;
                while ((n = channel.read(buf)) == 0) {
                    ready.await(SelectionKey.OP_READ);
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                closer.close();
            }
        };
    }

    /**
     * An output stream over a channel in either mode.
     *
     * @param ready  what a write that found the send buffer full waits for
     * @param closer what closing the stream closes
     */
    public static OutputStream output(ByteChannel channel, Readiness ready, Closeable closer) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    if (channel.write(buf) == 0) {
                        ready.await(SelectionKey.OP_WRITE);
                    }
                }
            }

            @Override
            public void close() throws IOException {
                closer.close();
            }
        };
    }
}
