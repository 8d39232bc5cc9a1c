package dev.processpool.transport;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Drains the stdout and stderr pipes of all of a transport's workers with one thread instead of two threads
 * per worker. What a task prints through {@code System.out} and {@code System.err} travels on its channel;
 * only raw writes to the file descriptors (native code, child processes that inherit them, the JVM's own
 * messages) and what a worker prints before its handshake come through these pipes, so they are usually
 * silent. Each pipe is looked at ({@code available()}, which never blocks, then a read of no more than that)
 * at its own pace: every {@link #FAST_NANOS} while it has output, backing off to every {@link #SLOW_NANOS}
 * while it is silent. A pipe that fills (64 KiB) makes its writer wait until the next look, a few
 * milliseconds while it is busy; nothing blocks for good. An idle pool costs one look per pipe every
 * {@link #SLOW_NANOS}, and one wake-up of the thread for all of them: silent pipes are looked at together,
 * on a grid of that interval.
 */
final class PipeDrainer implements AutoCloseable {

    static final long FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    /** Receives a pipe's bytes. */
    interface Sink {
        void bytes(byte[] b, int off, int len);
    }

    /** One pipe. Reads are made under its monitor, by the drainer's thread or by {@link #drainNow}. */
    static final class Source {
        private final InputStream in;
        private final Sink sink;
        private long interval = FAST_NANOS;
        private volatile long next;
        private volatile boolean removed;

        Source(InputStream in, Sink sink) {
            this.in = in;
            this.sink = sink;
        }

        /** Reads what is there now; true if there was anything. */
        synchronized boolean drainNow(byte[] buf) {
            if (removed) {
                return false;
            }
            boolean any = false;
            try {
                int n;
                while ((n = in.available()) > 0) {
                    int r = in.read(buf, 0, Math.min(n, buf.length));
                    if (r <= 0) {
                        break;
                    }
                    any = true;
                    try {
                        sink.bytes(buf, 0, r);
                    } catch (Throwable e) {
                        // a listener's failure must not stop the draining (the pipe would fill)
                    }
                }
            } catch (IOException e) {
                // closed: the process is gone
            }
            return any;
        }
    }

    private final String name;
    private final CopyOnWriteArrayList<Source> sources = new CopyOnWriteArrayList<>();
    private final byte[] buffer = new byte[16 * 1024];
    private final Object startLock = new Object();
    private volatile Thread thread;
    private volatile boolean closed;

    PipeDrainer(String name) {
        this.name = name;
    }

    /** Starts draining {@code in} into {@code sink}. */
    Source add(InputStream in, Sink sink) {
        Source s = new Source(in, sink);
        s.next = System.nanoTime();
        sources.add(s);
        synchronized (startLock) {
            if (thread == null && !closed) {
                Thread t = new Thread(this::run, name + "-pipes");
                t.setDaemon(true);
                thread = t;
                t.start();
            }
        }
        LockSupport.unpark(thread);
        return s;
    }

    /** Reads what {@code s} holds now, in the caller's thread; then stops draining it if {@code last}. */
    void drainNow(Source s, boolean last) {
        byte[] buf = new byte[8192];
        synchronized (s) {
            s.drainNow(buf);
            if (last) {
                s.removed = true;
                sources.remove(s);
            }
        }
    }

    private void run() {
        while (!closed) {
            long now = System.nanoTime();
            long wake = now + SLOW_NANOS;
            for (Source s : sources) {
                if (s.next - now <= 0) {
                    boolean any = s.drainNow(buffer);
                    s.interval = any ? FAST_NANOS : Math.min(SLOW_NANOS, s.interval * 2);
                    long at = System.nanoTime();
                    // a silent pipe is looked at on a grid of SLOW_NANOS shared by all: one wake-up for all
                    // of them instead of one each (128 pipes of 64 idle workers: 640 wake-ups a second)
                    s.next = s.interval < SLOW_NANOS ? at + s.interval : at + SLOW_NANOS - Math.floorMod(at, SLOW_NANOS);
                }
                if (s.next - wake < 0) {
                    wake = s.next;
                }
            }
            long sleep = wake - System.nanoTime();
            if (sleep > 0) {
                LockSupport.parkNanos(this, sleep);
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
