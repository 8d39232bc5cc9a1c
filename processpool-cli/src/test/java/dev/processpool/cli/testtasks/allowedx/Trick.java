package dev.processpool.cli.testtasks.allowedx;

import java.util.concurrent.Callable;

/** A package whose name starts like the allowed one: a prefix match must not reach it. */
public final class Trick implements Callable<String> {

    @Override
    public String call() {
        return "trick ran";
    }
}
