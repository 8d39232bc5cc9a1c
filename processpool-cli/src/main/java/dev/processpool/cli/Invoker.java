package dev.processpool.cli;

import dev.processpool.worker.ArgumentConversion;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Finds what a {@link TaskTarget} names and fits the JSON arguments to it.
 *
 * <p>A callable class (one that implements {@link Callable} or {@link Runnable}) is constructed with a public
 * constructor and then called; a static method is called directly. The arguments are fitted to the
 * parameters in this order of preference:
 * <ol>
 *   <li>one parameter per positional argument (no keyword arguments given);</li>
 *   <li>one parameter per positional argument and a trailing {@code Map} that receives the keyword
 *       arguments;</li>
 *   <li>varargs: the trailing positional arguments fill the array;</li>
 *   <li>a {@code (List, Map)} pair that receives all positional and all keyword arguments.</li>
 * </ol>
 * JSON values reach natural Java types: numbers convert to any numeric parameter type that holds them exactly
 * ({@code 3} to {@code int}, {@code long}, {@code double}, {@code BigInteger}...), a one-letter string to
 * {@code char}; anything else (arrays, {@code List<Long>}, records and beans from JSON objects, enums,
 * {@code Path}, {@code Instant}...) is converted by Jackson in the worker.
 *
 * <p>The parent calls {@link #check} before a task is queued, to report problems with the line number and
 * without running any of the task's code (its class is not even initialised); the worker calls
 * {@link #invoke}.
 */
final class Invoker {

    /** A value that does not fit a parameter, and why when there is more to say than the types. */
    private record Mismatch(String reason) {
    }

    private static final Mismatch NO_MATCH = new Mismatch(null);

    /** The most digits a whole number made from a JSON number may have (as many as Jackson reads in one). */
    private static final int MAX_WHOLE_DIGITS = 1000;

    private enum Shape { EXACT, WITH_KWARGS, VARARGS, LIST_AND_MAP }

    /** {@code Shape.values()} once: each call of it copies the array, and a chunk selects once per line. */
    private static final Shape[] SHAPES = Shape.values();

    private record Fit(Executable executable, Object[] actual) {
    }

    private Invoker() {
    }

    // ============================================================================================ parent

    /**
     * Checks that the target exists, is callable and that the arguments fit one of its constructors or
     * methods, as far as that can be told without the target's code: conversions that need Jackson are left
     * to the worker.
     */
    static void check(TaskTarget target, ClassLoader loader, List<Object> args, Map<String, Object> kwargs)
            throws BadInputException {
        try {
            Resolved r = resolve(target, loader, false);
            select(r.cls(), target, r.candidates(), args, kwargs, null);
        } catch (LinkageError e) {
            // a class its constructors or methods mention is missing
            throw new BadInputException("task " + target + " cannot be used: " + e, e);
        }
    }

    // ============================================================================================ worker

    /** Creates and calls the callable, or calls the static method; the target's exceptions pass through. */
    static Object invoke(TaskTarget target, List<Object> args, Map<String, Object> kwargs) throws Exception {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        Resolved r = resolve(target, loader, true);
        Fit fit = select(r.cls(), target, r.candidates(), args, kwargs, Json::mapper);
        open(fit.executable());
        try {
            if (fit.executable() instanceof Constructor<?> c) {
                Object instance = c.newInstance(fit.actual());
                if (instance instanceof Callable<?> callable) {
                    return callable.call();
                }
                ((Runnable) instance).run();
                return null;
            }
            return ((Method) fit.executable()).invoke(null, fit.actual());
        } catch (InvocationTargetException e) {
            throw Invoker.<Exception>sneaky(e.getCause());
        }
    }

    /**
     * The executables {@link #open} has tried to make accessible, by identity (accessibility belongs to the
     * object, and equal ones are not the same); the candidates are found once, so they are few.
     */
    private static final Set<Executable> OPENED = Collections.synchronizedSet(Collections.newSetFromMap(
            new IdentityHashMap<>()));

    /**
     * Makes a constructor or method accessible, once: {@code setAccessible} is caller-sensitive (it walks the
     * stack), which a chunk's thousands of lines to the same target would pay each time.
     */
    private static void open(Executable e) {
        if (OPENED.contains(e)) {
            return;
        }
        try {
            e.setAccessible(true);
        } catch (RuntimeException notOpen) {
            // a public member of a public class needs no help
        }
        if (OPENED.size() < 1_000) {
            OPENED.add(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }

    // ========================================================================================== shared

    /** A target's class and candidates, for the loader and initialisation they were found with. */
    private record Resolved(TaskTarget target, ClassLoader loader, Class<?> cls, List<Executable> candidates) {
    }

    /**
     * The last target checked and the last invoked, by identity: every line of a chunk that takes the quick
     * way names the chunk's own target, so a chunk looks its class and candidates up once, not per line.
     */
    private static volatile Resolved lastChecked;
    private static volatile Resolved lastInvoked;

    private static Resolved resolve(TaskTarget target, ClassLoader loader, boolean initialize)
            throws BadInputException {
        Resolved last = initialize ? lastInvoked : lastChecked;
        if (last != null && last.target() == target && last.loader() == loader) {
            return last;
        }
        Class<?> cls = load(target, loader, initialize);
        Resolved r = new Resolved(target, loader, cls, candidates(cls, target));
        if (initialize) {
            lastInvoked = r;
        } else {
            lastChecked = r;
        }
        return r;
    }

    /** Classes loaded (and initialised) before, by loader and name: a chunk loads the same class many times. */
    private static final Map<List<Object>, Class<?>> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private static Class<?> load(TaskTarget target, ClassLoader loader, boolean initialize) throws BadInputException {
        List<Object> key = java.util.Arrays.asList(loader, target.className(), initialize);
        Class<?> known = LOADED.get(key);
        if (known != null) {
            return known;
        }
        Class<?> cls = forName(target, loader, initialize);
        if (LOADED.size() < 1_000) {
            LOADED.put(key, cls);
        }
        return cls;
    }

    private static Class<?> forName(TaskTarget target, ClassLoader loader, boolean initialize) throws BadInputException {
        try {
            return Class.forName(target.className(), initialize, loader);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new BadInputException("unknown task class " + target.className()
                    + ": it is not on the class path (add its jar or classes directory with --classpath)");
        } catch (LinkageError e) {
            if (e instanceof ExceptionInInitializerError) {
                throw e;
            }
            throw new BadInputException("task class " + target.className() + " cannot be loaded: " + e, e);
        }
    }

    /**
     * The candidates of a class and target, found once (reflection copies every method it returns, and a
     * chunk calls the same target thousands of times): a list, or the BadInputException's message.
     */
    private static final Map<List<Object>, Object> CANDIDATES = new java.util.concurrent.ConcurrentHashMap<>();

    private static List<Executable> candidates(Class<?> cls, TaskTarget target) throws BadInputException {
        List<Object> key = List.of(cls, target);
        Object known = CANDIDATES.get(key);
        if (known == null) {
            try {
                known = List.copyOf(findCandidates(cls, target));
            } catch (BadInputException e) {
                known = e;
            }
            if (CANDIDATES.size() < 1_000) {
                CANDIDATES.put(key, known);
            }
        }
        if (known instanceof BadInputException e) {
            throw new BadInputException(e.getMessage(), e.getCause());
        }
        @SuppressWarnings("unchecked")
        List<Executable> list = (List<Executable>) known;
        return list;
    }

    private static List<Executable> findCandidates(Class<?> cls, TaskTarget target) throws BadInputException {
        List<Executable> found = new ArrayList<>();
        if (target.isStaticMethod()) {
            boolean instanceMethod = false;
            Class<?> inheritedFrom = null;
            for (Method m : cls.getMethods()) {
                if (m.getName().equals(target.methodName())) {
                    if (!Modifier.isStatic(m.getModifiers())) {
                        instanceMethod = true;
                    } else if (target.declaredOnly() && m.getDeclaringClass() != cls) {
                        inheritedFrom = m.getDeclaringClass();
                    } else {
                        found.add(m);
                    }
                }
            }
            if (found.isEmpty()) {
                if (inheritedFrom != null) {
                    throw new BadInputException("class " + cls.getName() + " inherits " + target.methodName()
                            + " from " + inheritedFrom.getName() + "; an input line may call only static methods"
                            + " that its class declares itself");
                }
                throw new BadInputException(instanceMethod
                        ? "method " + target + " is not static: Class::method calls public static methods only"
                        : "class " + cls.getName() + " has no public static method " + target.methodName());
            }
        } else {
            if (!Callable.class.isAssignableFrom(cls) && !Runnable.class.isAssignableFrom(cls)) {
                boolean hasStatics = Arrays.stream(cls.getMethods()).anyMatch(m -> Modifier.isStatic(m.getModifiers())
                        && m.getDeclaringClass() == cls);
                throw new BadInputException("task class " + cls.getName() + " is not callable: it implements neither "
                        + "java.util.concurrent.Callable nor Runnable"
                        + (hasStatics ? " (to call one of its static methods, use " + cls.getName() + "::method)" : ""));
            }
            if (cls.isInterface() || Modifier.isAbstract(cls.getModifiers())) {
                throw new BadInputException("task class " + cls.getName() + " is abstract and cannot be constructed");
            }
            found.addAll(Arrays.asList(cls.getConstructors()));
            if (found.isEmpty()) {
                throw new BadInputException("task class " + cls.getName() + " has no public constructor");
            }
        }
        found.sort(CandidateOrder.INSTANCE);
        return found;
    }

    /**
     * Candidates in a deterministic order: fewer parameters first, then by signature. A class, not a chain of
     * lambdas and method references: each of those is linked on first use (async-profiler at 100 µs, a 2-line
     * run: about 290 of the worker's 6,258 samples).
     */
    private static final class CandidateOrder implements Comparator<Executable> {
        static final CandidateOrder INSTANCE = new CandidateOrder();

        @Override
        public int compare(Executable a, Executable b) {
            int byCount = Integer.compare(a.getParameterCount(), b.getParameterCount());
            return byCount != 0 ? byCount : signature(a).compareTo(signature(b));
        }
    }

    /**
     * Picks the first constructor or method, in order of shape preference, whose parameters take the
     * arguments; {@code mapper} gives the mapper when a conversion needs it (a worker sets Jackson up on first
     * use, see {@link CliWorkerMain}). With {@code mapper == null} (a dry run in the parent) conversions that
     * need Jackson are assumed to work and the returned actual arguments must not be used.
     */
    private static Fit select(Class<?> cls, TaskTarget target, List<Executable> candidates, List<Object> args,
                              Map<String, Object> kwargs, Supplier<ObjectMapper> mapper) throws BadInputException {
        String firstMismatch = null;
        boolean anyShape = false;
        for (Shape shape : SHAPES) {
            for (Executable e : candidates) {
                if (!fits(e, shape, args.size(), !kwargs.isEmpty())) {
                    continue;
                }
                anyShape = true;
                Object[] actual = new Object[e.getParameterCount()];
                String mismatch = convertAll(e, shape, args, kwargs, mapper, actual);
                if (mismatch == null) {
                    return new Fit(e, actual);
                }
                if (firstMismatch == null) {
                    firstMismatch = mismatch;
                }
            }
        }
        String signatures = candidates.stream().map(Invoker::signature).collect(Collectors.joining(", "));
        if (anyShape) {
            throw new BadInputException(firstMismatch + (candidates.size() > 1 ? " (candidates: " + signatures + ")" : ""));
        }
        String what = target.isStaticMethod() ? target.toString() : cls.getName();
        if (!kwargs.isEmpty() && candidates.stream().noneMatch(e -> fits(e, Shape.WITH_KWARGS, args.size(), true)
                || fits(e, Shape.LIST_AND_MAP, args.size(), true))
                && candidates.stream().anyMatch(e -> fits(e, Shape.EXACT, args.size(), false)
                || fits(e, Shape.VARARGS, args.size(), false))) {
            throw new BadInputException(what + " takes no keyword arguments (kwargs " + kwargs.keySet()
                    + " need a trailing Map parameter): " + signatures);
        }
        throw new BadInputException("wrong number of arguments for " + what + ": the line gives " + args.size()
                + " positional argument(s)" + (kwargs.isEmpty() ? "" : " and keyword arguments " + kwargs.keySet())
                + ", but it takes " + signatures);
    }

    private static boolean fits(Executable e, Shape shape, int n, boolean hasKwargs) {
        int count = e.getParameterCount(); // the types only where needed: getParameterTypes() copies them
        switch (shape) {
            case EXACT:
                return !hasKwargs && count == n;
            case WITH_KWARGS:
                return count == n + 1 && isMapParameter(e.getParameterTypes()[n]);
            case VARARGS:
                return !hasKwargs && e.isVarArgs() && n >= count - 1 && count != n;
            default:
                if (count != 2) {
                    return false;
                }
                Class<?>[] p = e.getParameterTypes();
                return p[0] != Object.class && p[0].isAssignableFrom(ArrayList.class) && isMapParameter(p[1]);
        }
    }

    private static boolean isMapParameter(Class<?> type) {
        return type != Object.class && type.isAssignableFrom(LinkedHashMap.class);
    }

    /** Each candidate's parameter types, found once (reflection copies them on every call), by identity. */
    private static final Map<Executable, Type[]> TYPES = Collections.synchronizedMap(new IdentityHashMap<>());

    /** The generic parameter types, or the plain ones where the generic view omits synthetic parameters. */
    private static Type[] parameterTypes(Executable e) {
        Type[] types = TYPES.get(e);
        if (types == null) {
            types = e.getGenericParameterTypes();
            if (types.length != e.getParameterCount()) {
                // inner-class constructors and the like: the generic view may omit synthetic parameters
                types = e.getParameterTypes();
            }
            if (TYPES.size() < 1_000) {
                TYPES.put(e, types);
            }
        }
        return types;
    }

    /** Fills {@code actual}; returns null on success or a description of the first argument that does not fit. */
    private static String convertAll(Executable e, Shape shape, List<Object> args, Map<String, Object> kwargs,
                                     Supplier<ObjectMapper> mapper, Object[] actual) {
        Type[] types = parameterTypes(e);
        switch (shape) {
            case LIST_AND_MAP: {
                Object list = convert(new ArrayList<>(args), types[0], mapper);
                if (list instanceof Mismatch) {
                    return "the positional arguments " + args + " cannot be passed as " + typeName(types[0]) + " to "
                            + signature(e);
                }
                Object map = convert(new LinkedHashMap<>(kwargs), types[1], mapper);
                if (map instanceof Mismatch) {
                    return "the keyword arguments cannot be passed as " + typeName(types[1]) + " to " + signature(e);
                }
                actual[0] = list;
                actual[1] = map;
                return null;
            }
            case VARARGS: {
                int fixed = types.length - 1;
                String m = convertPositional(e, args.subList(0, fixed), types, mapper, actual);
                if (m != null) {
                    return m;
                }
                Class<?> component = e.getParameterTypes()[fixed].getComponentType();
                Type componentType = types[fixed] instanceof java.lang.reflect.GenericArrayType g
                        ? g.getGenericComponentType() : component;
                Object array = Array.newInstance(component, args.size() - fixed);
                for (int i = fixed; i < args.size(); i++) {
                    Object c = convert(args.get(i), componentType, mapper);
                    if (c instanceof Mismatch bad) {
                        return mismatch(e, i, args.get(i), componentType, bad);
                    }
                    Array.set(array, i - fixed, mapper == null && !component.isPrimitive() && !component.isInstance(c)
                            ? null : c);
                }
                actual[fixed] = array;
                return null;
            }
            default: {
                String m = convertPositional(e, args, types, mapper, actual);
                if (m == null && shape == Shape.WITH_KWARGS) {
                    Object map = convert(new LinkedHashMap<>(kwargs), types[args.size()], mapper);
                    if (map instanceof Mismatch) {
                        return "the keyword arguments cannot be passed as " + typeName(types[args.size()]) + " to "
                                + signature(e);
                    }
                    actual[args.size()] = map;
                }
                return m;
            }
        }
    }

    private static String convertPositional(Executable e, List<Object> args, Type[] types,
                                            Supplier<ObjectMapper> mapper, Object[] actual) {
        for (int i = 0; i < args.size(); i++) {
            Object c = convert(args.get(i), types[i], mapper);
            if (c instanceof Mismatch m) {
                return mismatch(e, i, args.get(i), types[i], m);
            }
            actual[i] = c;
        }
        return null;
    }

    private static String mismatch(Executable e, int index, Object value, Type type, Mismatch m) {
        return "args[" + index + "] = " + describe(value) + " cannot be passed as " + typeName(type) + " to "
                + signature(e) + (m.reason() == null ? "" : ": " + m.reason());
    }

    /**
     * Fits one JSON-born value to a parameter type, or returns a {@link Mismatch}. Numbers fit numeric types
     * exactly or not at all ({@link #convertNumber}); what the core's {@link ArgumentConversion} fits (the
     * value as it is, boxing, a one-letter string for {@code char}) fits here too, except a list or map for a
     * parameterized type, whose elements Jackson converts; the rest is Jackson's in the worker.
     */
    static Object convert(Object value, Type type, Supplier<ObjectMapper> mapper) {
        Class<?> raw = rawClass(type);
        Class<?> boxed = box(raw);
        if (value instanceof Number n && isNumeric(boxed) && !boxed.isInstance(n)) {
            return convertNumber(n, boxed);
        }
        boolean container = value instanceof Collection || value instanceof Map;
        if (!(container && type instanceof ParameterizedType)) {
            Object fitted = ArgumentConversion.convert(value, raw);
            if (fitted != ArgumentConversion.NO_MATCH) {
                return fitted;
            }
            if (value == null) {
                return NO_MATCH;
            }
        }
        if (isNumeric(boxed) || boxed == String.class || boxed == Boolean.class || boxed == Character.class) {
            return NO_MATCH;
        }
        if (mapper == null) {
            return value; // the worker will ask Jackson
        }
        try {
            ObjectMapper m = mapper.get();
            return m.convertValue(value, m.constructType(type));
        } catch (IllegalArgumentException e) {
            for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
                if (c instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException f
                        && f.getOriginalMessage().contains("out of range")) {
                    String where = Json.path(f);
                    return new Mismatch(f.getOriginalMessage() + (where.equals("$") ? "" : " at " + where));
                }
            }
            return NO_MATCH;
        }
    }

    private static boolean isNumeric(Class<?> c) {
        return c == Integer.class || c == Long.class || c == Short.class || c == Byte.class || c == Double.class
                || c == Float.class || c == BigInteger.class || c == BigDecimal.class || c == Number.class;
    }

    private static Object convertNumber(Number n, Class<?> target) {
        if (target == Number.class) {
            return n;
        }
        String name = target == Integer.class ? "int" : target == Long.class ? "long" : target == Short.class
                ? "short" : target == Byte.class ? "byte" : target == Double.class ? "double"
                : target == Float.class ? "float" : target.getSimpleName();
        Mismatch outOfRange = new Mismatch("out of range for " + name);
        if (target == Double.class && JsonRules.outOfDoubleRange(n)
                || target == Float.class && JsonRules.outOfFloatRange(n)) {
            return outOfRange;
        }
        if (target == BigInteger.class && n instanceof BigDecimal d
                && d.precision() - d.scale() > MAX_WHOLE_DIGITS) {
            // 1e999999999 would take minutes and gigabytes to write out as a BigInteger
            return new Mismatch("out of range for BigInteger (more than " + MAX_WHOLE_DIGITS + " digits)");
        }
        Object converted = ArgumentConversion.convertNumber(n, target);
        if (converted != ArgumentConversion.NO_MATCH) {
            return converted;
        }
        if (target != Double.class && target != Float.class && target != BigDecimal.class) {
            BigDecimal exact = n instanceof BigDecimal d ? d : n instanceof BigInteger i ? new BigDecimal(i)
                    : new BigDecimal(n.toString());
            return exact.stripTrailingZeros().scale() > 0 ? new Mismatch("not a whole number") : outOfRange;
        }
        return NO_MATCH;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return rawClass(p.getRawType());
        }
        if (type instanceof java.lang.reflect.GenericArrayType g) {
            return Array.newInstance(rawClass(g.getGenericComponentType()), 0).getClass();
        }
        return Object.class; // type variables and wildcards
    }

    /** The wrapper class of a primitive type (the type itself otherwise). */
    private static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) {
            return c;
        }
        // not MethodType.wrap(): it interns a MethodType on every call, and a chunk converts every argument
        return c == int.class ? Integer.class : c == long.class ? Long.class : c == double.class ? Double.class
                : c == boolean.class ? Boolean.class : c == char.class ? Character.class : c == byte.class
                ? Byte.class : c == short.class ? Short.class : c == float.class ? Float.class : Void.class;
    }

    static String signature(Executable e) {
        // a loop, not a stream: the candidates of a worker's first task are sorted by this, and a stream's
        // first use in a cold JVM links its pipeline and lambdas (about 15 ms of a worker's first line)
        StringBuilder params = new StringBuilder();
        for (Class<?> p : e.getParameterTypes()) {
            if (params.length() > 0) {
                params.append(", ");
            }
            params.append(typeName(p));
        }
        if (e.isVarArgs() && params.length() >= 2 && params.charAt(params.length() - 1) == ']'
                && params.charAt(params.length() - 2) == '[') {
            params.setLength(params.length() - 2);
            params.append("...");
        }
        String owner = e.getDeclaringClass().getSimpleName();
        return (e instanceof Constructor ? owner : owner + "." + e.getName()) + "(" + params + ")";
    }

    /** A type's name without package names: a class's simple name has none to take out. */
    private static String typeName(Type t) {
        return t instanceof Class<?> c ? c.getSimpleName()
                : t.getTypeName().replaceAll("\\b(?:[a-z_$][\\w$]*\\.)+(?=[A-Z])", "");
    }

    private static String describe(Object v) {
        String text;
        if (v instanceof String s) {
            text = "\"" + (s.length() > 40 ? s.substring(0, 37) + "..." : s) + "\" (a string)";
        } else if (v instanceof Map) {
            text = "a JSON object";
        } else if (v instanceof List) {
            text = "a JSON array";
        } else if (v instanceof Boolean) {
            text = v + " (a boolean)";
        } else {
            text = String.valueOf(v);
        }
        return text;
    }
}
