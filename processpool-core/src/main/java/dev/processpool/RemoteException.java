package dev.processpool;

/**
 * Stands in for an exception thrown in a worker whose class cannot be loaded or deserialised in the parent.
 * It carries the original type name and message; its stack trace is the worker's, and its cause stands in
 * for the original cause in the same way.
 */
public final class RemoteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The fully qualified class name of the exception thrown in the worker. */
    private final String remoteType;

    /**
     * A stand-in for an exception of a class the parent cannot load or deserialise.
     *
     * @param remoteType the fully qualified class name of the exception thrown in the worker
     * @param message    its message, or {@code null}
     * @param stackTrace its stack trace in the worker, or {@code null}
     * @param cause      the stand-in (or the real exception) for its cause, or {@code null}
     */
    public RemoteException(String remoteType, String message, StackTraceElement[] stackTrace, Throwable cause) {
        super(remoteType + (message == null ? "" : ": " + message), cause, false, true);
        this.remoteType = remoteType;
        if (stackTrace != null) {
            setStackTrace(stackTrace);
        }
    }

    /** {@return the fully qualified class name of the exception thrown in the worker} */
    public String getRemoteType() {
        return remoteType;
    }
}
