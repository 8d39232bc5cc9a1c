package dev.processpool.cli.testtasks;

/** Test tasks around the JSON string-length limit. */
public final class Strings {

    private Strings() {
    }

    /** The length of the argument, so a test can pass a long string without getting it back. */
    public static int length(String s) {
        return s.length();
    }

    /** A string of {@code n} times 'x'. */
    public static String repeat(int n) {
        return "x".repeat(n);
    }
}
