/**
 * The pool's loggers, not an API: SLF4J's when a provider is bound, else standard error
 * ({@link dev.processpool.logging.Logs}). Under every room of the parent side that logs; uses nothing of the
 * project. Exported by the module only to the CLI, whose SLF4J provider builds on
 * {@link dev.processpool.logging.Logs.LevelLogger}.
 */
package dev.processpool.logging;
