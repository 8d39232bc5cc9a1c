package dev.processpool;

import java.io.Serializable;

/**
 * A one-argument function for {@link ProcessPool#map}, {@link ProcessPool#imap} and
 * {@link ProcessPool#imapUnordered}: applied to each input inside a worker. Serialisable like a
 * {@link TaskFunction}: a lambda targeting it travels to the workers when everything it captures does.
 *
 * @param <T> the type of the inputs
 * @param <R> the type of the results
 */
@FunctionalInterface
public interface MapFunction<T, R> extends Serializable {

    /**
     * Computes the result for one input, in a worker.
     *
     * @param input one element of the inputs given to {@code map}, {@code imap} or {@code imapUnordered}
     * @return the result for {@code input}; it must be serialisable
     * @throws Exception anything; it fails the whole chunk the input belongs to
     */

    R apply(T input) throws Exception;
}
