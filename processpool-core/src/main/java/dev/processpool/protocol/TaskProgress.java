package dev.processpool.protocol;

/**
 * The worker's end of {@code dev.processpool.TaskContext}: the worker installs what sends a
 * {@link Protocol#FRAME_PROGRESS} frame for its running task (at most one per
 * {@value Protocol#PROGRESS_INTERVAL_MILLIS} ms) once its channel is up; {@code TaskContext} calls it. Outside a
 * worker nothing is installed. Here, in the room both sides share, so that the public API need not know the
 * worker's main class, nor the worker the public API's internals.
 */
public final class TaskProgress {

    private static volatile Runnable reporter;
    private static volatile java.util.function.BiConsumer<Double, String> detailedReporter;

    /** Longest message of a {@link Report}, in UTF-8 bytes; a longer one is cut. */
    public static final int MAX_MESSAGE_BYTES = 4096;

    /**
     * A progress report with a payload: how far the task is, and what it is doing.
     *
     * @param fraction how much is done, from 0 to 1
     * @param message  what it is doing, possibly empty
     */
    public record Report(double fraction, String message) {

        /** {@return the report as it follows the sequence number in a PROGRESS frame} */
        public byte[] encode() {
            byte[] text = message.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            int n = Math.min(text.length, MAX_MESSAGE_BYTES);
            while (n > 0 && n < text.length && (text[n] & 0xC0) == 0x80) {
                n--; // not in the middle of a character
            }
            return java.nio.ByteBuffer.allocate(12 + n).putDouble(fraction).putInt(n).put(text, 0, n).array();
        }

        /**
         * Reads the report from a PROGRESS frame's body after its sequence number.
         *
         * @return the report, or null when the frame carries none
         * @throws ProtocolException when the body is not a report
         */
        public static Report decode(byte[] body, int offset) throws ProtocolException {
            if (body.length == offset) {
                return null;
            }
            java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(body, offset, body.length - offset);
            if (in.remaining() < 12) {
                throw new ProtocolException("PROGRESS frame with " + in.remaining() + " bytes of report");
            }
            double fraction = in.getDouble();
            int n = in.getInt();
            if (!(fraction >= 0 && fraction <= 1) || n < 0 || n != in.remaining()) {
                throw new ProtocolException("PROGRESS frame with a malformed report (fraction " + fraction
                        + ", message of " + n + " bytes in " + in.remaining() + ")");
            }
            java.nio.charset.CharsetDecoder utf8 = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPLACE);
            try {
                return new Report(fraction, utf8.decode(in).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new ProtocolException("PROGRESS frame message: " + e);
            }
        }
    }

    /**
     * Installs this JVM's reporter of progress with a payload (the worker does, at its handshake).
     *
     * @param progressReporter sends, or keeps for a moment when it is too soon, a report for the running task
     */
    public static void installDetailed(java.util.function.BiConsumer<Double, String> progressReporter) {
        detailedReporter = progressReporter;
    }

    /** {@return this JVM's reporter of progress with a payload, or null when it is not a connected worker} */
    public static java.util.function.BiConsumer<Double, String> detailedReporter() {
        return detailedReporter;
    }
    /** Which attempt at the running task this is (1 for the first). */
    private static volatile int attempt = 1;
    /** Whether the running task's soft timeout has passed. */
    private static volatile boolean softTimeoutReached;

    /**
     * The running task's soft deadline has passed (true), or a task starts or ends (false).
     *
     * @param reached whether it has passed
     */
    public static void softTimeoutReached(boolean reached) {
        softTimeoutReached = reached;
    }

    /** {@return whether the running task's soft timeout has passed; false outside a worker} */
    public static boolean softTimeoutReached() {
        return softTimeoutReached;
    }

    /**
     * The worker is about to run a task: what {@code TaskContext} tells about it.
     *
     * @param attemptNumber which attempt at the task this is, 1 for the first
     */
    public static void taskStarts(int attemptNumber) {
        attempt = attemptNumber;
    }

    /** {@return which attempt at the running task this is: 1 for the first, and outside a worker} */
    public static int attempt() {
        return attempt;
    }

    private TaskProgress() {
    }

    /**
     * Installs this JVM's progress reporter (the worker does, at its handshake).
     *
     * @param progressReporter sends a PROGRESS frame for the running task, or does nothing when it is too soon
     */
    public static void install(Runnable progressReporter) {
        reporter = progressReporter;
    }

    /** {@return this JVM's progress reporter, or null when it is not a connected worker} */
    public static Runnable reporter() {
        return reporter;
    }
}
