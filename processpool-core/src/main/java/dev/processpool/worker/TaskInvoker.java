package dev.processpool.worker;

import dev.processpool.TaskFunction;
import dev.processpool.protocol.FunctionCache;
import dev.processpool.protocol.TaskPayload;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Runs one task payload inside the worker: calls a function with (args, kwargs), or instantiates a callable
 * class with the arguments and calls it with none, as DIRAC does. Public for task functions that relay a
 * payload they carry (processpool-hazelcast's members run a client's task this way, in their own workers).
 */
public final class TaskInvoker {

    private TaskInvoker() {
    }

    private static final FunctionCache FUNCTIONS = new FunctionCache();

    @SuppressWarnings("unchecked")
    /** Runs the payload in this (worker) JVM with the context class loader; returns the task's result. */
    public static Object invoke(TaskPayload payload) throws Exception {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Object[] both = payload.decodeArguments(loader);
        List<Object> args = (List<Object>) both[0];
        Map<String, Object> kwargs = (Map<String, Object>) both[1];
        if (payload.functionBytes() != null) {
            Object function = FUNCTIONS.get(payload.functionBytes(), loader);
            if (!(function instanceof TaskFunction)) {
                throw new IllegalArgumentException("task function of class " + function.getClass().getName()
                        + " does not implement " + TaskFunction.class.getName());
            }
            return ((TaskFunction) function).call(args, kwargs);
        }
        Object instance = instantiate(payload.className(), args, kwargs);
        if (instance instanceof Callable<?> callable) {
            return callable.call();
        }
        ((Runnable) instance).run();
        return null;
    }

    /** Finds the constructor that fits the arguments and creates the callable. */
    static Object instantiate(String className, List<Object> args, Map<String, Object> kwargs) throws Exception {
        Class<?> cls;
        try {
            cls = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ClassNotFoundException("task class " + className + " is not on the worker's class path", e);
        }
        if (!Callable.class.isAssignableFrom(cls) && !Runnable.class.isAssignableFrom(cls)) {
            throw new IllegalArgumentException("task class " + className + " is not callable: it implements neither "
                    + Callable.class.getName() + " nor " + Runnable.class.getName());
        }
        if (Modifier.isAbstract(cls.getModifiers())) {
            throw new IllegalArgumentException("task class " + className + " is abstract");
        }
        Constructor<?> chosen = null;
        Object[] actual = null;
        // 1. parameters matching args, followed by a Map for kwargs (required when kwargs are given)
        // 2. parameters matching args exactly (only without kwargs)
        // 3. a (List, Map) constructor taking everything as given
        for (int pass = 0; pass < 3 && chosen == null; pass++) {
            for (Constructor<?> c : cls.getConstructors()) {
                Object[] converted = match(c, pass, args, kwargs);
                if (converted != null) {
                    chosen = c;
                    actual = converted;
                    break;
                }
            }
        }
        if (chosen == null) {
            throw new IllegalArgumentException("no public constructor of " + className + " accepts "
                    + args.size() + " positional argument(s) " + describeTypes(args)
                    + (kwargs.isEmpty() ? "" : " and keyword arguments " + kwargs.keySet() + " (a trailing Map parameter)")
                    + "; constructors: " + Arrays.toString(cls.getConstructors()));
        }
        try {
            return chosen.newInstance(actual);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw (Error) cause;
        }
    }

    private static Object[] match(Constructor<?> c, int pass, List<Object> args, Map<String, Object> kwargs) {
        Class<?>[] types = c.getParameterTypes();
        if (pass == 2) {
            if (types.length == 2 && types[0].isAssignableFrom(ArrayList.class) && types[1].isAssignableFrom(LinkedHashMap.class)) {
                return new Object[] {args, kwargs};
            }
            return null;
        }
        boolean withMap = pass == 0;
        if (!withMap && !kwargs.isEmpty()) {
            return null;
        }
        int expected = args.size() + (withMap ? 1 : 0);
        if (types.length != expected) {
            return null;
        }
        if (withMap && !types[types.length - 1].isAssignableFrom(LinkedHashMap.class)) {
            return null;
        }
        Object[] out = new Object[expected];
        for (int i = 0; i < args.size(); i++) {
            Object converted = ArgumentConversion.convert(args.get(i), types[i]);
            if (converted == ArgumentConversion.NO_MATCH) {
                return null;
            }
            out[i] = converted;
        }
        if (withMap) {
            out[expected - 1] = kwargs;
        }
        return out;
    }

    private static String describeTypes(List<Object> args) {
        List<String> names = new ArrayList<>();
        for (Object a : args) {
            names.add(a == null ? "null" : a.getClass().getSimpleName());
        }
        return names.toString();
    }
}
