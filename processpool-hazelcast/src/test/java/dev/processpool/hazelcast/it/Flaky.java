package dev.processpool.hazelcast.it;

import dev.processpool.TaskContext;

/** A task that kills its worker on the attempts before {@code succeedAt} and then says which attempt it was. */
public final class Flaky {

    private Flaky() {
    }

    public static int dieBefore(int succeedAt) {
        if (TaskContext.attempt() < succeedAt) {
            Runtime.getRuntime().halt(7);
        }
        return TaskContext.attempt();
    }
}
