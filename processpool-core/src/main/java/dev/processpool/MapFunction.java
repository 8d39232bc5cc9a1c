package dev.processpool;

import java.io.Serializable;

/**
 * A one-argument function for {@link ProcessPool#map}, {@link ProcessPool#imap} and
 * {@link ProcessPool#imapUnordered}: applied to each input inside a worker. Serialisable like a
 * {@link TaskFunction}: a lambda targeting it travels to the workers when everything it captures does.
 */
@FunctionalInterface
public interface MapFunction<T, R> extends Serializable {

    R apply(T input) throws Exception;
}
