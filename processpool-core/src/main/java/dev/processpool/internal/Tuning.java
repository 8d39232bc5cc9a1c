package dev.processpool.internal;

/**
 * The numbers the pool works by, in one place: the defaults of {@link dev.processpool.PoolConfig} and the
 * engine's own timings. The public javadoc quotes them with {@code {@value}}, so that it cannot drift from
 * them. (The worker's own number, how often it may report progress, is the protocol's:
 * {@link dev.processpool.protocol.Protocol#PROGRESS_INTERVAL_MILLIS}.)
 */
public final class Tuning {

    private Tuning() {
    }

    // ============================================================================ PoolConfig defaults

    /** Default {@code minSize}. */
    public static final int DEFAULT_MIN_SIZE = 2;
    /** Default {@code maxQueuedRequests}. */
    public static final int DEFAULT_MAX_QUEUED_REQUESTS = 10;
    /** Default {@code idleTimeout}, in seconds. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;
    /** Default {@code workerStartTimeout}, in seconds. */
    public static final int DEFAULT_WORKER_START_TIMEOUT_SECONDS = 30;
    /** Default {@code terminationGrace}, in seconds. */
    public static final int DEFAULT_TERMINATION_GRACE_SECONDS = 2;
    /** Default {@code maxFrameBytes}, in MiB. */
    public static final int DEFAULT_MAX_FRAME_MIB = 512;
    /** Default {@code heartbeatInterval}, in milliseconds. */
    public static final int DEFAULT_HEARTBEAT_MILLIS = 1000;
    /** How many times the heartbeat interval an idle worker waits between heartbeats, at most. */
    public static final int IDLE_HEARTBEAT_FACTOR = 5;

    /**
     * The heartbeat interval of a worker that has waited
     * {@value dev.processpool.protocol.Protocol#IDLE_HEARTBEAT_AFTER_MILLIS} ms for a task:
     * {@value #IDLE_HEARTBEAT_FACTOR} times {@code heartbeat}, but no more than a third of {@code unresponsive}
     * (zero: none), so that an idle worker is never taken for a silent one; {@code heartbeat} itself (no
     * slowing down) where a memory limit or budget is set, since workers' memory is measured at their
     * heartbeats. 64 idle workers sent 64 heartbeats a second to the parent; with the defaults they send 13.
     */
    public static java.time.Duration idleHeartbeat(java.time.Duration heartbeat, java.time.Duration unresponsive,
                                                   boolean memoryMeasured) {
        if (heartbeat.isZero() || memoryMeasured) {
            return heartbeat;
        }
        java.time.Duration idle = heartbeat.multipliedBy(IDLE_HEARTBEAT_FACTOR);
        if (!unresponsive.isZero() && idle.compareTo(unresponsive.dividedBy(3)) > 0) {
            idle = unresponsive.dividedBy(3);
        }
        return idle.compareTo(heartbeat) < 0 ? heartbeat : idle;
    }
    /**
     * Default {@code unresponsiveTimeout}, in seconds; also how long a worker may hold tasks without starting
     * the next one after its last answer when the unresponsive timeout is turned off.
     */
    public static final int DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS = 15;

    /**
     * The {@code workerNice} of a pool that does not set one: the least priority (19) when its workers can
     * outnumber the cores ({@code maxSize > cores}), so that busy workers do not delay the pool's deadlines and
     * outcomes; otherwise the pool's own priority (0), which costs a busy pool nothing. See
     * {@code PoolConfig.Builder#workerNice}.
     */
    public static int automaticWorkerNice(int maxSize, int cores) {
        return maxSize > cores ? 19 : 0;
    }

    /** Default {@code pipelineDepth}. */
    public static final int DEFAULT_PIPELINE_DEPTH = 8;
    /** Default {@code resultDecodeTimeout}, in seconds. */
    public static final int DEFAULT_RESULT_DECODE_TIMEOUT_SECONDS = 2;
    /** The extra CPU time allowed for decoding an answer: one second per this many MiB of it. */
    public static final int DECODE_MIB_PER_EXTRA_SECOND = 16;
    /** A decoding still running at twice its CPU bound plus this many seconds of wall time is abandoned. */
    public static final int DECODE_WALL_EXTRA_SECONDS = 10;
    /** What {@code ProcessPool.close()} gives {@code shutdown}, in seconds. */
    public static final int CLOSE_TIMEOUT_SECONDS = 60;

    // ================================================================================ engine timings

    /** Tasks shorter than this on average, in milliseconds, are pipelined. */
    public static final int PIPELINE_TASK_MILLIS = 5;
    /**
     * A worker whose running task has run this long, in milliseconds, gives back the tasks it holds behind
     * it, so that they run elsewhere instead of waiting for it.
     */
    public static final int RECLAIM_AFTER_MILLIS = 25;
    /** How often, in milliseconds, workers that hold tasks are looked at for {@link #RECLAIM_AFTER_MILLIS}. */
    public static final int RECLAIM_SWEEP_MILLIS = 10;
    /** The back-off after a first failed launch, in milliseconds; it doubles with each further failure. */
    public static final int FIRST_LAUNCH_BACKOFF_MILLIS = 100;
    /** The longest back-off between failed launches, in milliseconds. */
    public static final int MAX_LAUNCH_BACKOFF_MILLIS = 5000;
    /** A task whose workers died before starting it this many times ends with their death instead. */
    public static final int MAX_HAND_BACKS = 3;
    /** A worker asked to stop politely is killed if still alive after the grace, but never before this, in ms. */
    public static final int MIN_POLITE_STOP_MILLIS = 500;
    /** Stopping every worker waits at least this long, in milliseconds, before it kills what is left. */
    public static final int MIN_STOP_GRACE_MILLIS = 100;
    /** The per-worker watch never looks again sooner than this, in milliseconds. */
    public static final int MIN_WATCH_MILLIS = 10;
    /**
     * A worker silent for {@code unresponsiveTimeout} whose threads' run-queue waits can be read is looked at
     * again after a grace of twice the heartbeat interval, but at least this many milliseconds: if its most-waiting
     * thread waited for a CPU at least half the grace, it is starved, not unresponsive, and is looked at again.
     */
    public static final int MIN_STARVED_GRACE_MILLIS = 1000;
    /** A starved worker is killed as unresponsive all the same once silent this many times {@code unresponsiveTimeout}. */
    public static final int MAX_STARVED_SILENCE_FACTOR = 4;
}
