package dev.processpool.protocol;

/**
 * The wire protocol between the pool (parent) and one worker JVM (child). Shared by both sides; knows
 * nothing of scheduling.
 *
 * <h2>Channel</h2>
 * Each worker has its own channel: a Unix domain socket whose file lives in a directory only the pool's
 * user can open, connected once and then deleted. No TCP listener is ever opened. The worker's stdin carries
 * one line, a random per-worker token, and nothing else. The channel's end-of-file tells the worker that the
 * parent is gone. What task code prints through {@code System.out} and {@code System.err} travels on the
 * channel as {@link #FRAME_OUTPUT} frames; the worker's stdout and stderr pipes carry only raw writes to the
 * file descriptors (native code, child processes) and what the worker prints before its handshake.
 *
 * <h2>Frames</h2>
 * Every message is one length-prefixed frame (integers big-endian):
 * <pre>
 *   int32  length   number of bytes after this field: 1 (type) + body; the reader rejects 0 or more than its limit
 *   byte   type     one of the {@code FRAME_*} constants below
 *   byte[] body     length - 1 bytes, laid out per type
 * </pre>
 * Strings are an int32 byte count (-1 for null) followed by UTF-8 bytes.
 *
 * <h2>Handshake (versioned)</h2>
 * <ol>
 *   <li>worker → parent {@link #FRAME_HELLO}: int32 {@link #MAGIC}, int16 protocol version, int64 pid,
 *       string token;</li>
 *   <li>parent → worker {@link #FRAME_WELCOME}: int16 version (the one both speak), int32 heartbeat interval
 *       in milliseconds (0: none), then optionally int32 the interval once the worker has waited a while for
 *       a task (absent: the same), or
 *       {@link #FRAME_REJECT}: string reason, after which the parent closes the channel.</li>
 * </ol>
 * The parent accepts only its own token and only version {@link #VERSION}.
 *
 * <h2>Task exchange</h2>
 * <ul>
 *   <li>parent → worker {@link #FRAME_TASK}: int64 sequence number, then the encoded {@link TaskPayload}
 *       (the rest of the frame);</li>
 *   <li>worker → parent {@link #FRAME_STARTED}: int64 sequence, sent just before the task's code runs (the
 *       parent measures the timeout from its arrival);</li>
 *   <li>worker → parent {@link #FRAME_RESULT}: int64 sequence, then the result encoded by {@link ValueCodec}
 *       (compact for plain values, Java-serialised otherwise);</li>
 *   <li>worker → parent {@link #FRAME_ERROR}: int64 sequence, then a {@link RemoteFailure};</li>
 *   <li>worker → parent {@link #FRAME_PROGRESS}: int64 sequence; the task reported progress (resets its
 *       progress timeout); optionally followed by a {@link TaskProgress.Report} (float64 fraction done,
 *       int32 length and UTF-8 bytes of a message, at most {@value TaskProgress#MAX_MESSAGE_BYTES});</li>
 *   <li>worker → parent {@link #FRAME_HEARTBEAT}: empty, every heartbeat interval from a thread of its own,
 *       so a worker that stops answering (hung, stopped, swapped out) is noticed even while it runs a task
 *       with no timeout;</li>
 *   <li>parent → worker {@link #FRAME_SHUTDOWN}: empty; the worker exits normally (shutdown hooks run).</li>
 *   <li>worker → parent {@link #FRAME_OUTPUT}: int64 sequence of the task that was running when the bytes
 *       were written (-1: none), byte stream ({@link #STDOUT} or {@link #STDERR}), then up to
 *       {@link #MAX_OUTPUT_BYTES} bytes written through {@code System.out} or {@code System.err}, as written
 *       (lines may span frames).</li>
 * </ul>
 * <ul>
 *   <li>parent → worker {@link #FRAME_CANCEL}: int64 sequence; drop that task if it has not started (if it
 *       has, its STARTED frame is on its way and the parent kills the worker).</li>
 *   <li>parent → worker {@link #FRAME_RECLAIM}: empty; give back every task received and not started (the
 *       parent sends it when tasks wait behind one that runs long);</li>
 *   <li>worker → parent {@link #FRAME_RECLAIMED}: int32 count, then that many int64 sequences, in the order
 *       received: the tasks given back, which the worker will not run; the parent runs them elsewhere. A
 *       task taken up just before is not among them: its STARTED frame follows.</li>
 * </ul>
 * The parent may send a worker several tasks before the first has finished (pipelining, for short tasks);
 * the worker runs them one at a time, in the order received, and reports STARTED before running each, so
 * the parent always knows which task runs and which have not begun.
 */
