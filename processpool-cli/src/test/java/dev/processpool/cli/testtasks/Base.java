package dev.processpool.cli.testtasks;

/** A base class outside the allowed package, with a public static method its subclasses inherit. */
public class Base {

    public static String leak() {
        return "leaked from Base";
    }
}
