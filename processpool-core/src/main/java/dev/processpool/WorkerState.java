package dev.processpool;

/**
 * The life cycle of one worker process, as seen from the pool.
 *
 * <pre>
 *   STARTING ──handshake──▶ IDLE ◀──result──▶ WORKING
 *      │                     │                   │
 *      └──────────┬──────────┴───────────────────┘
 *                 ▼  (retire, shutdown, timeout, kill)
 *              STOPPING ──process exit──▶ DEAD
 * </pre>
 *
 * A worker can go straight to {@code DEAD} from any state when its process dies unexpectedly.
 */
public enum WorkerState {
    /** The process has been launched; the handshake has not completed yet. */
    STARTING,
    /** Ready and waiting for a task. */
    IDLE,
    /** Running a task. */
    WORKING,
    /** Asked to stop, or being killed; no task will be given to it any more. */
    STOPPING,
    /** The process has exited. */
    DEAD
}
