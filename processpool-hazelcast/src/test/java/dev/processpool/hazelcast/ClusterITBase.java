package dev.processpool.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Members and clients as real processes ({@code processpool member}, {@code processpool run --cluster}) on
 * loopback, each test with ports and a cluster name of its own; and the guarantee that nothing a test started
 * outlives it (members, clients and their workers carry the test's marker in their command line).
 */
abstract class ClusterITBase {

    static final String SLEEP = "dev.processpool.cli.examples.Sleep";

    @TempDir
    Path dir;

    final String marker = UUID.randomUUID().toString();
    final String clusterName = "it-" + marker.substring(0, 8);
    private final List<ClusterProcess> started = new ArrayList<>();
    private final List<HazelcastInstance> inspectors = new ArrayList<>();

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static String at(int port) {
        return "127.0.0.1:" + port;
    }

    /** Starts {@code processpool member} and waits until it has joined the cluster. */
    ClusterProcess member(String name, int port, List<Integer> join, int max, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("member", "--cluster-name", clusterName, "--port", String.valueOf(port),
                "--max", String.valueOf(max), "--jvm-opt=-Dprocesspool.it=" + marker));
        if (!join.isEmpty()) {
            args.add("--join");
            args.add(join.stream().map(ClusterITBase::at).collect(Collectors.joining(",")));
        }
        args.addAll(List.of(extra));
        ClusterProcess p = ClusterProcess.start(dir, name, marker, args);
        started.add(p);
        return p;
    }

    void awaitJoined(ClusterProcess member) {
        await(member + " to join").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(member.process.isAlive()).as(member + " alive; stderr:\n" + member.stderrText()).isTrue();
                    assertThat(member.stderrText()).contains("processpool member " );
                });
    }

    /** Starts {@code processpool run --cluster ...} writing to {@code output}. */
    ClusterProcess client(String name, List<Integer> ports, Path input, Path output, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--cluster",
                ports.stream().map(ClusterITBase::at).collect(Collectors.joining(",")), "--cluster-name", clusterName,
                "--input", input.toString(), "--output", output.toString()));
        args.addAll(List.of(extra));
        ClusterProcess p = ClusterProcess.start(dir, name, marker, args);
        started.add(p);
        return p;
    }

    Path lines(String name, int n, String line) throws IOException {
        Path f = dir.resolve(name);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(line).append('\n');
        }
        Files.writeString(f, sb.toString());
        return f;
    }

    /** A Hazelcast client of the test's own, to look into the cluster. */
    HazelcastInstance inspector(int port) {
        HazelcastInstance hz = HazelcastClient.newHazelcastClient(
                ClusterConfigs.client(clusterName, List.of(at(port)), Duration.ofSeconds(30)));
        inspectors.add(hz);
        return hz;
    }

    /** No task, lease, claims or results of any client pool left in the cluster. */
    static void assertClusterClean(HazelcastInstance hz) {
        await("the cluster to be clean").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    assertThat(hz.getQueue(Wire.TASKS).size()).as("tasks waiting").isZero();
                    assertThat(hz.getMap(Wire.JOBS).size()).as("client pools' leases").isZero();
                    assertThat(hz.getDistributedObjects().stream().map(DistributedObject::getName)
                            .filter(n -> n.startsWith(Wire.CLAIMS_PREFIX) || n.startsWith(Wire.RESULTS_PREFIX))
                            .collect(Collectors.toList())).as("claims maps and results queues").isEmpty();
                });
    }

    /** The processes of this test (members, clients, workers) that are alive, found by the marker. */
    List<ProcessHandle> alive() {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("-Dprocesspool.it=" + marker)).orElse(false))
                .filter(ProcessHandle::isAlive)
                .collect(Collectors.toList());
    }

    /** The worker JVMs of a member (its children), by pid. */
    static List<Long> workersOf(ClusterProcess member) {
        return member.process.descendants().filter(ProcessHandle::isAlive)
                .filter(p -> p.info().commandLine().map(c -> c.contains("WorkerMain")).orElse(false))
                .map(ProcessHandle::pid).collect(Collectors.toList());
    }

    /** Shuts the test's own clients down while their cluster is still there (a client of a cluster that is
     * gone spends its connect timeout trying to reach it again). */
    private void closeInspectors() {
        for (HazelcastInstance hz : inspectors) {
            try {
                hz.shutdown();
            } catch (RuntimeException ignored) {
                // gone already
            }
        }
        inspectors.clear();
    }

    @AfterEach
    void nothingLeftAlive() {
        closeInspectors();
        List<String> leftovers = new ArrayList<>();
        for (ClusterProcess p : started) {
            if (p.process.isAlive()) {
                p.process.descendants().forEach(ProcessHandle::destroyForcibly);
                p.process.destroyForcibly();
            }
        }
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> alive().isEmpty());
        } catch (RuntimeException | AssertionError stillThere) {
            for (ProcessHandle h : alive()) {
                leftovers.add(h.pid() + " " + h.info().commandLine().orElse("?"));
                h.destroyForcibly();
            }
        }
        assertThat(leftovers).as("processes left alive (now killed)").isEmpty();
    }

    /** Stops members in order (SIGTERM) and checks that they and their workers are gone. */
    void stopAll(ClusterProcess... members) throws Exception {
        closeInspectors();
        for (ClusterProcess m : members) {
            if (m.process.isAlive()) {
                m.signal("TERM");
            }
        }
        for (ClusterProcess m : members) {
            m.awaitExit(60);
        }
        await("every process of the test to be gone").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)).until(() -> alive().isEmpty());
    }
}