public final class Protocol {

    /** "PPOL": first field of the worker's hello. */
    public static final int MAGIC = 0x50504F4C;

    /**
     * The protocol version this build speaks (2: function bytes may be a {@link CompactLambda}; 4: task
     * output on the channel, {@link #FRAME_OUTPUT}).
     */
    public static final short VERSION = 4;

    public static final byte FRAME_HELLO = 1;
    public static final byte FRAME_WELCOME = 2;
    public static final byte FRAME_REJECT = 3;
    public static final byte FRAME_TASK = 4;
    public static final byte FRAME_STARTED = 5;
    public static final byte FRAME_RESULT = 6;
    public static final byte FRAME_ERROR = 7;
    public static final byte FRAME_SHUTDOWN = 8;
    public static final byte FRAME_PROGRESS = 9;
    public static final byte FRAME_HEARTBEAT = 10;
    /** A worker that has waited this long for a task sends heartbeats at the WELCOME's idle interval, in ms. */
    public static final int IDLE_HEARTBEAT_AFTER_MILLIS = 2000;
    public static final byte FRAME_CANCEL = 11;
    public static final byte FRAME_RECLAIM = 12;
    public static final byte FRAME_RECLAIMED = 13;
    public static final byte FRAME_OUTPUT = 14;

    /** The stream byte of a {@link #FRAME_OUTPUT} frame: stdout. */
    public static final byte STDOUT = 1;
    /** The stream byte of a {@link #FRAME_OUTPUT} frame: stderr. */
    public static final byte STDERR = 2;
    /** Most output bytes in one {@link #FRAME_OUTPUT} frame (larger writes are sent in several). */
    public static final int MAX_OUTPUT_BYTES = 32 * 1024;

    /**
     * Output markers on the pipes. Raw writes to the file descriptors travel on the worker's stdout and stderr
     * pipes, which the parent reads independently of the channel. So when a task first writes through
     * {@code System.out} or {@code System.err}, the worker also writes {@link #OUTPUT_START_MARKER} + sequence
     * + newline on that stream's pipe, and after the task {@link #OUTPUT_END_MARKER} + sequence + newline: raw
     * lines between them are the task's. The parent strips the markers; tasks that print nothing pay nothing.
     * Raw lines outside markers are tagged with the task the parent believes is running, or the last one
     * that ended.
     */
    public static final String OUTPUT_START_MARKER = "\u0000processpool:start:";
    public static final String OUTPUT_END_MARKER = "\u0000processpool:end:";

    /** Length in characters of the hex token the parent hands each worker. */
    public static final int TOKEN_LENGTH = 64;

    /** The binary name of the worker JVMs' main class. */
    public static final String WORKER_MAIN_CLASS = "dev.processpool.worker.WorkerMain";
    /** The worker main class's argument for its class-data training mode. */
    public static final String TRAIN_ARGUMENT = "--train";

    /**
     * The system property that gives a worker the directory of the cgroup the pool moved it into (absent when
     * it runs in none): when its parent is gone, the worker kills that cgroup, itself included.
     */
    public static final String CGROUP_PROPERTY = "processpool.cgroup";

    /**
     * The system property that gives a worker the directory its heap dump goes to on an
     * {@link OutOfMemoryError} (absent when none is written), so that a task's failure can name the dump.
     */
    public static final String HEAP_DUMP_PROPERTY = "processpool.heapDumpDirectory";

