package dev.processpool.internal;

import dev.processpool.logging.Logs;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.processpool.internal.PoolEngine.LOG;

/**
 * The engine's real time and threads: {@link System#nanoTime()}, one timer thread, reaper threads for what
 * may block (as many as there is blocking work: a hundred kills at once must not wait for each other), and
 * launcher threads (the engine runs at most {@link #maxConcurrentLaunches()} launches at once: one per core, at
 * least two; idle launcher threads end after {@value #IDLE_LAUNCHER_SECONDS} s). Every thread is a daemon named
 * after the pool; none dies of what it runs.
 *
 * <p>Offloaded work reaches the reapers through one hand-off thread, never straight from its caller: starting a
 * thread waits until the new thread has run once, which on a loaded machine is a whole round of the CPU
 * scheduler (a new thread is queued behind every runnable one). Measured in the timeout storm at load averages
 * of 10 to 30 on 2 cores, the timer thread, which offloaded each timed-out worker's kill and replacement itself,
 * spent most of its time there, and the hundredth deadline's outcome came seconds late. The timer and the
 * channel readers now only queue the work; the hand-off thread waits for the reapers to start.
 */
public final class ThreadScheduler implements Scheduler {

    /** A launcher thread with nothing to launch ends after this many seconds. */
    static final int IDLE_LAUNCHER_SECONDS = 30;

    private final String name;
    private final int maxLaunches;
    private final ScheduledThreadPoolExecutor timer;
    private volatile Thread timerThread;
    private final ThreadPoolExecutor launchers;
    private final ExecutorService reapers;
    /** Work for the reapers, in the order it was offloaded; see the class comment. */
    private final LinkedBlockingQueue<Runnable> handOffs = new LinkedBlockingQueue<>();
    private final Thread handOffThread;
    /** Set when the scheduler shuts down: offloaded work runs in its caller from then on. */
    private volatile boolean handOffStopped;
    /** Threads started on the timer thread (for tests: the timer must start none). */
    final AtomicInteger threadsStartedByTimer = new AtomicInteger();

    /**
     * The threads of one pool.
     *
     * @param name the pool's name, for its threads' names and log lines
     */
    public ThreadScheduler(String name) {
        this.name = name;
        this.maxLaunches = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = daemon(r, name + "-timer");
            timerThread = t;
            return t;
        });
        this.timer.setRemoveOnCancelPolicy(true);
        AtomicInteger launcherNumbers = new AtomicInteger();
        this.launchers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_LAUNCHER_SECONDS, TimeUnit.SECONDS, new SynchronousQueue<>(),
                r -> daemon(r, name + "-launcher-" + launcherNumbers.incrementAndGet()));
        AtomicInteger reaperNumbers = new AtomicInteger();
        this.reapers = Executors.newCachedThreadPool(r -> daemon(r, name + "-reaper-" + reaperNumbers.incrementAndGet()));
        this.handOffThread = daemon(this::handOffLoop, name + "-hand-off");
        handOffThread.start();
    }

    private Thread daemon(Runnable r, String threadName) {
        if (isTimerThread()) {
            threadsStartedByTimer.incrementAndGet();
        }
        Thread t = new Thread(r, threadName);
        t.setDaemon(true);
        return t;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Timer schedule(Runnable task, long delayNanos) {
        try {
            ScheduledFuture<?> f = timer.schedule(contained(task, "internal timer task failed"), delayNanos,
                    TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException terminated) {
            return null;
        }
    }

    @Override
    public void offload(Runnable task) {
        Runnable safe = contained(task, "a background action failed");
        if (handOffStopped) {
            safe.run();
            return;
        }
        handOffs.add(safe);
        if (handOffStopped && handOffs.remove(safe)) {
            safe.run(); // shut down meanwhile: the hand-off thread may have drained the queue already
        }
    }

    /** Passes offloaded work on to the reapers, which it waits for to start; ends with the scheduler. */
    private void handOffLoop() {
        while (true) {
            Runnable next;
            try {
                next = handOffs.take();
            } catch (InterruptedException stop) {
                break;
            }
            try {
                reapers.execute(next);
            } catch (RejectedExecutionException terminated) {
                next.run();
            }
        }
        // the scheduler shut down: work queued before then is done here, as offload would do it now
        for (Runnable left; (left = handOffs.poll()) != null; ) {
            left.run();
        }
    }

    @Override
    public void launch(Runnable task) {
        launchers.execute(contained(task, "a worker launch failed"));
    }

    @Override
    public int maxConcurrentLaunches() {
        return maxLaunches;
    }

    @Override
    public boolean isTimerThread() {
        return Thread.currentThread() == timerThread;
    }

    @Override
    public void shutdown() {
        timer.shutdownNow();
        launchers.shutdownNow();
        handOffStopped = true;
        handOffThread.interrupt();
        reapers.shutdown(); // kills under way finish; the transport's close kills whatever is left
    }

    /** The task, with whatever it throws logged instead of ending the thread. */
    private Runnable contained(Runnable task, String what) {
        return () -> {
            try {
                task.run();
            } catch (Throwable e) {
                Logs.quietly(() -> LOG.error("{}: {}", name, what, e));
            }
        };
    }
}
