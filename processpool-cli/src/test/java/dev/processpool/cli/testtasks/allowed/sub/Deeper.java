package dev.processpool.cli.testtasks.allowed.sub;

import java.util.concurrent.Callable;

/** In a sub-package of the allowed one: 'allowed.*' must not reach it, 'allowed.**' does. */
public final class Deeper implements Callable<String> {

    @Override
    public String call() {
        return "deeper ran";
    }
}
