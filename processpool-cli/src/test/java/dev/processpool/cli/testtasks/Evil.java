package dev.processpool.cli.testtasks;

import java.util.concurrent.Callable;

/** A task outside the allowed package: an input line must not be able to run it. */
public final class Evil implements Callable<String> {

    @Override
    public String call() {
        return "evil ran";
    }

    public static String run() {
        return "evil static ran";
    }
}
