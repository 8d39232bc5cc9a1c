package dev.processpool.transport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker about to be killed gets the least CPU weight of its session's autogroup (so that a storm of killed
 * JVMs tearing down their heaps does not starve the pool), and never the pool's own autogroup. Skipped, with
 * the reason, where the kernel has no autogroups or no {@code setsid} is installed.
 */
class DeprioritizeTest {

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void endWhatWasStarted() {
        started.forEach(Process::destroyForcibly);
    }

    @Test
    void aProcessInASessionOfItsOwnGetsNiceNineteenAndThePoolsOwnAutogroupIsNeverTouched() throws Exception {
        assumeThat(autogroupsOn()).as("kernel.sched_autogroup_enabled is 1").isTrue();
        assumeThat(ProcessTrees.setsid()).as("setsid installed").isNotNull();
        String ownBefore = read("/proc/self/autogroup");

        Process own = start(List.of("sleep", "30")); // same session, so the same autogroup as this JVM
        assertThat(ProcessTrees.deprioritize(own.pid())).as("shares the pool's autogroup").isFalse();

        Process alone = start(List.of(ProcessTrees.setsid(), "sleep", "30"));
        Path file = Paths.get("/proc", Long.toString(alone.pid()), "autogroup");
        String ownGroup = ProcessTrees.autogroupName(ownBefore);
        // it is in this JVM's autogroup until setsid(2) has run in it
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !ownGroup.equals(ProcessTrees.autogroupName(Files.readString(file, StandardCharsets.US_ASCII))));

        assertThat(ProcessTrees.deprioritize(alone.pid())).isTrue();
        assertThat(Files.readString(file, StandardCharsets.US_ASCII)).endsWith("nice 19\n");
        assertThat(read("/proc/self/autogroup")).as("this JVM's own weight is unchanged").isEqualTo(ownBefore);
    }

    @Test
    void aGoneProcessOrAnUnreadableLineIsNoError() {
        assertThat(ProcessTrees.deprioritize(Long.MAX_VALUE)).isFalse();
        assertThat(ProcessTrees.autogroupName("/autogroup-24471 nice 0\n")).isEqualTo("/autogroup-24471");
        assertThat(ProcessTrees.autogroupName("garbage")).isNull();
        assertThat(ProcessTrees.autogroupName("")).isNull();
    }

    private Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static boolean autogroupsOn() {
        try {
            return read("/proc/sys/kernel/sched_autogroup_enabled").strip().equals("1");
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(String path) throws IOException {
        return Files.readString(Paths.get(path), StandardCharsets.US_ASCII);
    }
}
