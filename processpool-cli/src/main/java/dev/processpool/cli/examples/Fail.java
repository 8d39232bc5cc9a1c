package dev.processpool.cli.examples;

import java.util.concurrent.Callable;

/**
 * Throws: the line gets status {@code error} with the exception's type, message and stack trace; the worker
 * lives on. Input line: {@code ["the message"]}.
 */
public final class Fail implements Callable<Object> {

    private final String message;

    public Fail(String message) {
        this.message = message;
    }

    @Override
    public Object call() {
        throw new IllegalStateException(message, new ArithmeticException("the root cause"));
    }
}
