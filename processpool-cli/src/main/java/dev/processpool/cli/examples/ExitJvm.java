package dev.processpool.cli.examples;

import java.util.concurrent.Callable;

/**
 * Calls {@code System.exit}: the worker JVM is gone, the line gets status {@code worker-died} with the exit
 * code, and the pool starts another worker for the next tasks. Input line: {@code [3]} (the exit code).
 */
public final class ExitJvm implements Callable<Object> {

    private final int status;

    public ExitJvm(int status) {
        this.status = status;
    }

    @Override
    public Object call() {
        System.err.println("ExitJvm: exiting with status " + status);
        System.exit(status);
        return null;
    }
}
