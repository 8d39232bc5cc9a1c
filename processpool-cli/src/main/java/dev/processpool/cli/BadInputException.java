package dev.processpool.cli;

/**
 * An input line or a task target that cannot be run: malformed JSON, an unknown field, an unknown or
 * non-callable class, arguments that fit no constructor or method. Its message is meant for the user as it is.
 */
public final class BadInputException extends Exception {

    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
