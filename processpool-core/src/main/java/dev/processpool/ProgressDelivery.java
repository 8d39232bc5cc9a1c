package dev.processpool;

import dev.processpool.logging.Logs;
import dev.processpool.protocol.TaskProgress;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Takes tasks' progress reports off the workers' reader threads to their {@link ProgressListener}s, in one
 * thread of the pool (started when a report comes, gone after a few idle seconds). Per task only the latest
 * report waits: a slow listener skips reports rather than holding up a reader or piling them up.
 */
final class ProgressDelivery {

    private static final Logger LOG = Logs.logger(ProcessPool.class.getName(), Level.WARN);

    private final String poolName;
    private final ThreadPoolExecutor thread;

    ProgressDelivery(String poolName) {
        this.poolName = poolName;
        this.thread = new ThreadPoolExecutor(0, 1, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, poolName + "-progress");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A report of a task: it replaces the one still waiting, or waits for the listener's thread.
     *
     * @param waiting the task's report not yet heard (null when none)
     */
    void report(ProcessTask task, AtomicReference<TaskProgress.Report> waiting, double fraction, String message) {
        ProgressListener listener = task.getProgressListener();
        if (listener == null || waiting.getAndSet(new TaskProgress.Report(fraction, message)) != null) {
            return; // no listener, or the one waiting is delivered with this report's values
        }
        try {
            thread.execute(() -> {
                TaskProgress.Report r = waiting.getAndSet(null);
                if (r == null) {
                    return;
                }
                try {
                    listener.onProgress(task, r.fraction(), r.message());
                } catch (Throwable e) {
                    Logs.quietly(() -> LOG.error("{}: the progress listener of {} threw", poolName, task, e));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            waiting.set(null); // the pool has shut down: nobody listens any more
        }
    }

    /** The pool has shut down: reports already waiting are still delivered, later ones are not. */
    void shutdown() {
        thread.shutdown();
    }
}
