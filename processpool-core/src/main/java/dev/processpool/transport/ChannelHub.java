package dev.processpool.transport;

import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads the channels of all of a transport's workers with one thread instead of one thread each: the channels
 * are non-blocking and registered with one selector, and the <em>leader</em> thread runs each ready
 * channel's {@linkplain Endpoint#turn turn} (read its frames, report them) in line, one channel after the
 * other, at most a bounded number of frames each before the next channel's turn.
 *
 * <p>A turn may block: the frame is only partly there, the pool makes an answer wait for memory, a listener
 * is slow, a channel's send buffer is full. It must not hold up the other channels, so a watchdog thread
 * looks at the leader's turn every {@link #STALL_NANOS}/2 while channels are active, and when one has lasted
 * longer than {@link #STALL_NANOS} it appoints a new leader (a thread of its own) to go on selecting. The
 * stalled thread finishes its turn, hands its channel back to the selector and ends. A channel whose turn is
 * still under way is not selected meanwhile (its interest is set aside and restored when the turn ends), so
 * one channel's frames are always read by one thread at a time, in order. Hence: one thread reads every
 * channel, plus one per channel that is stalled at the moment (as many as the old thread-per-channel design
 * at worst), and an idle pool's hub wakes for nothing: the watchdog sleeps while no turn runs.
 */
final class ChannelHub implements AutoCloseable {

    /** A turn that lasts longer than this has the selector handed to another thread. */
    static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One registered channel's reader. */
    interface Endpoint {
        /**
         * Reads and reports some of what the channel holds; may block. Must not throw: an endpoint whose
         * channel ended closes it (which deregisters it).
         *
         * @return true if frames are buffered and should have another turn without waiting for the selector
         */
        boolean turn();
    }

    private static final int IDLE = 0;
    private static final int BUSY = 1;
    /** Busy, and its key's interest was set aside by a leader that found it ready meanwhile. */
    private static final int BUSY_MUTED = 2;

    /** A channel's place in the hub. */
    private final class Registration {
        final Endpoint endpoint;
        final AtomicInteger state = new AtomicInteger(IDLE);
        volatile SelectionKey key;

        Registration(Endpoint endpoint) {
            this.endpoint = endpoint;
        }

        /** Leader only: sets the key aside while another thread has this channel's turn. */
        void mute() {
            SelectionKey k = key;
            try {
                k.interestOps(0);
                if (!state.compareAndSet(BUSY, BUSY_MUTED) && state.get() == IDLE) {
                    k.interestOps(SelectionKey.OP_READ); // its turn ended meanwhile: keep it selected
                }
            } catch (CancelledKeyException gone) {
                // the channel closed
            }
        }

        /** Ends a turn; restores the key's interest if a leader set it aside. */
        void release() {
            if (state.getAndSet(IDLE) == BUSY_MUTED) {
                try {
                    key.interestOps(SelectionKey.OP_READ);
                    selector.wakeup();
                } catch (CancelledKeyException gone) {
                    // the channel closed
                }
            }
        }
    }

    /** One leader's term: the thread that selects, and when its current turn began (0: none). */
    private static final class Term {
        volatile long turnStarted;
    }

    // Immutable, or thread-safe by themselves.
    /** The transport's name, for the hub's thread names. */
    private final String name;
    /** Every registered channel, non-blocking; only the leader selects. */
    private final Selector selector;
    /** Runs the leaders: the first and each one the watchdog appoints; shut down by {@link #close}. */
    private final ThreadPoolExecutor threads;
    /** Numbers the leaders' threads. */
    private final AtomicInteger threadNumbers = new AtomicInteger();
    /** Guards the start of the first leader and the watchdog. */
    private final Object startLock = new Object();

    // Shared by the leaders and the watchdog without a lock: volatile, each with one writer at a time.
    /** The current leader's term: the first set under {@link #startLock}, the next ones by the watchdog alone. */
    private volatile Term term;
    /** Channels with frames left in their buffers after a turn: they get another without waiting. */
    private final ConcurrentLinkedQueue<Registration> again = new ConcurrentLinkedQueue<>();
    /** Turns begun, counted by the leader, for the watchdog to tell activity from silence. */
    private volatile long turns;
    /** The watchdog thread: set once under {@link #startLock}, null until the first registration. */
    private volatile Thread watchdog;
    /** Whether the watchdog is parked until the next turn: written by it, read by leaders to wake it. */
    private volatile boolean watchdogAsleep;
    /** Set once by {@link #close}: the leaders and the watchdog stop. */
    private volatile boolean closed;

    ChannelHub(String name) throws IOException {
        this.name = name;
        this.selector = Selector.open();
        this.threads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> {
                    Thread t = new Thread(r, name + "-channels-" + threadNumbers.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Registers a channel (put in non-blocking mode here). Its endpoint's first turn comes when the channel
     * is readable, or at once when {@code buffered} (frames arrived with the handshake).
     */
    void register(SelectableChannel channel, Endpoint endpoint, boolean buffered) throws IOException {
        if (closed) {
            throw new IOException("the transport is closed");
        }
        start();
        channel.configureBlocking(false);
        Registration r = new Registration(endpoint);
        r.key = channel.register(selector, SelectionKey.OP_READ, r);
        if (buffered) {
            again.add(r);
        }
        selector.wakeup();
    }

    /** Starts the first leader and the watchdog, once. */
    private void start() {
        synchronized (startLock) {
            if (term != null) {
                return;
            }
            Term first = new Term();
            term = first;
            threads.execute(() -> lead(first));
            Thread w = new Thread(this::watch, name + "-channels-watchdog");
            w.setDaemon(true);
            watchdog = w;
            w.start();
        }
    }

    /** Selects and runs turns while this thread's term lasts. */
    private void lead(Term mine) {
        List<Registration> batch = new ArrayList<>();
        while (!closed && term == mine) {
            try {
                if (again.isEmpty()) {
                    selector.select();
                } else {
                    selector.selectNow();
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    batch.add((Registration) k.attachment());
                }
                Registration r;
                while ((r = again.poll()) != null) {
                    if (!batch.contains(r)) {
                        batch.add(r);
                    }
                }
                for (int i = 0; i < batch.size(); i++) {
                    turn(batch.get(i), mine);
                    if (term != mine) {
                        // Replaced during that turn: the new leader selects the ready channels again; the
                        // ones with buffered frames it would not see are handed to it.
                        for (int j = i + 1; j < batch.size(); j++) {
                            again.add(batch.get(j));
                        }
                        selector.wakeup();
                        break;
                    }
                }
            } catch (ClosedSelectorException e) {
                return;
            } catch (Throwable e) {
                // never die: a failure here would leave every channel unread
            } finally {
                batch.clear();
            }
        }
    }

    private void turn(Registration r, Term mine) {
        SelectionKey k = r.key;
        if (k == null || !k.isValid()) {
            return;
        }
        if (!r.state.compareAndSet(IDLE, BUSY)) {
            r.mute(); // a stalled thread still has its turn
            return;
        }
        mine.turnStarted = System.nanoTime();
        turns++;
        if (watchdogAsleep) {
            LockSupport.unpark(watchdog);
        }
        boolean more = false;
        try {
            more = r.endpoint.turn();
        } catch (Throwable ignored) {
            // endpoints do not throw; if one did, its channel's next turn will tell
        } finally {
            mine.turnStarted = 0;
            Thread.interrupted(); // an interrupt meant for the turn (a kill while it waited) must not reach select()
            r.release();
        }
        if (more && k.isValid()) {
            again.add(r);
            if (term != mine) {
                selector.wakeup();
            }
        }
    }

    /** Appoints a new leader when a turn stalls; sleeps while no turn runs. */
    private void watch() {
        long seen = -1;
        while (!closed) {
            Term t = term;
            long started = t.turnStarted;
            if (started != 0 && System.nanoTime() - started > STALL_NANOS) {
                Term next = new Term();
                term = next;
                try {
                    threads.execute(() -> lead(next));
                } catch (RuntimeException e) {
                    return; // closed
                }
                continue;
            }
            long count = turns;
            if (count == seen && started == 0) {
                watchdogAsleep = true;
                if (turns == count && term.turnStarted == 0 && !closed) {
                    LockSupport.park(this);
                }
                watchdogAsleep = false;
            } else {
                seen = count;
                LockSupport.parkNanos(this, STALL_NANOS / 2);
            }
        }
    }

    /** How many threads the hub runs now (leaders, stalled turns and the watchdog). */
    int threadCount() {
        return threads.getActiveCount() + (watchdog != null ? 1 : 0);
    }

    @Override
    public void close() {
        closed = true;
        try {
            selector.close();
        } catch (IOException | RuntimeException ignored) {
            // nothing to do
        }
        Thread w = watchdog;
        if (w != null) {
            LockSupport.unpark(w);
        }
        threads.shutdown();
    }
}
