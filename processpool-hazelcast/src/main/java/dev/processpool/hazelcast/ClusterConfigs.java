package dev.processpool.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SerializationConfig;
import dev.processpool.logging.Logs;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Hazelcast configurations with this module's defaults, for members and clients. The open-source edition has
 * no authentication and no TLS: anyone who reaches a member's port can join the cluster or connect as a
 * client and run code in its workers. The defaults therefore keep the cluster as closed as Hazelcast lets it
 * be: members bind to one address (loopback unless told otherwise), never to all interfaces; they find each
 * other only through an explicit TCP-IP member list (no multicast, no auto-detection); Hazelcast's phone-home
 * is off; and a cluster name must be given (Hazelcast's default, {@code dev}, is refused), so that two clusters
 * on one network do not merge by accident. Use them as they are or as the starting point of a configuration of
 * your own; {@link ClusterMember} and {@link ClusterPool} add the serialisation they need to any configuration.
 */
public final class ClusterConfigs {

    private static final Logger LOG = Logs.logger(ClusterConfigs.class.getName(), Level.WARN);

    /** Hazelcast's default member port. */
    public static final int DEFAULT_PORT = 5701;

    private ClusterConfigs() {
    }

    /**
     * A member configuration.
     *
     * @param clusterName the cluster's name (required, not {@code dev})
     * @param bindAddress the one address the member binds to and advertises, e.g. {@code 127.0.0.1} (the
     *                    default of the CLI) or the machine's address on a private network; not a wildcard
     * @param port        the member's port (no auto-increment: a port in use is an error)
     * @param join        {@code host:port} of the other members (may include this one); empty for the first
     * @return the configuration, for {@link ClusterMember#start(Config, ClusterMemberConfig)} or Hazelcast
     * @throws IllegalArgumentException naming the bad value
     */
    public static Config member(String clusterName, String bindAddress, int port, List<String> join) {
        Config config = new Config();
        config.setClusterName(requireClusterName(clusterName));
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1..65535, was " + port);
        }
        String bind = requireBindAddress(bindAddress);
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(port).setPortAutoIncrement(false);
        network.getInterfaces().setEnabled(true).addInterface(bind);
        network.setPublicAddress(bind + ":" + port);
        JoinConfig joinConfig = network.getJoin();
        joinConfig.getMulticastConfig().setEnabled(false);
        joinConfig.getAutoDetectionConfig().setEnabled(false);
        List<String> members = new ArrayList<>();
        members.add(bind + ":" + port);
        for (String j : join) {
            members.add(checkAddress(j, "--join"));
        }
        joinConfig.getTcpIpConfig().setEnabled(true).setMembers(members);
        // Bind the listening socket to the address above only, not to every interface (Hazelcast's default).
        config.setProperty("hazelcast.socket.bind.any", "false");
        // The members to join are listed: no need for Hazelcast's default 5 s of listening for others first
        // (members that start at the same moment and form two clusters merge a moment later).
        config.setProperty("hazelcast.wait.seconds.before.join", "1");
        commonProperties(config);
        // A client's death is noticed through its lease (see ClusterMember); the member's own hook would
        // stop Hazelcast before the member has handed back what it holds.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        addSerialization(config.getSerializationConfig());
        return config;
    }

    /**
     * A client configuration.
     *
     * @param clusterName    the cluster's name (required)
     * @param addresses      {@code host:port} of one or more members
     * @param connectTimeout how long the client keeps trying to reach the cluster (at start, and after losing
     *                       it) before it gives up and its unfinished tasks fail
     * @return the configuration, for {@link ClusterPool#connect(ClientConfig, ClusterPoolConfig)}
     * @throws IllegalArgumentException naming the bad value
     */
    public static ClientConfig client(String clusterName, List<String> addresses, Duration connectTimeout) {
        ClientConfig config = new ClientConfig();
        config.setClusterName(requireClusterName(clusterName));
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("give at least one member address (host:port)");
        }
        for (String a : addresses) {
            config.getNetworkConfig().addAddress(checkAddress(a, "--cluster"));
        }
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
                .setClusterConnectTimeoutMillis(Math.max(1, connectTimeout.toMillis()))
                .setMaxBackoffMillis(2_000);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        addSerialization(config.getSerializationConfig());
        return config;
    }

    /** Checks a cluster name: required, and not Hazelcast's default {@code dev}. */
    static String requireClusterName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a cluster name is required (it keeps clusters on one network apart)");
        }
        if (name.strip().equals(Config.DEFAULT_CLUSTER_NAME)) {
            throw new IllegalArgumentException("choose a cluster name of your own: '" + Config.DEFAULT_CLUSTER_NAME
                    + "' is Hazelcast's default, which any other Hazelcast on the network may use");
        }
        return name.strip();
    }

    private static String requireBindAddress(String address) {
        Objects.requireNonNull(address, "bind address");
        String a = address.strip();
        try {
            InetAddress inet = InetAddress.getByName(a);
            if (inet.isAnyLocalAddress()) {
                throw new IllegalArgumentException("bind to one address, not to all (" + a + "): members have no"
                        + " authentication, so expose them on a private network only");
            }
            return inet.getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown bind address: " + a);
        }
    }

    /** Checks {@code host:port} (a host alone means the default port). */
    private static String checkAddress(String address, String what) {
        String a = address == null ? "" : address.strip();
        int colon = a.lastIndexOf(':');
        String host = colon < 0 ? a : a.substring(0, colon);
        if (host.isEmpty()) {
            throw new IllegalArgumentException(what + ": '" + address + "' is not host:port");
        }
        if (colon >= 0) {
            try {
                int port = Integer.parseInt(a.substring(colon + 1));
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": '" + address + "' has no valid port (1..65535)");
            }
        }
        return a;
    }

    private static void commonProperties(Config config) {
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
    }

    /** The wire types, and Hazelcast's filter against deserialisation gadgets for anything Java-serialised. */
    static void addSerialization(SerializationConfig serialization) {
        if (!serialization.getDataSerializableFactories().containsKey(Wire.FACTORY_ID)) {
            serialization.addDataSerializableFactory(Wire.FACTORY_ID, new Wire.Factory());
        }
        if (serialization.getJavaSerializationFilterConfig() == null) {
            serialization.setJavaSerializationFilterConfig(new JavaSerializationFilterConfig());
        }
    }

    /** The members of the cluster now, {@code host:port}, oldest first. */
    static List<String> members(com.hazelcast.core.HazelcastInstance hz) {
        List<String> out = new ArrayList<>();
        for (com.hazelcast.cluster.Member m : hz.getCluster().getMembers()) {
            out.add(m.getAddress().getHost() + ":" + m.getAddress().getPort());
        }
        return out;
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Sleeps (between retries; never to wait for something), keeping an interrupt. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs a cluster operation, trying again every 100 ms for up to {@code timeoutMillis} while it throws:
     * operations that Hazelcast does not retry by itself (a queue offer, say) fail while a member that owned
     * their partition is leaving. Only for operations whose repetition is harmless here (duplicates of tasks,
     * claims and results are dropped by the claim and the one-outcome rule).
     */
    static <T> T retried(com.hazelcast.core.HazelcastInstance hz, java.util.function.Supplier<T> operation,
                         long timeoutMillis, String what) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            try {
                return operation.get();
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline || !hz.getLifecycleService().isRunning()) {
                    throw e;
                }
                LOG.debug("{} failed ({}); trying again", what, e.toString());
                pause(100);
            }
        }
    }
}
