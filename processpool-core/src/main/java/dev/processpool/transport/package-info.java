/**
 * How the engine reaches workers, not an API: the {@link dev.processpool.transport.WorkerTransport},
 * {@link dev.processpool.transport.WorkerChannel} and {@link dev.processpool.transport.WorkerEvents} interfaces,
 * and the local implementation, which starts child JVMs with a private Unix-domain-socket channel each
 * ({@link dev.processpool.transport.LocalJvmTransport}), with its class-data cache.
 *
 * <p>Uses {@code protocol}, {@code logging} and, of the public API, only
 * {@link dev.processpool.WorkerOutputListener.Stream}; never {@code internal} nor {@code worker} (it starts the
 * worker's main class by name). Not exported by the module.
 */
package dev.processpool.transport;
