/**
 * The engine, not an API: the scheduler's state and transitions ({@link dev.processpool.internal.PoolEngine}:
 * the queue, the worker set, plan and act, task completion and worker exit), its parts (the
 * {@link dev.processpool.internal.Watchdog}'s timers, the {@link dev.processpool.internal.Launcher}, task traffic,
 * answers and their {@link dev.processpool.internal.ResultDecoder}, the {@link dev.processpool.internal.Stopper}),
 * result delivery, and the two seams passed in from outside: the {@link dev.processpool.internal.Scheduler}
 * (time and threads) and the {@link dev.processpool.internal.EngineListener} (events).
 *
 * <p>Uses {@code transport}, {@code protocol}, {@code logging} and the public API's vocabulary; never
 * {@code worker}, nor the API's entry points. Not exported by the module; on the class path nothing stops an
 * import, but nothing here is kept compatible.
 */
package dev.processpool.internal;
