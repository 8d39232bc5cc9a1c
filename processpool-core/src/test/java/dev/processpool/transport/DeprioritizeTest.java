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
import java.util.Objects;

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
        assumeThat(Autogroups.on()).as("kernel.sched_autogroup_enabled is 1").isTrue();
        assumeThat(ProcessTrees.setsid()).as("setsid installed").isNotNull();
        assumeThat(Autogroups.writesUnlimited()).as("CAP_SYS_ADMIN (else the kernel rate-limits the writes)").isTrue();
        String ownBefore = Autogroups.read("/proc/self/autogroup"); // empty in the root group

        Process own = start(List.of("sleep", "30")); // same session, so the same autogroup as this JVM
        assertThat(ProcessTrees.deprioritize(own.pid())).as("shares the pool's autogroup").isFalse();

        Process alone = start(List.of(ProcessTrees.setsid(), "sleep", "30"));
        Path file = Paths.get("/proc", Long.toString(alone.pid()), "autogroup");
        String ownGroup = ProcessTrees.autogroupOf(ownBefore);
        // it is in this JVM's autogroup until setsid(2) has run in it
        await().atMost(Duration.ofSeconds(10)).until(() ->
                !Objects.equals(ownGroup, ProcessTrees.autogroupOf(Files.readString(file, StandardCharsets.US_ASCII))));

        assertThat(ProcessTrees.deprioritize(alone.pid())).isTrue();
        assertThat(Files.readString(file, StandardCharsets.US_ASCII)).endsWith("nice 19\n");
        assertThat(Autogroups.read("/proc/self/autogroup")).as("this JVM's own weight is unchanged")
                .isEqualTo(ownBefore);
    }

    @Test
    void aGoneProcessOrAnUnreadableLineIsNoError() {
        assertThat(ProcessTrees.deprioritize(Long.MAX_VALUE)).isFalse();
        assertThat(ProcessTrees.setAutogroupNice(Long.MAX_VALUE, 10)).isEqualTo(ProcessTrees.AutogroupWrite.NOT_OURS);
        assertThat(ProcessTrees.autogroupOf("/autogroup-24471 nice 0\n")).isEqualTo("/autogroup-24471");
        assertThat(ProcessTrees.autogroupOf("garbage")).isNull();
    }

    @Test
    void aPoolInTheRootGroupReweighsTheWorkersOwnGroupsButNeverTheRootOrAnUnknownOne() {
        // the kernel prints nothing for the root group: a JVM whose session began at boot, as in many containers
        String root = ProcessTrees.autogroupOf("");
        assertThat(root).isEmpty();
        assertThat(ProcessTrees.autogroupOf("\n")).isEmpty();
        String worker = ProcessTrees.autogroupOf("/autogroup-33041 nice 0\n");
        assertThat(ProcessTrees.separateAutogroup(root, worker)).as("a worker's own session").isTrue();
        assertThat(ProcessTrees.separateAutogroup(root, root)).as("a worker that shares the root group").isFalse();
        assertThat(ProcessTrees.separateAutogroup(worker, worker)).as("a worker that shares ours").isFalse();
        assertThat(ProcessTrees.separateAutogroup("/autogroup-1", worker)).isTrue();
        assertThat(ProcessTrees.separateAutogroup(null, worker)).as("ours unknown").isFalse();
        assertThat(ProcessTrees.separateAutogroup(root, null)).as("theirs unreadable").isFalse();
    }

    private Process start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }
}
