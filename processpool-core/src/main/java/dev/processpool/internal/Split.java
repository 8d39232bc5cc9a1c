package dev.processpool.internal;

import dev.processpool.ResultTransferException;
import dev.processpool.TaskException;

import java.util.Arrays;

/**
 * A task that was cut into one task per item (see {@link Splitter}): it collects their outcomes, each once,
 * and when the last item has ended, the task ends with the value its splitter joins from them.
 */
final class Split {

    final Submission parent;
    /** The items' tasks, in order. Written before any of them is queued. */
    final Submission[] items;
    private final Object[] values;
    private final TaskException[] failures;
    /** Items without an outcome. Guarded by this. */
    private int left;

    Split(Submission parent, int size) {
        this.parent = parent;
        this.items = new Submission[size];
        this.values = new Object[size];
        this.failures = new TaskException[size];
        this.left = size;
    }

    /** An item has its outcome (called once per item); the split task ends with the last. */
    void ended(PoolEngine engine, Submission item, Object value, TaskException failure) {
        synchronized (this) {
            values[item.index] = value;
            failures[item.index] = failure;
            if (--left > 0) {
                return;
            }
        }
        Object joined;
        try {
            joined = parent.splitter.join(Arrays.asList(values), Arrays.asList(failures));
        } catch (Throwable e) {
            engine.finish(parent, null, new ResultTransferException(parent.taskId, parent.workerPid,
                    "its items' results could not be put together: " + e, e));
            return;
        }
        engine.finish(parent, joined, null);
    }
}
