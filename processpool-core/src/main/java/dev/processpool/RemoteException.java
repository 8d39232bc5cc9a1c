package dev.processpool;

/**
 * Stands in for an exception thrown in a worker whose class cannot be loaded or deserialised in the parent.
 * It carries the original type name and message; its stack trace is the worker's, and its cause stands in
 * for the original cause in the same way.
 */
public final class RemoteException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String remoteType;

    public RemoteException(String remoteType, String message, StackTraceElement[] stackTrace, Throwable cause) {
        super(remoteType + (message == null ? "" : ": " + message), cause, false, true);
        this.remoteType = remoteType;
        if (stackTrace != null) {
            setStackTrace(stackTrace);
        }
    }

    /** The fully qualified class name of the exception thrown in the worker. */
    public String getRemoteType() {
        return remoteType;
    }
}
