/**
 * Example task classes for {@code processpool run}, to try the CLI and to copy from. Each is a plain
 * {@link java.util.concurrent.Callable}: the worker constructs it with the line's {@code args} and calls it;
 * the result is written back as JSON. Their inputs are in {@code processpool-cli/examples/}.
 *
 * <ul>
 *   <li>{@link dev.processpool.cli.examples.CountPrimes}: CPU-bound (also {@code CountPrimes::isPrime}, a
 *       static-method task);</li>
 *   <li>{@link dev.processpool.cli.examples.Sha256File}: I/O-bound;</li>
 *   <li>{@link dev.processpool.cli.examples.Sleep}: for timeouts;</li>
 *   <li>{@link dev.processpool.cli.examples.Fail}, {@link dev.processpool.cli.examples.ExitJvm},
 *       {@link dev.processpool.cli.examples.ExhaustHeap}: what the pool survives.</li>
 * </ul>
 */
package dev.processpool.cli.examples;
