/**
 * What travels between the parent and its workers, not an API: frames and their reader and writer, the
 * handshake's and frames' constants ({@link dev.processpool.protocol.Protocol}), task payloads, value and
 * failure codecs, compact lambdas, and the few names and numbers both sides share. The bottom room of the
 * house: it uses nothing of the project, and every room above it (and the worker) uses it. Exported by the
 * module only to the bench.
 */
package dev.processpool.protocol;
