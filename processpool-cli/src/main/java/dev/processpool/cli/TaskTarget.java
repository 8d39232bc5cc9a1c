package dev.processpool.cli;

import java.io.Serializable;

/**
 * What a task runs, as given by {@code --task} or a line's {@code "task"} field: a callable class
 * ({@code com.example.CountPrimes}), constructed in the worker with the arguments and then called, or a
 * public static method ({@code com.example.Hashing::sha256}), called with the arguments.
 *
 * <p>A name must be a well-formed binary class name: Java identifiers (without invisible format or control
 * characters) joined by dots, nested classes with {@code $}; no array types, slashes or spaces (around the
 * name, too, when an input line gives it).
 * {@code declaredOnly} targets (those an input line names) may call only static methods that the class
 * declares itself, not ones it inherits from a class that {@code --allow-task} may not cover.
 */
record TaskTarget(String className, String methodName, boolean declaredOnly) implements Serializable {

    /**
     * Whether {@code name} is Java identifiers joined by dots, none holding an invisible format or control
     * character: {@code [\p{javaJavaIdentifierStart}&&[^\p{Cf}\p{Cc}]][\p{javaJavaIdentifierPart}&&[^\p{Cf}\p{Cc}]]*}
     * joined by {@code \.}, code point by code point. Written out, not a regular expression: compiling those
     * character classes was most of the first task function a cold worker rebuilt (async-profiler at 100 µs:
     * 156 of a worker's 6,258 samples on a 2-line run), and the parent paid it too.
     */
    static boolean isJavaName(String name, boolean dots) {
        boolean start = true;
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            i += Character.charCount(c);
            if (c == '.' && dots) {
                if (start) {
                    return false;
                }
                start = true;
                continue;
            }
            int type = Character.getType(c);
            if (type == Character.FORMAT || type == Character.CONTROL
                    || !(start ? Character.isJavaIdentifierStart(c) : Character.isJavaIdentifierPart(c))) {
                return false;
            }
            start = false;
        }
        return !start;
    }

    /** Parses {@code Class} or {@code Class::method} as given on the command line. */
    static TaskTarget parse(String spec) throws BadInputException {
        return parse(spec, false);
    }

    /** Parses {@code Class} or {@code Class::method} as an input line gives it: declared static methods only. */
    static TaskTarget parseFromInput(String spec) throws BadInputException {
        return parse(spec, true);
    }

    private static TaskTarget parse(String spec, boolean declaredOnly) throws BadInputException {
        if (spec == null || spec.isBlank()) {
            throw new BadInputException("the task is empty: give a class name or Class::staticMethod");
        }
        // what a line names is checked and loaded exactly as given; the command line's may have spaces around
        String[] parts = split(declaredOnly ? spec : spec.strip());
        String cls = parts[0];
        String method = parts[1];
        if (method != null) {
            if (!isJavaName(method, false)) {
                throw new BadInputException("'" + spec + "' is not a task: after '::' comes a method name"
                        + " (Class::staticMethod)");
            }
        }
        if (!isJavaName(cls, true)) {
            throw new BadInputException("'" + spec + "' is not a task: expected a fully qualified class name"
                    + " (com.example.MyTask) or Class::staticMethod");
        }
        return new TaskTarget(cls, method, declaredOnly);
    }

    /** A target from its parts (as {@link FunctionWire} carries them), checked as the command line's is. */
    static TaskTarget checked(String className, String methodName, boolean declaredOnly) throws BadInputException {
        if (!isJavaName(className, true) || methodName != null && !isJavaName(methodName, false)) {
            throw new BadInputException("'" + className + (methodName == null ? "" : "::" + methodName)
                    + "' is not a task");
        }
        return new TaskTarget(className, methodName, declaredOnly);
    }

    /** {@code Class::method} into its class and method (null when there is no {@code ::}). */
    static String[] split(String spec) {
        int sep = spec.indexOf("::");
        return sep < 0 ? new String[] {spec, null} : new String[] {spec.substring(0, sep), spec.substring(sep + 2)};
    }

    /**
     * Written out, not left to the record: a record's own equals and hashCode are linked through method
     * handles on first use, the largest part of a cold worker's first line (async-profiler at 100 µs, a 2-line
     * run: 774 of the worker's 6,258 samples, where the candidates' cache hashes a target).
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof TaskTarget t && declaredOnly == t.declaredOnly && className.equals(t.className)
                && java.util.Objects.equals(methodName, t.methodName);
    }

    @Override
    public int hashCode() {
        return (className.hashCode() * 31 + java.util.Objects.hashCode(methodName)) * 31 + Boolean.hashCode(declaredOnly);
    }

    boolean isStaticMethod() {
        return methodName != null;
    }

    @Override
    public String toString() {
        return methodName == null ? className : className + "::" + methodName;
    }
}
