package dev.processpool.protocol;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What a worker runs: either a serialisable function object, or the name of a callable class to
 * instantiate with the arguments. Serialised once, in the caller's thread when the task is queued, so that a
 * task that cannot be serialised is refused at the call.
 *
 * @param function  the function object (a {@code dev.processpool.TaskFunction}), or null for a class task
 * @param className the callable class's binary name, or null for a function task
 * @param args      positional arguments
 * @param kwargs    keyword arguments
 */
public record TaskPayload(Object function, String className, List<Object> args, Map<String, Object> kwargs)
        implements Serializable {
}
