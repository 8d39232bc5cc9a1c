package dev.processpool.hazelcast;

import dev.processpool.PoolConfig;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The settings of a {@link ClusterMember}: where it listens and whom it joins, and the local pool its workers
 * run in. Immutable; made by {@link #builder(String)}.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code clusterName}</td><td>(required)</td><td>the cluster to form or join</td></tr>
 *   <tr><td>{@code bindAddress}</td><td>{@code 127.0.0.1}</td><td>the one address the member binds to</td></tr>
 *   <tr><td>{@code port}</td><td>5701</td><td>its port</td></tr>
 *   <tr><td>{@code join}</td><td>none</td><td>{@code host:port} of members to join</td></tr>
 *   <tr><td>{@code poolConfig}</td><td>{@link PoolConfig} defaults</td><td>the member's local pool: its
 *       {@code maxSize} is how many tasks the member runs at once; its class path must hold the task classes
 *       and this module's jar (the default, this JVM's class path, does); its queue bound is replaced (the
 *       member never takes more than it can run)</td></tr>
 *   <tr><td>{@code prefetch}</td><td>1</td><td>tasks the member takes beyond its free workers, so that a worker
 *       that finishes starts the next task at once; 0 takes a task only for a free worker</td></tr>
 *   <tr><td>{@code drainTimeout}</td><td>30 s</td><td>on {@link ClusterMember#close()}: how long the tasks it
 *       holds may take to finish; those still running then are killed and run again elsewhere</td></tr>
 * </table>
 */
public final class ClusterMemberConfig {

    private final String clusterName;
    private final String bindAddress;
    private final int port;
    private final List<String> join;
    private final PoolConfig poolConfig;
    private final int prefetch;
    private final Duration drainTimeout;

    private ClusterMemberConfig(Builder b) {
        this.clusterName = ClusterConfigs.requireClusterName(b.clusterName);
        this.bindAddress = b.bindAddress;
        this.port = b.port;
        this.join = List.copyOf(b.join);
        this.poolConfig = b.poolConfig;
        this.prefetch = b.prefetch;
        this.drainTimeout = b.drainTimeout;
    }

    /**
     * A builder for a member of the cluster of this name, with the defaults of the table above.
     *
     * @param clusterName the cluster to form or join (required, not {@code dev}; checked by {@link Builder#build()})
     * @return a new builder
     */
    public static Builder builder(String clusterName) {
        return new Builder(clusterName);
    }

    /** @return the cluster this member forms or joins */
    public String getClusterName() { return clusterName; }

    /** @return the one address the member binds to and advertises */
    public String getBindAddress() { return bindAddress; }

    /** @return the member's port */
    public int getPort() { return port; }

    /** @return {@code host:port} of the members to join; empty for the first member */
    public List<String> getJoin() { return join; }

    /** @return the configuration of the member's local pool, which runs the tasks */
    public PoolConfig getPoolConfig() { return poolConfig; }

    /** @return how many tasks the member takes beyond its free workers */
    public int getPrefetch() { return prefetch; }

    /** @return how long the tasks the member holds may take to finish when it is closed */
    public Duration getDrainTimeout() { return drainTimeout; }

    /** Builds a {@link ClusterMemberConfig}; {@link #build()} checks the values and names the bad one. */
    public static final class Builder {
        private final String clusterName;
        private String bindAddress = "127.0.0.1";
        private int port = ClusterConfigs.DEFAULT_PORT;
        private List<String> join = List.of();
        private PoolConfig poolConfig = PoolConfig.builder().build();
        private int prefetch = 1;
        private Duration drainTimeout = Duration.ofSeconds(30);

        private Builder(String clusterName) {
            this.clusterName = clusterName;
        }

        /**
         * The one address to bind to and advertise (default {@code 127.0.0.1}); not a wildcard.
         *
         * @param address an IP address or host name of this machine
         * @return this builder
         */
        public Builder bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress");
            return this;
        }

        /**
         * The member's port (default 5701); a port in use is an error, there is no auto-increment.
         *
         * @param port 1..65535
         * @return this builder
         */
        public Builder port(int port) { this.port = port; return this; }

        /**
         * Members to join (default none: the first member of a cluster).
         *
         * @param members {@code host:port} of other members; may include this one
         * @return this builder
         */
        public Builder join(List<String> members) {
            this.join = List.copyOf(Objects.requireNonNull(members, "join"));
            return this;
        }

        /**
         * The member's local pool (default: {@link PoolConfig}'s defaults). Its {@code maxSize} is how many tasks
         * the member runs at once; its class path must hold the task classes and this module's jar; its queue
         * bound is replaced.
         *
         * @param config the local pool's configuration
         * @return this builder
         */
        public Builder poolConfig(PoolConfig config) {
            this.poolConfig = Objects.requireNonNull(config, "poolConfig");
            return this;
        }

        /**
         * Tasks the member takes beyond its free workers (default 1), so that a worker that finishes starts the
         * next task at once; 0 takes a task only for a free worker.
         *
         * @param prefetch 0..64
         * @return this builder
         */
        public Builder prefetch(int prefetch) { this.prefetch = prefetch; return this; }

        /**
         * On {@link ClusterMember#close()}, how long the tasks the member holds may take to finish (default 30 s);
         * those still running then are killed and run again elsewhere.
         *
         * @param timeout not negative
         * @return this builder
         */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
            return this;
        }

        /**
         * Checks the values and makes the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the setting that is out of range
         */
        public ClusterMemberConfig build() {
            if (prefetch < 0 || prefetch > 64) {
                throw new IllegalArgumentException("prefetch must be 0..64, was " + prefetch);
            }
            if (drainTimeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout must not be negative, was " + drainTimeout);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, was " + port);
            }
            return new ClusterMemberConfig(this);
        }
    }
}
