package dev.processpool;

/**
 * Called when a task did not produce a result: DIRAC's {@code exceptionCallback(task, excInfo)}.
 *
 * <p>The failure says why: the task threw ({@link TaskExecutionException}), overran its timeout
 * ({@link TaskTimeoutException}), its worker died ({@link WorkerDiedException}), it was cancelled
 * ({@link TaskCancelledException}), its result could not be transferred ({@link ResultTransferException})
 * no worker could be started for it ({@link WorkerStartException}), its worker went silent
 * ({@link WorkerUnresponsiveException}) or exceeded its memory limit ({@link ResourceLimitException}).
 * Threading as for
 * {@link ResultCallback}.
 */
@FunctionalInterface
public interface ExceptionCallback {

    /**
     * @param task    the task that failed
     * @param failure why it failed; never {@code null}
     */
    void onException(ProcessTask task, TaskException failure);
}
