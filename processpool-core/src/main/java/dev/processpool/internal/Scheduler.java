package dev.processpool.internal;

/**
 * The engine's time and threads, passed in from outside: its clock, its timer, the threads that may block and
 * the threads that launch workers. {@link ThreadScheduler} is the real one; a test passes one whose clock it
 * moves by hand, so that every timing rule of the engine (deadlines, back-off, idle retirement, reclaims) is
 * checked with literal times and no sleeping.
 *
 * <p>The timer only decides: what it runs never blocks. Whatever may block (a kill forks {@code kill}, a
 * polite stop or a task writes to a channel) is {@linkplain #offload offloaded}.
 */
public interface Scheduler {

    /** {@return the engine's clock, in nanoseconds from an arbitrary origin ({@link System#nanoTime()})} */
    long nanoTime();

    /**
     * Runs a task once on the timer after a delay. A task that throws is logged and the timer goes on.
     *
     * @param task       what to run; it must not block
     * @param delayNanos how long from now
     * @return a handle to cancel it with, or null once the scheduler is shut down (the task never runs)
     */
    Timer schedule(Runnable task, long delayNanos);

    /**
     * Runs work that may block off the calling thread: kills, polite stops, channel writes. A task that throws
     * is logged. Once the scheduler is shut down it runs in the calling thread.
     *
     * @param task what to run
     */
    void offload(Runnable task);

    /**
     * Runs a worker's launch on a launcher thread. The engine never has more than
     * {@link #maxConcurrentLaunches()} of them running at once.
     *
     * @param task the launch
     * @throws java.util.concurrent.RejectedExecutionException once the scheduler is shut down
     */
    void launch(Runnable task);

    /**
     * {@return how many worker launches may run at once: starting a hundred JVMs at once on two cores takes
     * no less time in all, but starves the pool's own threads}
     */
    int maxConcurrentLaunches();

    /** {@return whether the calling thread is the timer's (which must hand blocking work on)} */
    boolean isTimerThread();

    /** Stops the timer and the launchers at once (launches under way are interrupted); offloaded work ends. */
    void shutdown();

    /** A task on the timer that may still be called off. */
    interface Timer {

        /** Calls the task off, if it has not run yet. */
        void cancel();
    }
}
