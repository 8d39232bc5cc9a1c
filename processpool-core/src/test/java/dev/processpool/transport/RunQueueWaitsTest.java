package dev.processpool.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RunQueueWaitsTest {

    @TempDir
    Path tmp;

    private void thread(String tid, String schedstat) throws IOException {
        Files.createDirectories(tmp.resolve(tid));
        Files.writeString(tmp.resolve(tid).resolve("schedstat"), schedstat);
    }

    /** Its state in {@code stat}, after a name with spaces and parentheses in it. */
    private void state(String tid, char state) throws IOException {
        Files.writeString(tmp.resolve(tid).resolve("stat"), tid + " (a (b) c) " + state + " 1 1 1 0 -1\n");
    }

    @Test
    void readsTheSecondFieldOfEachThreadAndLeavesOutWhatDoesNotParse() throws IOException {
        thread("101", "5000 700 12\n");
        thread("102", "1 300 2\n");
        thread("103", "garbage\n");
        thread("notathread", "1 999999 1\n");
        Files.createDirectories(tmp.resolve("104")); // ended meanwhile: no schedstat
        RunQueueWaits before = RunQueueWaits.read(tmp).orElseThrow();
        thread("101", "9000 900 13\n"); // +200
        thread("102", "2 1300 3\n");    // +1000: the most-waiting thread
        thread("105", "1 400 1\n");     // born since: +400
        RunQueueWaits after = RunQueueWaits.read(tmp).orElseThrow();
        assertThat(after.maxWaitSince(before, 5_000)).as("the largest growth of one thread, not the sum")
                .isEqualTo(1_000);
    }

    /**
     * The kernel adds a wait up when the thread gets the CPU: a thread runnable at both readings that did not
     * run in between has waited all along, though its schedstat says nothing yet.
     */
    @Test
    void aThreadRunnableAtBothReadingsThatDidNotRunWaitedAllAlong() throws IOException {
        thread("1", "5000 700 12\n");
        state("1", 'R');
        thread("2", "5000 700 12\n");
        state("2", 'S');
        RunQueueWaits before = RunQueueWaits.read(tmp).orElseThrow();
        assertThat(RunQueueWaits.read(tmp).orElseThrow().maxWaitSince(before, 2_000)).isEqualTo(2_000);

        state("1", 'T'); // stopped since: not waiting for a CPU
        assertThat(RunQueueWaits.read(tmp).orElseThrow().maxWaitSince(before, 2_000)).isZero();
        state("1", 'R');
        thread("1", "5001 700 13\n"); // it ran, and its wait as the kernel counts it did not grow
        assertThat(RunQueueWaits.read(tmp).orElseThrow().maxWaitSince(before, 2_000)).isZero();
        thread("1", "5000 700 12\n");
        state("1", 'S');
        state("2", 'R'); // woken since, not runnable all along
        assertThat(RunQueueWaits.read(tmp).orElseThrow().maxWaitSince(before, 2_000)).isZero();
    }

    @Test
    void theGrowthIsOfOneThreadNotTheDifferenceOfTheLargestWaits() {
        RunQueueWaits before = RunQueueWaits.of(Map.of(1L, 10_000L, 2L, 100L));
        RunQueueWaits after = RunQueueWaits.of(Map.of(1L, 10_000L, 2L, 900L));
        assertThat(after.maxWaitSince(before, 5_000)).isEqualTo(800);
        assertThat(before.maxWaitSince(after, 5_000)).as("never negative").isZero();
    }

    @Test
    void nothingReadableIsEmpty() throws IOException {
        assertThat(RunQueueWaits.read(tmp.resolve("gone"))).isEmpty();
        assertThat(RunQueueWaits.read(tmp)).as("no thread").isEmpty();
        thread("7", "1\n");
        assertThat(RunQueueWaits.read(tmp)).as("no second field").isEmpty();
        assertThat(RunQueueWaits.ofProcess(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void readsAProcessOfThisHost() {
        assertThat(RunQueueWaits.ofProcess(ProcessHandle.current().pid())).isPresent();
    }
}
