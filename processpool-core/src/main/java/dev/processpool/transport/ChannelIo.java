package dev.processpool.transport;

import dev.processpool.protocol.ChannelStreams;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * Blocking streams over a socket channel that may be in non-blocking mode (registered with a
 * {@link ChannelHub}): a read that finds nothing, or a write that finds the send buffer full, waits for the
 * channel on a selector of its own (opened on first need), so the stream's callers see ordinary blocking
 * streams whatever the channel's mode. Reads and writes may happen from two threads at once. {@link #close}
 * closes the channel and these selectors, and wakes a thread that waits on them.
 */
final class ChannelIo implements AutoCloseable {

    private final SocketChannel channel;
    /** Guarded by itself. */
    private Selector readWait;
    /** Guarded by itself. */
    private Selector writeWait;
    private final Object readLock = new Object();
    private final Object writeLock = new Object();
    private volatile boolean closed;

    ChannelIo(SocketChannel channel) {
        this.channel = channel;
    }

    SocketChannel channel() {
        return channel;
    }

    InputStream input() {
        return ChannelStreams.input(channel, this::await, this::close);
    }

    OutputStream output() {
        return ChannelStreams.output(channel, this::await, this::close);
    }

    /** Waits until the channel is ready for {@code op} (or closed). Only a non-blocking channel gets here. */
    private void await(int op) throws IOException {
        boolean reading = op == SelectionKey.OP_READ;
        Selector s;
        synchronized (reading ? readLock : writeLock) {
            s = reading ? readWait : writeWait;
            if (s == null) {
                if (closed) {
                    throw new AsynchronousCloseException();
                }
                s = Selector.open();
                channel.register(s, op);
                if (reading) {
                    readWait = s;
                } else {
                    writeWait = s;
                }
            }
        }
        if (closed || !channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
        try {
            s.select();
            s.selectedKeys().clear();
        } catch (java.nio.channels.ClosedSelectorException e) {
            throw new AsynchronousCloseException();
        }
        if (closed || !channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    @Override
    public void close() {
        closed = true;
        LocalJvmTransport.closeQuietly(channel);
        synchronized (readLock) {
            closeSelector(readWait);
        }
        synchronized (writeLock) {
            closeSelector(writeWait);
        }
    }

    private static void closeSelector(Selector s) {
        if (s != null) {
            s.wakeup();
            try {
                s.close();
            } catch (IOException | RuntimeException ignored) {
                // nothing to do
            }
        }
    }
}
