package dev.processpool.internal;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The engine's time and threads in the test's hands: a clock that stands still until {@link #advance} moves
 * it, a timer whose tasks run when their time has come, and one queue for everything else (offloaded work,
 * launches, and the events of fake workers, delivered through {@link #events()}), which {@link #runReady()}
 * empties in order. Everything runs in the calling thread, one thing at a time: a test is deterministic, and
 * its times are literal milliseconds. Not thread-safe: one test thread drives it.
 */
final class ManualScheduler implements Scheduler {

    /** The clock's start: an hour, so that no time of the engine is 0 (which means "never" in places). */
    static final long ORIGIN_NANOS = TimeUnit.HOURS.toNanos(1);

    private record Entry(long due, long order, Runnable task, boolean[] cancelled) {
    }

    private final PriorityQueue<Entry> timers = new PriorityQueue<>((a, b) -> a.due != b.due
            ? Long.compare(a.due, b.due) : Long.compare(a.order, b.order));
    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final int maxLaunches;
    private long now = ORIGIN_NANOS;
    private long order;
    private boolean inTimer;
    private boolean shutdown;
    private int launchesHanded;
    /**
     * Workers' events run at once, in the thread that causes them, instead of waiting in the ready queue: for
     * the engine's calls that block until workers have exited (they would wait for the test's thread).
     */
    boolean inlineEvents;

    ManualScheduler(int maxLaunches) {
        this.maxLaunches = maxLaunches;
    }

    /** {@return milliseconds since the clock's start} */
    long millis() {
        return TimeUnit.NANOSECONDS.toMillis(now - ORIGIN_NANOS);
    }

    /** {@return where fake workers deliver their events: the ready queue, as a reader thread would, in order} */
    Executor events() {
        return r -> {
            if (inlineEvents) {
                r.run();
            } else {
                ready.addLast(r);
            }
        };
    }

    /** {@return launches handed to this scheduler so far} */
    int launchesHanded() {
        return launchesHanded;
    }

    /** {@return tasks waiting in the ready queue} */
    int readyCount() {
        return ready.size();
    }

    /** Runs what is ready, and the timers whose time has come, until nothing is left to run now. */
    void runReady() {
        while (true) {
            Runnable r = ready.pollFirst();
            if (r != null) {
                r.run();
                continue;
            }
            Entry e = timers.peek();
            if (e == null || e.due > now) {
                return;
            }
            timers.poll();
            if (!e.cancelled[0]) {
                inTimer = true;
                try {
                    e.task.run();
                } finally {
                    inTimer = false;
                }
            }
        }
    }

    /**
     * Moves the clock forward by {@code millis}, running each timer at its own time (the clock stands at its
     * due time while it runs) and whatever is ready in between; ends with everything ready run.
     */
    void advance(long millis) {
        long target = now + TimeUnit.MILLISECONDS.toNanos(millis);
        runReady();
        Entry e;
        while ((e = timers.peek()) != null && e.due <= target) {
            now = Math.max(now, e.due);
            runReady();
        }
        now = target;
        runReady();
    }

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        if (shutdown) {
            return null;
        }
        boolean[] cancelled = {false};
        timers.add(new Entry(now + Math.max(0, delayNanos), order++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override
    public void offload(Runnable task) {
        if (shutdown) {
            task.run();
        } else {
            ready.addLast(task);
        }
    }

    @Override
    public void launch(Runnable task) {
        if (shutdown) {
            throw new RejectedExecutionException("shut down");
        }
        launchesHanded++;
        ready.addLast(task);
    }

    @Override
    public int maxConcurrentLaunches() {
        return maxLaunches;
    }

    @Override
    public boolean isTimerThread() {
        return inTimer;
    }

    @Override
    public void shutdown() {
        shutdown = true;
        timers.clear();
        ready.clear();
    }
}
