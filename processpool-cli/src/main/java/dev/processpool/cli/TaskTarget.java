package dev.processpool.cli;

import java.io.Serializable;
import java.util.regex.Pattern;

/**
 * What a task runs, as given by {@code --task} or a line's {@code "task"} field: a callable class
 * ({@code com.example.CountPrimes}), constructed in the worker with the arguments and then called, or a
 * public static method ({@code com.example.Hashing::sha256}), called with the arguments.
 */
record TaskTarget(String className, String methodName) implements Serializable {

    private static final Pattern JAVA_NAME =
            Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
                    + "(?:[.$]\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");
    private static final Pattern METHOD_NAME =
            Pattern.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*");

    /** Parses {@code Class} or {@code Class::method}. */
    static TaskTarget parse(String spec) throws BadInputException {
        if (spec == null || spec.isBlank()) {
            throw new BadInputException("the task is empty: give a class name or Class::staticMethod");
        }
        String s = spec.strip();
        String cls = s;
        String method = null;
        int sep = s.indexOf("::");
        if (sep >= 0) {
            cls = s.substring(0, sep);
            method = s.substring(sep + 2);
            if (!METHOD_NAME.matcher(method).matches()) {
                throw new BadInputException("'" + spec + "' is not a task: after '::' comes a method name"
                        + " (Class::staticMethod)");
            }
        }
        if (!JAVA_NAME.matcher(cls).matches()) {
            throw new BadInputException("'" + spec + "' is not a task: expected a fully qualified class name"
                    + " (com.example.MyTask) or Class::staticMethod");
        }
        return new TaskTarget(cls, method);
    }

    boolean isStaticMethod() {
        return methodName != null;
    }

    @Override
    public String toString() {
        return methodName == null ? className : className + "::" + methodName;
    }
}
