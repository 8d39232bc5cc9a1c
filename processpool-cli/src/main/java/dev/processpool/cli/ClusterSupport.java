package dev.processpool.cli;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessTask;
import dev.processpool.TaskPool;

import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;

/**
 * The cluster side of the command ({@code processpool member}, {@code processpool run --cluster}), found with
 * {@link ServiceLoader} in processpool-hazelcast's jar. {@code bin/processpool} puts that jar and Hazelcast's
 * on the class path for these two commands only, so the CLI's own jar, and the workers of local runs, do not
 * carry Hazelcast.
 */
public interface ClusterSupport {

    /** A running member; {@link #close()} leaves the cluster in order. */
    interface Member extends AutoCloseable {
        /** {@code host:port} */
        String address();

        /** The cluster's members now, {@code host:port}, oldest first. */
        List<String> members();

        /** Waits until the member has stopped. */
        boolean awaitStopped(Duration timeout) throws InterruptedException;

        /** Stops taking tasks, lets those held finish (up to the drain timeout), leaves. */
        @Override
        void close();
    }

    /** A client pool on the cluster, and where its tasks ran. */
    interface Client {
        TaskPool pool();

        /** The member that ran the task's last attempt ({@code host:port}), or null. */
        String member(ProcessTask task);

        /** How many attempts the task took (a member's death costs one); 0 if unknown. */
        int attempts(ProcessTask task);
    }

    /**
     * Starts a member running its tasks in a local pool of {@code pool}'s settings.
     *
     * @param join {@code host:port} of members to join; empty to form a cluster
     */
    Member startMember(String clusterName, String bindAddress, int port, List<String> join, PoolConfig pool,
                       Duration drainTimeout);

    /**
     * Connects a client pool; {@code maxQueuedRequests} bounds its tasks waiting in the cluster, and
     * {@code retries} (-1: the cluster pool's default) is its tasks' retries.
     */
    Client connect(String clusterName, List<String> addresses, int maxQueuedRequests, int retries);

    /**
     * The implementation on the class path.
     *
     * @throws IllegalStateException saying how to get it, if there is none
     */
    static ClusterSupport load() {
        for (ClusterSupport s : ServiceLoader.load(ClusterSupport.class, ClusterSupport.class.getClassLoader())) {
            return s;
        }
        throw new IllegalStateException("cluster support is not on the class path: run this through"
                + " processpool-cli/bin/processpool, which adds processpool-hazelcast/target/processpool-hazelcast.jar"
                + " and processpool-hazelcast/target/lib/hazelcast-*.jar (build them with mvn -B package -DskipTests)");
    }
}
