package dev.processpool.cli.testtasks.allowed;

import dev.processpool.cli.testtasks.Base;

/** Allowed by package, but it inherits a public static method from a class that is not. */
public final class Child extends Base {

    public static String own() {
        return "own static method";
    }
}
