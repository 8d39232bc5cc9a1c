package dev.processpool;

/**
 * Receives what worker processes write to their standard output and standard error, line by line. The
 * protocol never travels on these streams, so task code may print anything. By default the lines are logged
 * through slf4j (logger {@code dev.processpool.worker.output}: stdout at INFO, stderr at WARN), tagged with
 * the worker's pid and the task it was running.
 *
 * <p>Called from the pool's output-reading threads, one per stream and worker: implementations must be
 * thread-safe and quick.
 */
@FunctionalInterface
public interface WorkerOutputListener {

    /** The stream a line came from. */
    enum Stream {
        /** The worker's standard output. */
        STDOUT,
        /** The worker's standard error. */
        STDERR
    }

    /**
     * @param workerPid the worker's pid
     * @param taskId    the task the worker was running when the line arrived, or {@code null} when idle
     * @param stream    which stream
     * @param line      the line, without its line terminator
     */
    void onLine(long workerPid, String taskId, Stream stream, String line);
}
