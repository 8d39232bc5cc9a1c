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

    private final String remoteType;
    private final String remoteMessage;
    private final String remoteStackTrace;

    public TaskExecutionException(String taskId, long workerPid, Throwable remote,
                                  String remoteType, String remoteMessage, String remoteStackTrace) {
        super("task " + taskId + " threw " + remoteType + (remoteMessage == null ? "" : ": " + remoteMessage),
                taskId, workerPid, remote);
        this.remoteType = remoteType;
        this.remoteMessage = remoteMessage;
        this.remoteStackTrace = remoteStackTrace;
    }

    /** The fully qualified class name of the exception the task threw. */
    public String getRemoteType() {
        return remoteType;
    }

    /** The message of the exception the task threw, possibly {@code null}. */
    public String getRemoteMessage() {
        return remoteMessage;
    }

    /** The exception's stack trace as printed in the worker, causes included. */
    public String getRemoteStackTrace() {
        return remoteStackTrace;
    }

    /** The class names of the remote exception and its causes, outermost first. */
    public List<String> getRemoteCauseTypes() {
        java.util.ArrayList<String> types = new java.util.ArrayList<>();
        for (Throwable t = getCause(); t != null && types.size() < 64; t = t.getCause()) {
            types.add(t instanceof RemoteException r ? r.getRemoteType() : t.getClass().getName());
        }
        return types;
    }
}
