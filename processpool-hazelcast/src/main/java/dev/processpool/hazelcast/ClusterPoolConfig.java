package dev.processpool.hazelcast;

import dev.processpool.ExceptionCallback;
import dev.processpool.ResultCallback;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a {@link ClusterPool}. Immutable; made by {@link #builder(String)}.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code clusterName}</td><td>(required)</td><td>the members' cluster name</td></tr>
 *   <tr><td>{@code addresses}</td><td>{@code 127.0.0.1:5701}</td><td>members to connect to (one is enough)</td></tr>
 *   <tr><td>{@code maxQueuedRequests}</td><td>10</td><td>tasks of this pool waiting in the cluster for a free
 *       worker; a producer waits (or is refused) at the bound. Tasks a member has taken do not count;
 *       {@code <= 0} means unbounded</td></tr>
 *   <tr><td>{@code retries}</td><td>2</td><td>how many more attempts a task that does not set its own
 *       ({@link dev.processpool.ProcessTask.Builder#retries(int)}) gets when the member holding it leaves the
 *       cluster (dies, or is stopped before finishing it), or its worker dies, times out or hangs on a member;
 *       the attempt after the last fails the task, quarantined. Higher than a local pool's default (0), since
 *       on a cluster a machine's loss is a common event, not the task's fault: set 0 (or a task's own) for
 *       tasks that must not run twice</td></tr>
 *   <tr><td>{@code leaseTimeout}</td><td>10 s</td><td>how long members wait for a sign of life of this pool
 *       before they stop its tasks and remove what it left in the cluster; it renews every fifth of
 *       that</td></tr>
 *   <tr><td>{@code connectTimeout}</td><td>30 s</td><td>how long the client tries to (re)connect to the
 *       cluster before it gives up; its unfinished tasks then fail</td></tr>
 *   <tr><td>{@code maxResultBytes}</td><td>512 MiB</td><td>largest result or failure read from a member</td></tr>
 *   <tr><td>{@code deserializationFilter}</td><td>none</td><td>an {@link java.io.ObjectInputFilter} pattern
 *       for results, after the built-in limits and {@link dev.processpool.PoolConfig#DEFAULT_REJECTED_CLASSES}</td></tr>
 *   <tr><td>{@code poolCallback}, {@code poolExceptionCallback}</td><td>none</td><td>as in
 *       {@link dev.processpool.PoolConfig}</td></tr>
 * </table>
 */
public final class ClusterPoolConfig {

    private final String clusterName;
    private final List<String> addresses;
    private final int maxQueuedRequests;
    private final int retries;
    private final Duration leaseTimeout;
    private final Duration connectTimeout;
    private final int maxResultBytes;
    private final String deserializationFilter;
    private final ResultCallback poolCallback;
    private final ExceptionCallback poolExceptionCallback;

    private ClusterPoolConfig(Builder b) {
        this.clusterName = ClusterConfigs.requireClusterName(b.clusterName);
        this.addresses = List.copyOf(b.addresses);
        this.maxQueuedRequests = b.maxQueuedRequests;
        this.retries = b.retries;
        this.leaseTimeout = b.leaseTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxResultBytes = b.maxResultBytes;
        this.deserializationFilter = b.deserializationFilter;
        this.poolCallback = b.poolCallback;
        this.poolExceptionCallback = b.poolExceptionCallback;
    }

    /**
     * A builder for a pool on the cluster of this name, with the defaults of the table above.
     *
     * @param clusterName the members' cluster name (required; checked by {@link Builder#build()})
     * @return a new builder
     */
    public static Builder builder(String clusterName) {
        return new Builder(clusterName);
    }

    /** @return the members' cluster name */
    public String getClusterName() { return clusterName; }

    /** @return the members to connect to, {@code host:port} */
    public List<String> getAddresses() { return addresses; }

    /** @return how many tasks of this pool may wait in the cluster for a free worker; {@code <= 0}: unbounded */
    public int getMaxQueuedRequests() { return maxQueuedRequests; }

    /** @return further attempts of a task that does not set its own retries */
    public int getRetries() { return retries; }

    /** @return how long members wait for a sign of life of this pool before they stop its tasks */
    public Duration getLeaseTimeout() { return leaseTimeout; }

    /** @return how long the client tries to (re)connect to the cluster before its unfinished tasks fail */
    public Duration getConnectTimeout() { return connectTimeout; }

    /** @return the largest result or failure, in bytes, read from a member */
    public int getMaxResultBytes() { return maxResultBytes; }

    /** @return the extra {@link java.io.ObjectInputFilter} pattern for results; empty for none */
    public String getDeserializationFilter() { return deserializationFilter; }

    /**
     * @return the callback run after a task's own for the results of tasks queued with {@code usePoolCallbacks},
     *         or {@code null}
     */
    public ResultCallback getPoolCallback() { return poolCallback; }

    /**
     * @return the callback run after a task's own for the failures of tasks queued with {@code usePoolCallbacks},
     *         or {@code null}
     */
    public ExceptionCallback getPoolExceptionCallback() { return poolExceptionCallback; }

    /** Builds a {@link ClusterPoolConfig}; {@link #build()} checks every value and names the bad one. */
    public static final class Builder {
        private final String clusterName;
        private List<String> addresses = List.of("127.0.0.1:" + ClusterConfigs.DEFAULT_PORT);
        private int maxQueuedRequests = 10;
        private int retries = 2;
        private Duration leaseTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(30);
        private int maxResultBytes = 512 << 20;
        private String deserializationFilter = "";
        private ResultCallback poolCallback;
        private ExceptionCallback poolExceptionCallback;

        private Builder(String clusterName) {
            this.clusterName = clusterName;
        }

        /**
         * Members to connect to (default {@code 127.0.0.1:5701}); one reachable member is enough.
         *
         * @param addresses {@code host:port} of one or more members
         * @return this builder
         */
        public Builder addresses(List<String> addresses) {
            this.addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
            return this;
        }

        /**
         * Tasks of this pool waiting in the cluster for a free worker (default 10); a producer waits, or is
         * refused, at the bound. Tasks a member has taken do not count.
         *
         * @param max the bound; {@code <= 0} for none
         * @return this builder
         */
        public Builder maxQueuedRequests(int max) { this.maxQueuedRequests = max; return this; }

        /**
         * Further attempts of a task that does not set its own retries, when its member left the cluster or its
         * worker died, timed out or hung on a member; 0..254 (default 2).
         *
         * @param retries further attempts; 0 for tasks that must not run twice
         * @return this builder
         */
        public Builder retries(int retries) { this.retries = retries; return this; }

        /**
         * How long members wait for a sign of life of this pool before they stop its tasks and remove what it
         * left in the cluster (default 10 s); the pool renews its lease every fifth of that.
         *
         * @param timeout at least 1 s
         * @return this builder
         */
        public Builder leaseTimeout(Duration timeout) {
            this.leaseTimeout = Objects.requireNonNull(timeout, "leaseTimeout");
            return this;
        }

        /**
         * How long the client tries to reach the cluster, at start and after losing it, before it gives up and
         * its unfinished tasks fail (default 30 s).
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
            return this;
        }

        /**
         * The largest result or failure read from a member (default 512 MiB); a larger one fails its task.
         *
         * @param max bytes, at least 1024
         * @return this builder
         */
        public Builder maxResultBytes(int max) { this.maxResultBytes = max; return this; }

        /**
         * An {@link java.io.ObjectInputFilter} pattern for results, applied after the built-in limits and
         * {@link dev.processpool.PoolConfig#DEFAULT_REJECTED_CLASSES} (default none).
         *
         * @param pattern the filter pattern; empty for none
         * @return this builder
         */
        public Builder deserializationFilter(String pattern) {
            this.deserializationFilter = Objects.requireNonNull(pattern, "deserializationFilter").strip();
            return this;
        }

        /**
         * The callback run after a task's own for the results of tasks queued with {@code usePoolCallbacks}, as
         * in {@link dev.processpool.PoolConfig}.
         *
         * @param callback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder poolCallback(ResultCallback callback) { this.poolCallback = callback; return this; }

        /**
         * The callback run after a task's own for the failures of tasks queued with {@code usePoolCallbacks}, as
         * in {@link dev.processpool.PoolConfig}.
         *
         * @param callback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder poolExceptionCallback(ExceptionCallback callback) {
            this.poolExceptionCallback = callback;
            return this;
        }

        /**
         * Checks the values and makes the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the setting that is out of range
         */
        public ClusterPoolConfig build() {
            if (retries < 0 || retries >= Wire.MAX_ATTEMPTS) {
                throw new IllegalArgumentException("retries must be 0.." + (Wire.MAX_ATTEMPTS - 1) + ", was " + retries);
            }
            if (leaseTimeout.toMillis() < 1000) {
                throw new IllegalArgumentException("leaseTimeout must be at least 1 s, was " + leaseTimeout);
            }
            if (connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + connectTimeout);
            }
            if (maxResultBytes < 1024) {
                throw new IllegalArgumentException("maxResultBytes must be at least 1024, was " + maxResultBytes);
            }
            return new ClusterPoolConfig(this);
        }
    }
}
