package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.processpool.TaskFunction;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The function every CLI task runs in its worker: constructs and calls the task class (or calls the static
 * method) through {@link Invoker}, writes the result as JSON and reports whatever the task threw as data, so
 * the parent gets type, message and the task's own stack trace.
 *
 * <p>Except a {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal
 * error): it goes on to the core's worker, which reports it and exits, since its JVM may be in a bad state.
 * A task the pool had already handed that worker is given back and runs elsewhere.
 */
record JsonTask(TaskTarget target) implements TaskFunction {

    private static final long serialVersionUID = 1L;

    /** Frames from here on down are the CLI's and the worker's, not the task's. */
    private static final Set<String> MACHINERY = Set.of(Invoker.class.getName(), JsonTask.class.getName());

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        Json.mapper(); // set up once per worker, not counted in the task's duration
        long start = System.nanoTime();
        long pid = ProcessHandle.current().pid();
        Object result;
        try {
            result = Invoker.invoke(target, args, kwargs);
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
                throw e;
            }
            if (t instanceof BadInputException) {
                return TaskOutcome.failed(t.getClass().getName(), t.getMessage(), null, pid, System.nanoTime() - start);
            }
            return TaskOutcome.failed(t.getClass().getName(), t.getMessage(), stackTrace(t), pid,
                    System.nanoTime() - start);
        }
        try {
            String json = Json.mapper().writeValueAsString(result);
            return TaskOutcome.ok(json, pid, System.nanoTime() - start);
        } catch (JsonProcessingException | RuntimeException e) {
            return TaskOutcome.failed(e.getClass().getName(), "the result (" + result.getClass().getName()
                    + ") cannot be written as JSON: "
                    + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()), null, pid, System.nanoTime() - start);
        }
    }

    /** The stack trace as the JVM prints it, cut where the task's own frames end. */
    static String stackTrace(Throwable t) {
        trim(t, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString().stripTrailing();
    }

    /** Drops the frames below the task's own (reflection, this class, the worker) in a whole cause chain. */
    private static void trim(Throwable t, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        StackTraceElement[] frames = t.getStackTrace();
        for (int i = 0; i < frames.length; i++) {
            String c = frames[i].getClassName();
            if (c.startsWith("jdk.internal.reflect.") || c.startsWith("java.lang.reflect.") || MACHINERY.contains(c)) {
                if (i > 0) {
                    t.setStackTrace(Arrays.copyOf(frames, i));
                }
                break;
            }
        }
        trim(t.getCause(), seen);
        for (Throwable s : t.getSuppressed()) {
            trim(s, seen);
        }
    }
}
