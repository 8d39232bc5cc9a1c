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
 * while it is silent, and to every {@link #IDLE_NANOS} once it has been silent for {@link #QUIET_NANOS} and its
 * worker has been sent no task for as long ({@link #hurry} brings a pipe back to {@link #SLOW_NANOS} when its
 * worker is sent a task). A pipe that fills (64 KiB) makes its writer wait until the next look: a few
 * milliseconds while it is busy, at most {@link #SLOW_NANOS} for a task's first raw output, at most
 * {@link #IDLE_NANOS} for a task that ran silent for {@link #QUIET_NANOS} and then writes more than the pipe
 * holds; nothing blocks for good. An idle pool costs one look per pipe every {@link #IDLE_NANOS} (a look is
 * two system calls), and one wake-up of the thread for all of them: silent pipes are looked at together, on a
 * grid of their interval.
 */
final class PipeDrainer implements AutoCloseable {

    static final long FAST_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** The interval of a pipe silent for {@link #QUIET_NANOS} whose worker was sent no task for as long. */
    static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(2);

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
        /** When the pipe last had output, or its worker was last sent a task. */
        private volatile long activeNanos;
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
        s.activeNanos = s.next;
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

    /**
     * The pipe's worker is being sent a task: a pipe looked at every {@link #IDLE_NANOS} is looked at again on
     * the grid of {@link #SLOW_NANOS}. Cheap when it is not (two volatile reads and a write; the caller reads
     * the clock once for both of a worker's pipes).
     */
    void hurry(Source s, long now) {
        s.activeNanos = now;
        if (s.next - now > SLOW_NANOS) {
            s.next = nextOnGrid(now, SLOW_NANOS);
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * When a pipe looked at {@code now} is looked at next, and its interval from then on: {@code FAST_NANOS}
     * after output, doubling while silent up to {@code SLOW_NANOS}, then {@code IDLE_NANOS} once silent and
     * without a task for {@code QUIET_NANOS} (since {@code activeNanos}). Silent pipes are looked at on the grid
     * of their interval shared by all: one wake-up for all of them instead of one each (128 pipes of 64 idle
     * workers: 640 wake-ups a second on a grid of 200 ms, none on their own).
     *
     * @return {next, interval}
     */
    static long[] schedule(long now, long interval, boolean any, long activeNanos) {
        if (any) {
            return new long[] {now + FAST_NANOS, FAST_NANOS};
        }
        long next = Math.min(SLOW_NANOS, interval * 2);
        if (next < SLOW_NANOS) {
            return new long[] {now + next, next};
        }
        long step = now - activeNanos >= QUIET_NANOS ? IDLE_NANOS : SLOW_NANOS;
        return new long[] {nextOnGrid(now, step), step};
    }

    private static long nextOnGrid(long now, long step) {
        return now + step - Math.floorMod(now, step);
    }

    private void run() {
        while (!closed) {
            long now = System.nanoTime();
            long wake = now + IDLE_NANOS;
            for (Source s : sources) {
                if (s.next - now <= 0) {
                    boolean any = s.drainNow(buffer);
                    long at = System.nanoTime();
                    if (any) {
                        s.activeNanos = at;
                    }
                    long[] next = schedule(at, s.interval, any, s.activeNanos);
                    s.interval = next[1];
                    s.next = next[0];
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
