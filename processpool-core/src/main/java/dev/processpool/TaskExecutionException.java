package dev.processpool;

import java.util.List;

/**
 * The task's own code threw. The {@linkplain #getCause() cause} is the exception thrown in the worker,
 * deserialised in the parent with its type, message, cause chain and the worker's stack trace; when its
 * class cannot be loaded or deserialised in the parent, the cause is a {@link RemoteException} that carries
 * the same information as text.
 */
public final class TaskExecutionException extends TaskException {

    private static final long serialVersionUID = 1L;

    /** The fully qualified class name of the exception the task threw. */
    private final String remoteType;
    /** Its message, or {@code null}. */
    private final String remoteMessage;
    /** Its stack trace as printed in the worker. */
    private final String remoteStackTrace;

    /**
     * The outcome of a task whose code threw.
     *
     * @param taskId           the task's id
     * @param workerPid        the pid of the worker that ran it
     * @param remote           the exception, deserialised, or a {@link RemoteException} standing in for it
     * @param remoteType       the fully qualified class name of the exception the task threw
     * @param remoteMessage    its message, or {@code null}
     * @param remoteStackTrace its stack trace as printed in the worker, causes included
     */
    public TaskExecutionException(String taskId, long workerPid, Throwable remote,
                                  String remoteType, String remoteMessage, String remoteStackTrace) {
        super("task " + taskId + " threw " + remoteType + (remoteMessage == null ? "" : ": " + remoteMessage),
                taskId, workerPid, remote);
        this.remoteType = remoteType;
        this.remoteMessage = remoteMessage;
        this.remoteStackTrace = remoteStackTrace;
    }

    /** {@return the fully qualified class name of the exception the task threw} */
    public String getRemoteType() {
        return remoteType;
    }

    /** {@return the message of the exception the task threw, possibly {@code null}} */
    public String getRemoteMessage() {
        return remoteMessage;
    }

    /** {@return the exception's stack trace as printed in the worker, causes included} */
    public String getRemoteStackTrace() {
        return remoteStackTrace;
    }

    /** {@return the class names of the remote exception and its causes, outermost first} */
    public List<String> getRemoteCauseTypes() {
        java.util.ArrayList<String> types = new java.util.ArrayList<>();
        for (Throwable t = getCause(); t != null && types.size() < 64; t = t.getCause()) {
            types.add(t instanceof RemoteException r ? r.getRemoteType() : t.getClass().getName());
        }
        return types;
    }
}
