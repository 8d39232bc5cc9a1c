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

    /** A builder for a pool on the cluster of this name. */
    public static Builder builder(String clusterName) {
        return new Builder(clusterName);
    }

    public String getClusterName() { return clusterName; }

    public List<String> getAddresses() { return addresses; }

    public int getMaxQueuedRequests() { return maxQueuedRequests; }

    public int getRetries() { return retries; }

    public Duration getLeaseTimeout() { return leaseTimeout; }

    public Duration getConnectTimeout() { return connectTimeout; }

    public int getMaxResultBytes() { return maxResultBytes; }

    public String getDeserializationFilter() { return deserializationFilter; }

    public ResultCallback getPoolCallback() { return poolCallback; }

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

        /** Members to connect to, {@code host:port}; one reachable member is enough. */
        public Builder addresses(List<String> addresses) {
            this.addresses = List.copyOf(Objects.requireNonNull(addresses, "addresses"));
            return this;
        }

        public Builder maxQueuedRequests(int max) { this.maxQueuedRequests = max; return this; }

        /**
         * Further attempts of a task that does not set its own retries, when its member left the cluster or its
         * worker died, timed out or hung on a member; 0..254 (default 2).
         */
        public Builder retries(int retries) { this.retries = retries; return this; }

        public Builder leaseTimeout(Duration timeout) {
            this.leaseTimeout = Objects.requireNonNull(timeout, "leaseTimeout");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "connectTimeout");
            return this;
        }

        public Builder maxResultBytes(int max) { this.maxResultBytes = max; return this; }

        public Builder deserializationFilter(String pattern) {
            this.deserializationFilter = Objects.requireNonNull(pattern, "deserializationFilter").strip();
            return this;
        }

        public Builder poolCallback(ResultCallback callback) { this.poolCallback = callback; return this; }

        public Builder poolExceptionCallback(ExceptionCallback callback) {
            this.poolExceptionCallback = callback;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is out of range */
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
