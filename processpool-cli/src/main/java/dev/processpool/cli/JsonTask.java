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
 * the parent gets type, message and the task's own stack trace. A target an input line named is run only if
 * {@code --allow-task} allows it, checked here as well as in the parent.
 *
 * <p>Except a {@link VirtualMachineError} other than {@link StackOverflowError} (out of memory, an internal
 * error): it goes on to the core's worker, which reports it and exits, since its JVM may be in a bad state.
 * A task the pool had already handed that worker is given back and runs elsewhere. Its stack trace is cut
 * where the task's own frames end, as every other one is; one that struck while the result was written as
 * JSON says so, since the task itself had returned.
 */
record JsonTask(TaskTarget target, AllowedTasks allowed) implements TaskFunction {

    private static final long serialVersionUID = 1L;

    /** A line's function travels as its settings ({@link FunctionWire}). */
    private Object writeReplace() {
        return new FunctionWire(FunctionWire.LINE, target, allowed, out -> { });
    }

    /** Frames from here on down are the CLI's and the worker's, not the task's. */
    private static final Set<String> MACHINERY = Set.of(Invoker.class.getName(), JsonTask.class.getName());

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
        // Jackson is set up on first use (CliWorkerMain): its set-up is not counted in the task's duration
        long start = System.nanoTime() - Json.setupNanos();
        long pid = ProcessHandle.current().pid();
        String refusal = target.declaredOnly() ? allowed.refusal(target) : null;
        if (refusal != null) {
            // the parent refused it already; a task that came another way is refused here too
            return TaskOutcome.failed(BadInputException.class.getName(), refusal, null, pid, 0);
        }
        Object result;
        try {
            result = Invoker.invoke(target, args, kwargs);
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
                trim(e, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
                throw e;
            }
            if (t instanceof Exception e && dev.processpool.TaskContext.softTimeoutReached()) {
                throw e; // stopped at its soft timeout: the pool's outcome says so (status timeout)
            }
            if (t instanceof BadInputException) {
                return TaskOutcome.failed(t.getClass().getName(), t.getMessage(), null, pid, duration(start));
            }
            return TaskOutcome.failed(t.getClass().getName(), t.getMessage(), stackTrace(t), pid,
                    duration(start));
        }
        String type = result == null ? "null" : result.getClass().getName();
        try {
            String json = plainJson(result);
            if (json == null) {
                json = Json.mapper().writeValueAsString(result);
            }
            return TaskOutcome.ok(json, pid, duration(start));
        } catch (OutOfMemoryError e) {
            result = null; // whatever the writer held is garbage now; the message below needs a little room
            OutOfMemoryError reported = new OutOfMemoryError(WRITING_OOM);
            reported.setStackTrace(new StackTraceElement[0]);
            throw reported;
        } catch (JsonProcessingException | RuntimeException e) {
            String why = e instanceof com.fasterxml.jackson.databind.JsonMappingException j
                    ? j.getOriginalMessage() + pathOf(j) : e instanceof JsonProcessingException j
                    ? j.getOriginalMessage() : e.getMessage();
            return TaskOutcome.failed(e.getClass().getName(), "the result (" + type + ") cannot be written as JSON: "
                    + why, null, pid, duration(start));
        }
    }

    /** The time since {@code start}, less the time spent setting Jackson up since then. */
    private static long duration(long start) {
        return System.nanoTime() - Json.setupNanos() - start;
    }

    /**
     * The JSON of a result the mapper writes as a plain number or literal ({@code null}, {@code Boolean},
     * {@code Integer}, {@code Long}), written without it (a no-op task spends most of its time in the
     * mapper otherwise); null for any other result.
     */
    static String plainJson(Object result) {
        if (result == null) {
            return "null";
        }
        Class<?> c = result.getClass();
        return c == Integer.class || c == Long.class || c == Boolean.class ? result.toString() : null;
    }

    /** The message of an OutOfMemoryError while the result was written: the task is not to blame. */
    static final String WRITING_OOM =
            "the task returned; writing its result as JSON ran out of memory: raise --worker-heap";

    private static String pathOf(com.fasterxml.jackson.databind.JsonMappingException e) {
        String p = Json.path(e);
        return p.equals("$") ? "" : " (at " + p + " in the result)";
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
