/**
 * The worker JVM's side, not an API: its main class ({@link dev.processpool.worker.WorkerMain}: handshake,
 * frame reading, task loop, heartbeats), the running of one task and its answer ({@code TaskRunner}), progress
 * reports ({@code ProgressReporter}), the parent watch ({@code ParentWatch}), the invocation of tasks and the
 * conversion of their arguments, output markers, its own process group, and the class-data training mode. It runs on a plain class path in the
 * child, where the module declaration does not apply.
 *
 * <p>Uses {@code protocol} and, of the public API, only what task code implements
 * ({@link dev.processpool.TaskFunction}); never the parent's rooms. Exported by the module only to the CLI,
 * whose worker main class starts this one and whose input conversion is this one's.
 */
package dev.processpool.worker;
