package dev.processpool.hazelcast;

import dev.processpool.TaskFunction;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.TaskProgress;
import dev.processpool.protocol.ValueCodec;
import dev.processpool.worker.TaskInvoker;

import java.util.List;
import java.util.Map;

/**
 * What a member's workers run for a client's task: the client's payload (function or class name, and
 * arguments), carried as bytes that only the worker reads, so the member's own JVM never loads or runs task
 * code. The worker runs it as it would run the task locally and encodes the result there, so the member
 * forwards bytes and the client decodes them with its own class loader and filter.
 *
 * <p>A class the worker cannot find (the task's, or one its arguments need) fails the task with a
 * {@link ClassNotFoundException} that names the member, so the caller knows which member's class path lacks
 * it. Never references Hazelcast: the workers' class path does not have it.
 */
final class PayloadTask implements TaskFunction {

    private static final long serialVersionUID = 1L;

    private final byte[] payload;
    private final String member;
    /** Which attempt at the client's task this is (1 for the first): what {@code TaskContext.attempt()} says. */
    private final int attempt;

    PayloadTask(byte[] payload, String member, int attempt) {
        this.payload = payload;
        this.member = member;
        this.attempt = attempt;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) throws Exception {
        Object result;
        TaskProgress.taskStarts(attempt); // the client's attempt, not the member's local one (always 1)
        try {
            result = TaskInvoker.invoke(TaskPayload.decode(payload, 0));
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new ClassNotFoundException("on member " + member + ": " + e.getMessage()
                    + " (the member's --classpath lacks it)", e);
        }
        try {
            return ValueCodec.encode(result);
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError)) {
                throw t;
            }
            throw new ResultEncodingException(result, t);
        }
    }

    /** The task's result could not be serialised in the worker; the member reports a ResultTransferException. */
    static final class ResultEncodingException extends Exception {
        private static final long serialVersionUID = 1L;

        ResultEncodingException(Object result, Throwable cause) {
            super("the result (" + result.getClass().getName() + ") could not be serialised in the worker: " + cause,
                    cause);
        }
    }
}
