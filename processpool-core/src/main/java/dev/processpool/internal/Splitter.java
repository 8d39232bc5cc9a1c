package dev.processpool.internal;

import dev.processpool.TaskException;
import dev.processpool.protocol.TaskPayload;

import java.util.List;

/**
 * How a task made of independent items (a map's chunk) is cut into one task per item when its worker ends
 * under it, and how the items' outcomes make the task's value again. So a chunk whose item kills its worker
 * costs that item alone: every other item gets its result. Supplied by the layer that made the task.
 */
public interface Splitter {

    /**
     * One payload per item, in order. Called once, when the task is split, outside the engine's lock.
     *
     * @return the items' payloads; fewer than two means the task is not split
     * @throws Exception if the items cannot be serialised on their own (the task is then not split)
     */
    List<TaskPayload> items() throws Exception;

    /**
     * The task's value from its items' outcomes.
     *
     * @param values   each item's value, in order ({@code null} where it failed)
     * @param failures each item's failure, in order ({@code null} where it succeeded)
     * @return the split task's value
     */
    Object join(List<Object> values, List<TaskException> failures);
}