    /** The name of the heap dump that the JVM with this pid writes into a {@code -XX:HeapDumpPath} directory. */
    public static String heapDumpName(long pid) {
        return "java_pid" + pid + ".hprof";
    }
    /** The worker main class's argument that only checks the JVM starts (with its class-data archive). */
    public static final String CHECK_ARGUMENT = "--check";
    /** A training JVM halts itself after this many seconds. */
    public static final int TRAINING_LIMIT_SECONDS = 120;
    /** A worker reports a running task's progress at most once per this many milliseconds. */
    public static final int PROGRESS_INTERVAL_MILLIS = 20;

    private Protocol() {
    }

    /** Send buffer asked for on both ends of a channel (the kernel caps it at net.core.wmem_max). */
    static final int SOCKET_SEND_BUFFER = 1 << 20;

    /**
     * Gives a channel a send buffer big enough for a large frame to go out in a few system calls: with the
     * default (~208 KiB) a 1 MiB result takes five writes, each waiting for the peer to drain the last.
     */
    public static void tuneSocket(java.nio.channels.SocketChannel channel) {
        try {
            channel.setOption(java.net.StandardSocketOptions.SO_SNDBUF, SOCKET_SEND_BUFFER);
        } catch (java.io.IOException | UnsupportedOperationException e) {
            // the default buffer works, only more slowly
        }
    }

    /** Most bytes of a {@link #FRAME_RECLAIMED} body: 65,536 sequence numbers, far above any pipeline depth. */
    static final int MAX_RECLAIMED_BYTES = 4 + 8 * 65536;

    /**
     * Checks the header of a frame a worker sent after its handshake, before the body is read: the type is one
     * a worker sends, and the size is the one that type has (answers, {@link #FRAME_RESULT} and
     * {@link #FRAME_ERROR}, need a sequence number; their size is the pool's to judge). A hostile worker
     * cannot make the parent allocate a large body of a small kind of frame.
     *
     * @throws ProtocolException naming the frame and what is wrong with it
     */
    public static void checkFromWorker(byte type, int bodyBytes) throws ProtocolException {
        int min;
        int max;
        switch (type) {
            case FRAME_STARTED:
                min = 8;
                max = 8;
                break;
            case FRAME_PROGRESS:
                min = 8;
                max = 8 + 8 + 4 + TaskProgress.MAX_MESSAGE_BYTES;
                break;
            case FRAME_HEARTBEAT:
                min = 0;
                max = 0;
                break;
            case FRAME_RECLAIMED:
                min = 4;
                max = MAX_RECLAIMED_BYTES;
                break;
            case FRAME_OUTPUT:
                min = 9;
                max = 9 + MAX_OUTPUT_BYTES;
                break;
            case FRAME_RESULT:
            case FRAME_ERROR:
                min = 8;
                max = Integer.MAX_VALUE;
                break;
            default:
                throw new ProtocolException("unexpected frame from worker: " + frameName(type) + " (" + bodyBytes
                        + " bytes)");
        }
        if (bodyBytes < min || bodyBytes > max) {
            throw new ProtocolException("malformed " + frameName(type) + " frame of " + bodyBytes + " bytes");
        }
    }

    /** A readable name for a frame type, for error messages. */
    public static String frameName(byte type) {
        switch (type) {
            case FRAME_HELLO: return "HELLO";
            case FRAME_WELCOME: return "WELCOME";
            case FRAME_REJECT: return "REJECT";
            case FRAME_TASK: return "TASK";
            case FRAME_STARTED: return "STARTED";
            case FRAME_RESULT: return "RESULT";
            case FRAME_ERROR: return "ERROR";
            case FRAME_SHUTDOWN: return "SHUTDOWN";
            case FRAME_PROGRESS: return "PROGRESS";
            case FRAME_HEARTBEAT: return "HEARTBEAT";
            case FRAME_CANCEL: return "CANCEL";
            case FRAME_RECLAIM: return "RECLAIM";
            case FRAME_RECLAIMED: return "RECLAIMED";
            case FRAME_OUTPUT: return "OUTPUT";
            default: return "unknown frame type " + type;
        }
    }
}
