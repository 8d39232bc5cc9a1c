package dev.processpool.hazelcast;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The command line's promises of issue 10 on a cluster ({@code run --cluster}): the input file is data, not
 * code, there too (a line's {@code "task"} is refused on the client, before anything reaches a member, unless
 * {@code --allow-task} allows it, and a member's worker holds an allowed line to the same rules); bad bytes and
 * bad lines get error lines while the rest runs; {@code --resume} picks up a killed cluster run; and workers
 * that cannot start on a member neither swallow the cluster's tasks nor leave a run waiting for ever.
 */
class ClusterCliIT extends ClusterITBase {

    private static final String TOUCH = "dev.processpool.hazelcast.it.Touch::touch";
    private static final String CHILD_TOUCH = "dev.processpool.hazelcast.it.allowed.Child::touch";

    @Test
    void anInputLineNamesNoCodeOnAClusterEitherAndBadLinesAreErrorLines() throws Exception {
        int p1 = freePort();
        ClusterProcess m1 = member("m1", p1, List.of(), 2, "--classpath", System.getProperty("processpool.testClasses"));
        awaitJoined(m1);
        Path a = dir.resolve("touched-a");
        Path b = dir.resolve("touched-b");
        Path c = dir.resolve("touched-c");

        // Without --allow-task: no line may name its task, whatever it names.
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        in.writeBytes(("{\"id\":\"plain\",\"args\":[10]}\n"
                + "{\"id\":\"getenv\",\"task\":\"java.lang.System::getenv\"}\n"
                + "{\"id\":\"touch\",\"task\":\"" + TOUCH + "\",\"args\":[" + json(a) + "]}\n")
                .getBytes(StandardCharsets.UTF_8));
        in.writeBytes(new byte[] {'[', '"', 'a', (byte) 0xFF, 'b', '"', ']', '\n'}); // line 4: not UTF-8
        in.writeBytes(("{\"id\":\"broken\",\"args\":[1\n"                             // line 5: not JSON
                + "{\"id\":\"huge\",\"args\":[1e999999]}\n"                             // line 6: no long holds it
                + "{\"id\":\"field\",\"args\":[1],\"code\":\"x\"}\n")                   // line 7: unknown field
                .getBytes(StandardCharsets.UTF_8));
        Path input = dir.resolve("in.jsonl");
        Files.write(input, in.toByteArray());
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(p1), input, output, "--task", SLEEP);
        assertThat(client.awaitExit(120)).as("exit 1: some lines failed; stderr:\n" + client.stderrText()).isEqualTo(1);
        Map<Long, JsonNode> out = byLine(client.outputLines(output));
        assertThat(out).hasSize(7);

        assertThat(out.get(1L).get("status").asText()).isEqualTo("ok");
        assertThat(out.get(1L).get("member").asText()).isEqualTo(at(p1));
        assertThat(out.get(1L).get("attempts").asInt()).isEqualTo(1);
        for (long refused : List.of(2L, 3L)) {
            JsonNode l = out.get(refused);
            assertThat(l.get("status").asText()).as(l.toString()).isEqualTo("error");
            assertThat(l.get("error").get("type").asText()).isEqualTo("dev.processpool.cli.BadInputException");
            assertThat(l.get("error").get("message").asText()).contains("which input lines may not do unless it is"
                    + " allowed", "--allow-task");
            assertThat(l.has("member")).as("never handed to a member: " + l).isFalse();
        }
        assertThat(a).as("the task a line named did not run anywhere").doesNotExist();
        assertThat(out.get(4L).get("error").get("message").asText()).isEqualTo("invalid UTF-8 at byte 4 of the line");
        assertThat(out.get(5L).get("error").get("message").asText()).startsWith("malformed JSON");
        assertThat(out.get(5L).has("member")).isFalse();
        JsonNode huge = out.get(6L);
        assertThat(huge.get("id").asText()).isEqualTo("huge");
        assertThat(huge.get("status").asText()).isEqualTo("error");
        assertThat(huge.get("error").get("type").asText()).isEqualTo("dev.processpool.cli.BadInputException");
        assertThat(huge.get("error").get("message").asText()).contains("out of range").contains(at(p1));
        assertThat(out.get(7L).get("error").get("message").asText()).contains("unknown field \"code\"");
        assertThat(out.get(7L).get("id").asText()).isEqualTo("field");
        assertThat(client.stderrText()).contains("processpool: line 4: invalid UTF-8 at byte 4 of the line",
                "ok 1, error 6");

        // With --allow-task: what a pattern allows runs on the member, and nothing else; an allowed class
        // may not lend a line a static method it inherits, on the member's worker either.
        Path input2 = dir.resolve("in2.jsonl");
        Files.writeString(input2, "{\"id\":\"touch\",\"task\":\"" + TOUCH + "\",\"args\":[" + json(b) + "]}\n"
                + "{\"id\":\"inherited\",\"task\":\"" + CHILD_TOUCH + "\",\"args\":[" + json(c) + "]}\n"
                + "{\"id\":\"getenv\",\"task\":\"java.lang.System::getenv\"}\n");
        Path output2 = dir.resolve("out2.jsonl");
        ClusterProcess allowing = client("allowing", List.of(p1), input2, output2,
                "--allow-task", TOUCH, "--allow-task", "dev.processpool.hazelcast.it.allowed.*");
        assertThat(allowing.awaitExit(120)).as("stderr:\n" + allowing.stderrText()).isEqualTo(1);
        Map<Long, JsonNode> out2 = byLine(allowing.outputLines(output2));
        assertThat(out2).hasSize(3);
        assertThat(out2.get(1L).get("status").asText()).as(out2.get(1L).toString()).isEqualTo("ok");
        assertThat(out2.get(1L).get("member").asText()).isEqualTo(at(p1));
        assertThat(b).as("the allowed task ran on the member").exists();
        JsonNode inherited = out2.get(2L);
        assertThat(inherited.get("status").asText()).isEqualTo("error");
        assertThat(inherited.get("error").get("message").asText())
                .contains("inherits touch from dev.processpool.hazelcast.it.Touch").contains(at(p1));
        assertThat(c).as("the inherited method did not run").doesNotExist();
        JsonNode getenv = out2.get(3L);
        assertThat(getenv.get("error").get("message").asText()).contains("is not allowed: no --allow-task pattern"
                + " matches it");
        assertThat(getenv.has("member")).isFalse();
        assertThat(getenv.has("result")).isFalse();

        // --retries: a worker that dies on a member runs the line again (the attempt number reaches the task)
        // up to N more times; one that keeps dying is quarantined
        Path input3 = dir.resolve("in3.jsonl");
        Files.writeString(input3, "[2]\n[9]\n");
        Path output3 = dir.resolve("out3.jsonl");
        ClusterProcess retrying = client("retrying", List.of(p1), input3, output3,
                "--task", "dev.processpool.hazelcast.it.Flaky::dieBefore", "--retries", "1");
        assertThat(retrying.awaitExit(120)).as("stderr:\n" + retrying.stderrText()).isEqualTo(1);
        Map<Long, JsonNode> out3 = byLine(retrying.outputLines(output3));
        assertThat(out3.get(1L).get("status").asText()).as(out3.get(1L).toString()).isEqualTo("ok");
        assertThat(out3.get(1L).get("result").asInt()).isEqualTo(2);
        assertThat(out3.get(1L).get("attempts").asInt()).isEqualTo(2);
        assertThat(out3.get(2L).get("status").asText()).as(out3.get(2L).toString()).isEqualTo("worker-died");
        assertThat(out3.get(2L).get("attempts").asInt()).isEqualTo(2);
        assertThat(out3.get(2L).get("error").get("message").asText()).contains("quarantined: failed 2 times",
                "exit code 7");

        assertClusterClean(inspector(p1));
        stopAll(m1);
    }

    @Test
    void aKilledClusterRunResumesToExactlyOneLinePerInputLine() throws Exception {
        int p1 = freePort();
        ClusterProcess m1 = member("m1", p1, List.of(), 2);
        awaitJoined(m1);
        int n = 300;
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"id\":\"t").append(i).append("\",\"args\":[20]}\n");
        }
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, sb.toString());
        Path output = dir.resolve("out.jsonl");

        ClusterProcess first = client("first", List.of(p1), input, output, "--task", SLEEP, "--queue", "8");
        await("part of the run done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> first.outputLines(output).size() >= 40);
        first.process.destroyForcibly(); // SIGKILL, mid-run
        first.awaitExit(10);
        int before = (int) Files.readAllLines(output).stream().filter(l -> l.endsWith("}")).count();

        ClusterProcess resumed = client("resumed", List.of(p1), input, output, "--task", SLEEP, "--resume");
        assertThat(resumed.awaitExit(120)).as("stderr:\n" + resumed.stderrText()).isZero();
        List<JsonNode> out = resumed.outputLines(output);
        assertThat(out).hasSize(n);
        assertThat(out.stream().map(l -> l.get("id").asText()).collect(Collectors.toSet())).hasSize(n);
        assertThat(out).allSatisfy(l -> assertThat(l.get("status").asText()).as(l.toString()).isEqualTo("ok"));
        assertThat(out.subList(before, n)).allSatisfy(l -> assertThat(l.get("member").asText()).isEqualTo(at(p1)));
        assertThat(resumed.stderrText()).contains("skipped " + before);
        System.out.printf("resume on a cluster: killed after %d of %d lines; the resumed run added %d%n", before, n,
                n - before);

        assertClusterClean(inspector(p1));
        stopAll(m1);
    }

    @Test
    void aMemberWhoseWorkersCannotStartTakesNoTasksAndWithNoOtherMemberTheRunEndsWithTheStartError()
            throws Exception {
        int good = freePort();
        int bad = freePort();
        ClusterProcess healthy = member("healthy", good, List.of(bad), 2);
        ClusterProcess broken = member("broken", bad, List.of(good), 2, "--jvm-opt=-Xfoo");
        awaitJoined(healthy);
        awaitJoined(broken);
        com.hazelcast.core.HazelcastInstance look = inspector(good);
        await("two members").atMost(Duration.ofSeconds(60)).until(() -> look.getCluster().getMembers().size() == 2);

        // The broken member takes tasks at first, until its local pool gives up starting workers; it then hands
        // them back (no attempt lost) and takes no more: the healthy member runs everything.
        int n = 200;
        Path output = dir.resolve("out.jsonl");
        ClusterProcess client = client("client", List.of(good, bad), lines("in.jsonl", n, "[20]"), output,
                "--task", SLEEP, "--queue", "8");
        assertThat(client.awaitExit(120)).as("stderr:\n" + client.stderrText()).isZero();
        List<JsonNode> out = client.outputLines(output);
        assertThat(out).hasSize(n).allSatisfy(l -> {
            assertThat(l.get("status").asText()).isEqualTo("ok");
            assertThat(l.get("member").asText()).isEqualTo(at(good));
            assertThat(l.get("attempts").asInt()).isEqualTo(1);
        });
        await("the broken member to say why it takes no tasks").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(broken.stderrText())
                        .contains("takes no tasks while its workers cannot start").contains("-Xfoo"));
        assertThat(broken.process.isAlive()).isTrue();

        // With the healthy member gone, no member can start workers: the run ends promptly, every line says why.
        healthy.signal("TERM");
        assertThat(healthy.awaitExit(60)).as("the healthy member left in order").isZero();
        await("one member left").atMost(Duration.ofSeconds(30)).until(() -> look.getCluster().getMembers().size() == 1);
        int n2 = 20;
        Path output2 = dir.resolve("out2.jsonl");
        long t0 = System.nanoTime();
        ClusterProcess stuck = client("stuck", List.of(bad), lines("in2.jsonl", n2, "[20]"), output2, "--task", SLEEP);
        assertThat(stuck.awaitExit(90)).as("exit 2: no worker could be started; stderr:\n" + stuck.stderrText())
                .isEqualTo(2);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        List<JsonNode> out2 = stuck.outputLines(output2);
        assertThat(out2).hasSize(n2).allSatisfy(l -> {
            assertThat(l.get("status").asText()).isEqualTo("error");
            assertThat(l.get("error").get("type").asText()).isEqualTo("dev.processpool.WorkerStartException");
        });
        assertThat(out2.stream().map(l -> l.get("line").asLong()).collect(Collectors.toSet())).hasSize(n2);
        assertThat(out2).anySatisfy(l -> assertThat(l.get("error").get("message").asText())
                .contains("no member of cluster '" + clusterName + "' can start workers").contains(at(bad))
                .contains("-Xfoo"));
        String err = stuck.stderrText();
        assertThat(err.lines().filter(l -> l.startsWith("processpool: no worker could be started")).count())
                .as("one message:\n" + err).isEqualTo(1);
        assertThat(err).contains("processpool: check the members").doesNotContain("clusterpool-");
        System.out.printf("start give-up on a cluster: the run with only the broken member ended after %d ms%n",
                took.toMillis());

        assertClusterClean(inspector(bad));
        stopAll(broken);
    }

    private static Map<Long, JsonNode> byLine(List<JsonNode> lines) {
        Map<Long, JsonNode> m = new HashMap<>();
        for (JsonNode l : lines) {
            assertThat(m.put(l.get("line").asLong(), l)).as("one output line per input line").isNull();
        }
        return m;
    }

    private static String json(Path p) {
        return "\"" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
