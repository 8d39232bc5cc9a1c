package dev.processpool.cli.testtasks.allowed;

import java.util.concurrent.Callable;

/** A task in the package the security tests allow. */
public final class Safe implements Callable<String> {

    @Override
    public String call() {
        return "safe ran";
    }

    public static String hello() {
        return "hello from Safe";
    }

    /** A nested class: its binary name has a '$'. */
    public static final class Inner implements Callable<String> {
        @Override
        public String call() {
            return "inner ran";
        }
    }
}
