package dev.processpool.cli;

import java.io.Serializable;
import java.util.regex.Pattern;

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

    private static final String START = "[\\p{javaJavaIdentifierStart}&&[^\\p{Cf}\\p{Cc}]]";
    private static final String PART = "[\\p{javaJavaIdentifierPart}&&[^\\p{Cf}\\p{Cc}]]";
    private static final Pattern JAVA_NAME = Pattern.compile(START + PART + "*(?:\\." + START + PART + "*)*");
    private static final Pattern METHOD_NAME = Pattern.compile(START + PART + "*");

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
            if (!METHOD_NAME.matcher(method).matches()) {
                throw new BadInputException("'" + spec + "' is not a task: after '::' comes a method name"
                        + " (Class::staticMethod)");
            }
        }
        if (!JAVA_NAME.matcher(cls).matches()) {
            throw new BadInputException("'" + spec + "' is not a task: expected a fully qualified class name"
                    + " (com.example.MyTask) or Class::staticMethod");
        }
        return new TaskTarget(cls, method, declaredOnly);
    }

    /** A target from its parts (as {@link FunctionWire} carries them), checked as the command line's is. */
    static TaskTarget checked(String className, String methodName, boolean declaredOnly) throws BadInputException {
        String spec = methodName == null ? className : className + "::" + methodName;
        TaskTarget t = parse(spec, true);
        if (!t.className().equals(className) || !java.util.Objects.equals(t.methodName(), methodName)) {
            throw new BadInputException("'" + spec + "' is not a task");
        }
        return new TaskTarget(className, methodName, declaredOnly);
    }

    /** {@code Class::method} into its class and method (null when there is no {@code ::}). */
    static String[] split(String spec) {
        int sep = spec.indexOf("::");
        return sep < 0 ? new String[] {spec, null} : new String[] {spec.substring(0, sep), spec.substring(sep + 2)};
    }

    boolean isStaticMethod() {
        return methodName != null;
    }

    @Override
    public String toString() {
        return methodName == null ? className : className + "::" + methodName;
    }
}
