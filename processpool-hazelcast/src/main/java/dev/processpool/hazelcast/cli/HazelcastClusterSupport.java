package dev.processpool.hazelcast.cli;

import com.hazelcast.core.HazelcastInstance;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessTask;
import dev.processpool.TaskPool;
import dev.processpool.cli.ClusterSupport;
import dev.processpool.hazelcast.ClusterMember;
import dev.processpool.hazelcast.ClusterMemberConfig;
import dev.processpool.hazelcast.ClusterPool;
import dev.processpool.hazelcast.ClusterPoolConfig;
import dev.processpool.hazelcast.TaskPlacement;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** {@code processpool member} and {@code processpool run --cluster} on Hazelcast (found by ServiceLoader). */
public final class HazelcastClusterSupport implements ClusterSupport {

    @Override
    public Member startMember(String clusterName, String bindAddress, int port, List<String> join, PoolConfig pool,
                              Duration drainTimeout) {
        // The workers need the CLI's jar and this module's (PayloadTask), never Hazelcast's 20 MiB.
        PoolConfig workers = pool.toBuilder().classPath(withoutHazelcast(pool.getClassPath())).build();
        ClusterMember member = ClusterMember.start(ClusterMemberConfig.builder(clusterName).bindAddress(bindAddress)
                .port(port).join(join).poolConfig(workers).drainTimeout(drainTimeout).build());
        return new Member() {
            @Override
            public String address() {
                return member.getAddress();
            }

            @Override
            public List<String> members() {
                return member.getMembers();
            }

            @Override
            public boolean awaitStopped(Duration timeout) throws InterruptedException {
                return member.awaitStopped(timeout);
            }

            @Override
            public void close() {
                member.close();
            }
        };
    }

    @Override
    public Client connect(String clusterName, List<String> addresses, int maxQueuedRequests, int retries) {
        ClusterPoolConfig.Builder config = ClusterPoolConfig.builder(clusterName).addresses(addresses)
                .maxQueuedRequests(maxQueuedRequests);
        if (retries >= 0) {
            config.retries(retries);
        }
        ClusterPool pool = ClusterPool.connect(config.build());
        return new Client() {
            @Override
            public TaskPool pool() {
                return pool;
            }

            @Override
            public String member(ProcessTask task) {
                return pool.placementOf(task).map(TaskPlacement::member).orElse(null);
            }

            @Override
            public int attempts(ProcessTask task) {
                return pool.placementOf(task).map(TaskPlacement::attempts).orElse(0);
            }
        };
    }

    /** The class path without the jar Hazelcast was loaded from. */
    static List<String> withoutHazelcast(List<String> classPath) {
        Path hazelcast;
        try {
            hazelcast = Path.of(HazelcastInstance.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toAbsolutePath().normalize();
        } catch (URISyntaxException | RuntimeException e) {
            return classPath;
        }
        List<String> out = new ArrayList<>();
        for (String entry : classPath) {
            if (!Path.of(entry).toAbsolutePath().normalize().equals(hazelcast)) {
                out.add(entry);
            }
        }
        return out;
    }
}
