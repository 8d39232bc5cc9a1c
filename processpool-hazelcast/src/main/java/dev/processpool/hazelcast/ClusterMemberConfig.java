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

    public static Builder builder(String clusterName) {
        return new Builder(clusterName);
    }

    public String getClusterName() { return clusterName; }

    public String getBindAddress() { return bindAddress; }

    public int getPort() { return port; }

    public List<String> getJoin() { return join; }

    public PoolConfig getPoolConfig() { return poolConfig; }

    public int getPrefetch() { return prefetch; }

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

        public Builder bindAddress(String address) {
            this.bindAddress = Objects.requireNonNull(address, "bindAddress");
            return this;
        }

        public Builder port(int port) { this.port = port; return this; }

        public Builder join(List<String> members) {
            this.join = List.copyOf(Objects.requireNonNull(members, "join"));
            return this;
        }

        public Builder poolConfig(PoolConfig config) {
            this.poolConfig = Objects.requireNonNull(config, "poolConfig");
            return this;
        }

        public Builder prefetch(int prefetch) { this.prefetch = prefetch; return this; }

        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
            return this;
        }

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
