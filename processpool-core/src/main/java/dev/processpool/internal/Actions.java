package dev.processpool.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * What the engine decided under its lock, done once the lock is released (decide under the lock, act outside
 * it): tasks to write to workers, polite stops, launches. Made and filled by one thread.
 */
final class Actions {

    private final PoolEngine engine;
    private final List<WorkerHandle> launches = new ArrayList<>(0);
    private final List<WorkerHandle> flushes = new ArrayList<>(0);
    private final List<WorkerHandle> shutdowns = new ArrayList<>(0);

    Actions(PoolEngine engine) {
        this.engine = engine;
    }

    void addLaunch(WorkerHandle w) {
        launches.add(w);
    }

    /** A task given to a worker, to be written to it (tasks given together go out in one write). */
    void addSend(WorkerHandle w, Submission s) {
        w.outbox.add(s);
        if (!flushes.contains(w)) {
            flushes.add(w);
        }
    }

    void addShutdown(WorkerHandle w) {
        shutdowns.add(w);
    }

    boolean isEmpty() {
        return launches.isEmpty() && flushes.isEmpty() && shutdowns.isEmpty();
    }

    void addAll(Actions other) {
        launches.addAll(other.launches);
        other.flushes.forEach(w -> {
            if (!flushes.contains(w)) {
                flushes.add(w);
            }
        });
        shutdowns.addAll(other.shutdowns);
    }

    /** Does it all, in the calling thread: writes first, then stops, then launches. */
    void run() {
        for (WorkerHandle w : flushes) {
            engine.traffic.sendOutbox(w);
        }
        for (WorkerHandle w : shutdowns) {
            engine.stopper.politelyStop(w);
        }
        for (WorkerHandle w : launches) {
            engine.launcher.launch(w);
        }
    }
}
