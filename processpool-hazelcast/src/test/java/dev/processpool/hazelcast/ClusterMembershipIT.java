package dev.processpool.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Members coming and going around a run: a member that joins mid-run takes work at once, and one stopped
 * mid-run (SIGTERM) finishes what it holds and leaves; a client killed
 * mid-run (SIGKILL) has its tasks stopped on the members (their workers killed) and its traces removed, and
 * the members stay up and serve the next client; a task class that one member lacks fails those tasks with an
 * error naming that member, not the member itself.
 */
class ClusterMembershipIT extends ClusterITBase {

    /**
     * A member that joins mid-run takes work at once; then the first member is stopped mid-run (SIGTERM): it
     * stops taking tasks, lets those it holds finish (so no task needs a second attempt), exits 0 and leaves,
     * and the newcomer runs the rest.
     */
    @Test
    void aMemberJoiningMidRunTakesWorkAtOnceAndOneStoppedMidRunFinishesWhatItHolds() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        ClusterProcess m1 = member("m1", p1, List.of(), 2);
        awaitJoined(m1);
        int n = 600; // 15 s of work for the first member alone: the second joins well before the end
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(p1), lines("in.jsonl", n, "[50]"), output, "--task", SLEEP,
                "--queue", "8");
        await("the run to be under way").atMost(Duration.ofSeconds(60)).until(() -> client.outputLines(output).size() >= 20);
        ClusterProcess m2 = member("m2", p2, List.of(p1), 2);
        awaitJoined(m2);
        int doneWhenJoined = client.outputLines(output).size();

        await("the newcomer to have run tasks").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> client.outputLines(output).stream().anyMatch(l -> l.get("member").asText().equals(at(p2))));
        int doneWhenStopped = client.outputLines(output).size();
        m1.signal("TERM");
        assertThat(m1.awaitExit(60)).as("m1 left in order; stderr:\n" + m1.stderrText()).isZero();

        assertThat(client.awaitExit(120)).as("client; stderr:\n" + client.stderrText()).isZero();
        List<JsonNode> out = client.outputLines(output);
        assertThat(out).hasSize(n).allSatisfy(l -> assertThat(l.get("status").asText()).isEqualTo("ok"));
        long onNewcomer = out.stream().filter(l -> l.get("member").asText().equals(at(p2))).count();
        System.out.printf("join: m2 joined after %d of %d tasks and ran %d of them; m1 stopped (SIGTERM) after %d%n",
                doneWhenJoined, n, onNewcomer, doneWhenStopped);
        assertThat(onNewcomer).as("tasks run by the member that joined mid-run").isGreaterThan((n - doneWhenJoined) / 10);
        assertThat(doneWhenStopped).as("m1 stopped with work left (more than it can hold)").isLessThan(n - 20);
        assertThat(out).as("what m1 held when stopped finished there or was handed back unstarted: one attempt each")
                .allSatisfy(l -> assertThat(l.get("attempts").asInt()).as(l.toString()).isEqualTo(1));

        assertClusterClean(inspector(p2));
        stopAll(m2);
    }

    @Test
    void aClientKilledMidRunLeavesTheMembersIdleAndTheClusterClean() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        ClusterProcess m1 = member("m1", p1, List.of(p2), 2);
        ClusterProcess m2 = member("m2", p2, List.of(p1), 2);
        awaitJoined(m1);
        awaitJoined(m2);
        HazelcastInstance look = inspector(p1);
        await().atMost(Duration.ofSeconds(60)).until(() -> look.getCluster().getMembers().size() == 2);
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(p1, p2), lines("in.jsonl", 40, "[60000]"), output,
                "--task", SLEEP, "--queue", "10");
        await("every worker busy with the client's tasks").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> workersOf(m1).size() == 2 && workersOf(m2).size() == 2
                        && look.getQueue(Wire.TASKS).size() > 0);
        List<Long> busy = new java.util.ArrayList<>(workersOf(m1));
        busy.addAll(workersOf(m2));

        client.process.destroyForcibly(); // SIGKILL: no goodbye, only its lease stops
        // The lease times out (10 s), the members kill the workers running its tasks and remove its traces.
        await("the workers running the dead client's tasks to be killed").atMost(Duration.ofSeconds(40))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> busy.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
        assertClusterClean(look);
        assertThat(m1.process.isAlive() && m2.process.isAlive()).as("members still up").isTrue();
        await("the members to hold no task").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(look.<String, String>getMap(Wire.MEMBERS).values()).hasSize(2)
                        .allSatisfy(status -> assertThat(status).contains(" held 0 ")));

        // ... and they serve the next client.
        Path output2 = dir.resolve("out2.jsonl");
        ClusterProcess next = client("next", List.of(p2), lines("in2.jsonl", 10, "[1]"), output2, "--task", SLEEP);
        assertThat(next.awaitExit(60)).as("next client; stderr:\n" + next.stderrText()).isZero();
        assertThat(next.outputLines(output2)).hasSize(10);
        assertClusterClean(look);
        stopAll(m1, m2);
    }

    @Test
    void aTaskClassOneMemberLacksFailsItsTasksThereNamingTheMember() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        String testClasses = System.getProperty("processpool.testClasses");
        ClusterProcess has = member("has", p1, List.of(p2), 1, "--classpath", testClasses);
        ClusterProcess lacks = member("lacks", p2, List.of(p1), 1);
        awaitJoined(has);
        awaitJoined(lacks);
        HazelcastInstance look = inspector(p1);
        await().atMost(Duration.ofSeconds(60)).until(() -> look.getCluster().getMembers().size() == 2);
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(p1, p2), lines("in.jsonl", 40, "[\"hey\"]"), output,
                "--task", "dev.processpool.hazelcast.it.Shout");
        assertThat(client.awaitExit(120)).as("exit code 1: some tasks failed; stderr:\n" + client.stderrText()).isEqualTo(1);
        List<JsonNode> out = client.outputLines(output);
        assertThat(out).hasSize(40);
        List<JsonNode> ok = out.stream().filter(l -> l.get("status").asText().equals("ok")).collect(Collectors.toList());
        List<JsonNode> failed = out.stream().filter(l -> !l.get("status").asText().equals("ok")).collect(Collectors.toList());
        assertThat(ok).isNotEmpty().allSatisfy(l -> {
            assertThat(l.get("member").asText()).isEqualTo(at(p1));
            assertThat(l.get("result").asText()).isEqualTo("HEY!");
        });
        assertThat(failed).isNotEmpty().allSatisfy(l -> {
            assertThat(l.get("member").asText()).isEqualTo(at(p2));
            assertThat(l.get("status").asText()).isEqualTo("error");
            assertThat(l.get("error").get("message").asText())
                    .contains("dev.processpool.hazelcast.it.Shout").contains(at(p2));
        });
        System.out.println("missing class: " + ok.size() + " ok on the member that has it, " + failed.size()
                + " failed on the one that lacks it, e.g. " + failed.get(0).get("error").get("message").asText());
        assertThat(lacks.process.isAlive()).as("the member that lacks the class is still up").isTrue();
        assertClusterClean(look);
        stopAll(has, lacks);
    }
}
