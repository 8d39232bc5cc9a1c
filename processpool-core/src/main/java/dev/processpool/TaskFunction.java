package dev.processpool;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * A function that a worker JVM calls, the Java form of DIRAC's {@code fn(*args, **kwargs)}.
 *
 * <p>The function object itself travels to the worker by Java serialisation, so a lambda or method
 * reference targeting this interface is serialisable as long as everything it captures is. The class that
 * defines the lambda must be on the workers' class path (by default the parent's class path).
 *
 * <pre>{@code
 * TaskFunction square = (args, kwargs) -> {
 *     int x = (Integer) args.get(0);
 *     return x * x;
 * };
 * }</pre>
 */
@FunctionalInterface
public interface TaskFunction extends Serializable {

    /**
     * Runs the task inside a worker.
     *
     * @param args   the positional arguments, never {@code null} (empty when none were given)
     * @param kwargs the keyword arguments, never {@code null} (empty when none were given)
     * @return the result; any serialisable value, {@code null} included
     * @throws Exception anything; it reaches the task's exception callback as a
     *                   {@link TaskExecutionException}
     */
    Object call(List<Object> args, Map<String, Object> kwargs) throws Exception;
}
