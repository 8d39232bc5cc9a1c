package dev.processpool.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13's failover test: three members as separate JVMs ({@code processpool member}), a client
 * ({@code processpool run --cluster}) with 1,000 tasks of 20 ms, one member SIGKILLed mid-run. Every task has
 * exactly one output line, all {@code ok}, some with {@code attempts} 2; the killed member's workers are gone
 * within 1 s (they notice their parent's death); the cluster is clean and nothing is left running.
 */
class ClusterFailoverIT extends ClusterITBase {

    @Test
    void aMemberKilledMidRunCostsOneAttemptOfWhatItHeldAndNoTask() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        int p3 = freePort();
        ClusterProcess m1 = member("m1", p1, List.of(p2, p3), 2);
        ClusterProcess m2 = member("m2", p2, List.of(p1, p3), 2);
        ClusterProcess m3 = member("m3", p3, List.of(p1, p2), 2);
        awaitJoined(m1);
        awaitJoined(m2);
        awaitJoined(m3);
        HazelcastInstance look = inspector(p1);
        await("three members").atMost(Duration.ofSeconds(60)).until(() -> look.getCluster().getMembers().size() == 3);

        int n = 1000;
        Path input = lines("in.jsonl", n, "[20]");
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(p1, p2, p3), input, output, "--task", SLEEP, "--queue", "24");

        // Watch the output as it grows: when each line arrived (reading only what was added: parsing the whole
        // output every 20 ms took a good part of the 2 cores the members and the client need).
        Map<Long, Long> arrived = new ConcurrentHashMap<>();
        long[] watched = {0};
        Thread watcher = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    for (JsonNode line : client.newOutputLines(output, watched)) {
                        arrived.putIfAbsent(line.get("line").asLong(), System.nanoTime());
                    }
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    // a line being written: read again
                }
            }
        });
        watcher.setDaemon(true);
        watcher.start();

        await("the run to be well under way").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
                .until(() -> arrived.size() >= 200 && workersOf(m2).size() == 2);
        List<Long> workers = workersOf(m2);
        long killedAt = System.nanoTime();
        m2.process.destroyForcibly(); // SIGKILL, this pid only
        await("the killed member's workers to exit (parent death)").atMost(Duration.ofSeconds(1))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> workers.stream().noneMatch(ClusterFailoverIT::running));
        long workersGoneMillis = (System.nanoTime() - killedAt) / 1_000_000;
        int doneAtKill = (int) arrived.values().stream().filter(t -> t <= killedAt).count();

        if (!client.process.waitFor(180, java.util.concurrent.TimeUnit.SECONDS)) {
            System.out.println("STUCK: " + describe(look) + "; outputs " + client.outputLines(output).size());
        }
        assertThat(client.awaitExit(1)).as("client exit code; stderr:\n" + client.stderrText()).isZero();
        // the client pool's warning, in the command's words (no pool name), naming the member as the output does
        assertThat(client.stderrText()).contains("processpool: warning: member " + at(p2) + " left the cluster")
                .doesNotContain("clusterpool-");
        watcher.interrupt();
        List<JsonNode> out = client.outputLines(output);
        for (JsonNode line : out) {
            arrived.putIfAbsent(line.get("line").asLong(), System.nanoTime());
        }
        assertThat(out).hasSize(n);
        assertThat(out.stream().map(l -> l.get("line").asLong()).collect(Collectors.toSet())).hasSize(n);
        assertThat(out).allSatisfy(l -> assertThat(l.get("status").asText()).as(l.toString()).isEqualTo("ok"));
        List<JsonNode> rerun = out.stream().filter(l -> l.get("attempts").asInt() == 2).collect(Collectors.toList());
        assertThat(rerun).as("tasks run again after the kill").isNotEmpty();
        assertThat(out).allSatisfy(l -> assertThat(l.get("attempts").asInt()).isBetween(1, 2));
        assertThat(rerun).allSatisfy(l -> assertThat(l.get("member").asText()).isNotEqualTo(at(p2)));
        Map<String, Long> perMember = new HashMap<>();
        out.forEach(l -> perMember.merge(l.get("member").asText(), 1L, Long::sum));

        long recovered = rerun.stream().mapToLong(l -> arrived.get(l.get("line").asLong())).max().orElse(killedAt);
        System.out.printf("failover: %d tasks, member m2 SIGKILLed after %d outputs; its %d workers gone after %d ms;"
                        + " %d tasks re-run (attempts 2), the last of them done %d ms after the kill; per member %s%n",
                n, doneAtKill, workers.size(), workersGoneMillis, rerun.size(), (recovered - killedAt) / 1_000_000,
                perMember);

        assertClusterClean(look);
        stopAll(m1, m3);
    }

    /**
     * Whether a process still runs: it exists and is not a zombie. An orphaned worker that has exited stays a
     * zombie until init reaps it, which on this kind of VM takes a second or two; ProcessHandle counts such a
     * process as alive. (The leftover check after the test waits for the reaping too.)
     */
    static boolean running(long pid) {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X' && state != 'x';
        } catch (java.io.IOException | RuntimeException gone) {
            return false;
        }
    }

    static String describe(HazelcastInstance hz) {
        StringBuilder sb = new StringBuilder("queue " + hz.getQueue(Wire.TASKS).size() + ", jobs " + hz.getMap(Wire.JOBS).keySet());
        for (com.hazelcast.core.DistributedObject o : hz.getDistributedObjects()) {
            if (o.getName().startsWith(Wire.CLAIMS_PREFIX)) {
                com.hazelcast.map.IMap<Long, Wire.Claim> m = hz.getMap(o.getName());
                sb.append("; ").append(o.getName()).append(" ").append(m.size()).append(" claims");
                m.entrySet().stream().limit(20).forEach(e -> sb.append(" ").append(e.getKey() / 256).append("/")
                        .append(e.getKey() % 256).append("=").append(e.getValue()));
            } else if (o.getName().startsWith(Wire.RESULTS_PREFIX)) {
                sb.append("; ").append(o.getName()).append(" ").append(hz.getQueue(o.getName()).size()).append(" results");
            }
        }
        return sb.toString();
    }
}
