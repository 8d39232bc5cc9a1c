package dev.processpool;

import dev.processpool.protocol.CompactLambda;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serialises tasks as workers receive them ({@link TaskPayload}): the function (a lambda that captures
 * nothing in a compact form, made once per class; anything else by Java serialisation, when the task is
 * queued, so that later changes to captured objects do not leak into it) or the callable class's name, and the
 * arguments. A task that cannot be serialised is refused with a message naming the part that does not.
 */
final class TaskPayloads {

    private TaskPayloads() {
    }

    /**
     * The task as a worker receives it, serialised now, in the caller's thread.
     *
     * @throws IllegalArgumentException naming the part of the task that does not serialise
     */
    static TaskPayload of(ProcessTask task) {
        try {
            TaskFunction function = task.getFunction().orElse(null);
            return new TaskPayload(function == null ? null : functionBytes(function),
                    task.getCallableClassName().orElse(null),
                    TaskPayload.encodeArguments(task.getArgs(), task.getKwargs()));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("task " + task.getTaskID() + " cannot be serialised: "
                    + culprit(task) + " (" + e + ")", e);
        }
    }

    /** Serialised forms of stateless function classes (lambdas that capture nothing): they never change. */
    private static final Map<Class<?>, byte[]> STATELESS_FUNCTIONS = new ConcurrentHashMap<>();

    /** Whether a function class has no state (no instance fields), looked up once per class. */
    private static final ClassValue<Boolean> STATELESS = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> cls) {
            return cls.getSuperclass() == Object.class && Arrays.stream(cls.getDeclaredFields())
                    .allMatch(f -> Modifier.isStatic(f.getModifiers()));
        }
    };

    /**
     * The function's serialised form. A function with no state (no instance fields) always serialises to
     * the same bytes, so those are made once per class; a map's chunk function once per map call. Anything
     * else is serialised per task, when it is queued, so that later changes to captured objects do not leak
     * into tasks already queued.
     */
    private static byte[] functionBytes(TaskFunction function) throws IOException {
        if (function instanceof MapRunner.ChunkFunction chunk) {
            return chunk.serializedForm();
        }
        Class<?> cls = function.getClass();
        byte[] cached = STATELESS_FUNCTIONS.get(cls);
        if (cached != null) {
            return cached;
        }
        boolean stateless = STATELESS.get(cls);
        // A lambda that captures nothing travels in a compact form the worker rebuilds without Java
        // deserialisation, whose first use is a large part of a fresh worker's first task.
        byte[] bytes = stateless ? CompactLambda.encode(function) : null;
        if (bytes == null) {
            bytes = JavaSerialization.serialize(function);
        }
        if (stateless && STATELESS_FUNCTIONS.size() < 1024) {
            STATELESS_FUNCTIONS.putIfAbsent(cls, bytes);
        }
        return bytes;
    }

    /** Names the part of a task that does not serialise. */
    private static String culprit(ProcessTask task) {
        if (task.getFunction().isPresent() && !serializes(task.getFunction().get())) {
            return "its function (" + task.getFunction().get().getClass().getName()
                    + ", or something it captures) is not serialisable";
        }
        for (int i = 0; i < task.getArgs().size(); i++) {
            Object a = task.getArgs().get(i);
            if (!serializes(a)) {
                return "args[" + i + "] of class " + a.getClass().getName() + " is not serialisable";
            }
        }
        for (Map.Entry<String, Object> e : task.getKwargs().entrySet()) {
            if (!serializes(e.getValue())) {
                return "kwargs['" + e.getKey() + "'] of class " + e.getValue().getClass().getName()
                        + " is not serialisable";
            }
        }
        return "a part of it is not serialisable";
    }

    private static boolean serializes(Object o) {
        try {
            JavaSerialization.serialize(o);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
