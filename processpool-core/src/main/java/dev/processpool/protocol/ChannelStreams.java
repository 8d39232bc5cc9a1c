package dev.processpool.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;

/**
 * Streams over a blocking socket channel that can be read and written from two threads at once.
 * ({@code java.nio.channels.Channels.newInputStream/newOutputStream} lock the channel's blocking lock for
 * every call on a selectable channel, so a thread blocked in a read would stop every write.)
 */
public final class ChannelStreams {

    private ChannelStreams() {
    }

    public static InputStream input(ByteChannel channel) {
        return new InputStream() {
            private final ByteBuffer one = ByteBuffer.allocate(1);

            @Override
            public int read() throws IOException {
                one.clear();
                int n;
                do {
                    n = channel.read(one);
                } while (n == 0);
                return n < 0 ? -1 : one.get(0) & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                int n;
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                do {
                    n = channel.read(buf);
                } while (n == 0);
                return n;
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    public static OutputStream output(ByteChannel channel) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }
}
