package dev.processpool;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** What the worker runs for a {@link ProcessPoolExecutor}: the caller's task, carried as it is. */
final class ExecutorTask implements TaskFunction {
    private static final long serialVersionUID = 1L;
    private final Object task;
    private final boolean callable;

    ExecutorTask(Object task, boolean callable) {
        this.task = task;
        this.callable = callable;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
        if (callable) {
            return ((Callable<?>) task).call();
        }
        ((Runnable) task).run();
        return null;
    }
}
