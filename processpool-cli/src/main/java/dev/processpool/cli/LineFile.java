package dev.processpool.cli;

import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * Where the CLI writes lines (the output, the job log): each line goes to the operating system in one write
 * as soon as it is complete, so a killed CLI loses at most the line it was writing, and a file is forced to
 * the disk (fsync) at most {@link #SYNC_INTERVAL_NANOS} after a write and when it is closed. Thread-safe.
 */
abstract class LineFile implements Closeable {

    /** A written line reaches the disk within about this long (and at the end of the run). */
    static final long SYNC_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Writes one line and its {@code \n}. */
    void write(String line) throws IOException {
        byte[] b = bytes(line);
        write(b, 0, b.length);
    }

    /** Writes whole lines, each with its {@code \n}, in one write to the operating system. */
    abstract void write(byte[] lines, int offset, int length) throws IOException;

    /** Forces what was written to the disk, if it is a file and something was written since the last time. */
    abstract void sync() throws IOException;

    /** {@link #sync()} if the last one was {@link #SYNC_INTERVAL_NANOS} ago or more. */
    abstract void syncIfDue() throws IOException;

    static byte[] bytes(String line) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[text.length + 1];
        System.arraycopy(text, 0, b, 0, text.length);
        b[text.length] = '\n';
        return b;
    }

    /**
     * A file, created if need be; emptied first unless {@code append}. Something that exists and is not a
     * regular file ({@code /dev/null}, a named pipe, a terminal) is written as a stream: it can be neither
     * emptied nor forced to a disk.
     */
    static LineFile open(Path path, boolean append) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
            return new Stream(new FileOutputStream(path.toFile(), true));
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING);
        return new OnDisk(ch);
    }

    /** This process's standard output. */
    static LineFile stdout() {
        return new Stream(new FileOutputStream(FileDescriptor.out));
    }

    /**
     * Cuts a file after its last {@code \n}: what follows is a line a killed process did not finish. Returns
     * whether anything was cut.
     */
    static boolean cutTornTail(Path path) throws IOException {
        if (!Files.exists(path)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1 << 16);
            while (keep > 0) {
                long from = Math.max(0, keep - one.capacity());
                one.clear().limit((int) (keep - from));
                ch.read(one, from);
                int i = one.position() - 1;
                while (i >= 0 && one.get(i) != '\n') {
                    i--;
                }
                if (i >= 0) {
                    keep = from + i + 1;
                    break;
                }
                keep = from;
            }
            if (keep == size) {
                return false;
            }
            ch.truncate(keep);
            ch.force(true);
            return true;
        }
    }

    private static final class OnDisk extends LineFile {
        private final FileChannel channel;
        private boolean dirty;
        private long lastSync = System.nanoTime();

        OnDisk(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        synchronized void write(byte[] lines, int offset, int length) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(lines, offset, length);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            dirty = true;
        }

        @Override
        synchronized void sync() throws IOException {
            if (dirty && channel.isOpen()) {
                channel.force(false);
                dirty = false;
            }
            lastSync = System.nanoTime();
        }

        @Override
        synchronized void syncIfDue() throws IOException {
            if (dirty && System.nanoTime() - lastSync >= SYNC_INTERVAL_NANOS) {
                sync();
            }
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel.isOpen()) {
                try {
                    sync();
                } finally {
                    channel.close();
                }
            }
        }
    }

    private static final class Stream extends LineFile {
        private final OutputStream out;

        Stream(OutputStream out) {
            this.out = out;
        }

        @Override
        synchronized void write(byte[] lines, int offset, int length) throws IOException {
            out.write(lines, offset, length);
            out.flush();
        }

        @Override
        void sync() {
            // a pipe or a terminal: nothing to force
        }

        @Override
        void syncIfDue() {
            // as sync
        }

        @Override
        public synchronized void close() throws IOException {
            out.close();
        }
    }
}
