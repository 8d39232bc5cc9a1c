/**
 * The public API of processpool: {@link dev.processpool.ProcessPool} runs tasks ({@link dev.processpool.ProcessTask},
 * {@link dev.processpool.TaskFunction}) in worker JVMs and reports each accepted task's one outcome, a result
 * or a {@link dev.processpool.TaskException}; {@link dev.processpool.PoolConfig} holds its settings;
 * {@link dev.processpool.ProcessPoolExecutor} is the {@link java.util.concurrent.ExecutorService} view, and
 * {@link dev.processpool.ProcessPoolMXBean} the JMX one. The only package of the module {@code dev.processpool}
 * that users import.
 *
 * <p>The house, from the top: this package, then {@code internal} (the engine), {@code transport} (reaching
 * workers), {@code protocol} (frames and codecs, shared with the workers), with {@code worker} (the workers'
 * main) on the child's side and {@code logging} under every room that logs. A room knows nothing of the rooms
 * above it. The lower rooms may name this package's vocabulary (settings, tasks, outcomes, states and
 * listeners) but never its entry points (pools, executors, MBeans).
 */
package dev.processpool;
