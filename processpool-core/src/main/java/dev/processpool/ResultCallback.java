package dev.processpool;

/**
 * Called with the result of a task that completed normally: DIRAC's {@code callback(task, result)}.
 *
 * <p>Result callbacks run in the thread that calls {@link ProcessPool#processResults()} (or in the pool's
 * daemon thread after {@link ProcessPool#daemonize()}), never two at once for one pool. An exception thrown
 * by a callback is logged and does not stop result processing.
 */
@FunctionalInterface
public interface ResultCallback {

    /**
     * @param task   the task that finished
     * @param result its result, possibly {@code null}
     */
    void onResult(ProcessTask task, Object result);
}
