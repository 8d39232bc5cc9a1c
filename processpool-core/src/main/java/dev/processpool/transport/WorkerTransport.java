package dev.processpool.transport;

import java.io.IOException;

/**
 * How the pool reaches workers. The scheduler only launches workers through this interface and talks to
 * them through the {@link WorkerChannel} it returns; the local implementation starts child JVMs
 * ({@link LocalJvmTransport}), a cluster backend can run the same tasks elsewhere.
 */
public interface WorkerTransport extends AutoCloseable {

    /**
     * Launches one worker and completes the handshake. Blocks (up to the transport's start timeout).
     * If it throws, the worker is gone (or being killed) and {@code events} never hears of it; if it
     * returns, {@code events} receives the worker's events until, last of all, exactly one
     * {@link WorkerEvents#exited}.
     *
     * @param workerNumber a number unique within the pool, for names and logs
     * @throws IOException describing why the worker could not be started (with its stderr when there is any)
     */
    WorkerChannel launch(int workerNumber, WorkerEvents events) throws IOException, InterruptedException;

    /**
     * Kills (SIGKILL) every worker process this transport started that is still alive, launches under way
     * included (they have no channel yet); the transport stays usable.
     */
    void killAll();

    /**
     * Ends the launch of one worker if it is still under way: its JVM is killed, or never started if its launch
     * still waits, and {@link #launch} then throws. For a pool that stops while a worker it no longer needs
     * boots: nothing of it waits for the boot to end. Does nothing once {@link #launch} has returned.
     *
     * @param workerNumber the number its {@link #launch} was given
     */
    default void abortLaunch(int workerNumber) {
    }

    /** Releases the transport's resources (private directory and so on). Workers must be gone already. */
    @Override
    void close();
}
