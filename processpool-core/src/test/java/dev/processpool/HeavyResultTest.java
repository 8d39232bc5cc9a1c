package dev.processpool;

import dev.processpool.testing.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Results near or over the parent's heap, and results that never finish decoding, each run by a pool owner
 * in a JVM of its own with a small heap ({@link ResultOwnerMain}), so that the test JVM's large heap hides
 * nothing. Issue 9, items 1 and 2.
 */
class HeavyResultTest {

    private static final long OWNER_LIMIT_SECONDS = 150;

    /** What an owner printed. */
    private record Run(List<String> lines, Map<String, String> outcomes, boolean finished) {
        String outcome(String id) {
            return outcomes.get(id);
        }

        long shutdownMillis() {
            return lines.stream().filter(l -> l.startsWith("SHUTDOWN ")).map(l -> Long.parseLong(l.split(" ")[1]))
                    .findFirst().orElse(-1L);
        }
    }

    private static Run runOwner(String heap, String scenario, Map<String, String> env) throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, heap, "-cp", System.getProperty("java.class.path"),
                "dev.processpool.ResultOwnerMain", scenario).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().putAll(env);
        Process owner = pb.start();
        owner.getOutputStream().close();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (java.io.IOException ignored) {
                // the owner is gone
            }
        });
        boolean finished = owner.waitFor(OWNER_LIMIT_SECONDS, TimeUnit.SECONDS);
        if (!finished) {
            List<ProcessHandle> workers = owner.descendants().toList();
            owner.destroyForcibly();
            workers.forEach(ProcessHandle::destroyForcibly);
            owner.waitFor(10, TimeUnit.SECONDS);
        }
        reader.get(10, TimeUnit.SECONDS);
        Map<String, String> outcomes = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith("OUTCOME ")) {
                String[] f = l.split(" ", 3);
                outcomes.merge(f[1], f[2], (a, b) -> a + " || SECOND OUTCOME: " + b);
            }
        }
        lines.forEach(l -> System.out.println(scenario + ": " + l));
        return new Run(List.copyOf(lines), outcomes, finished && lines.contains("DONE"));
    }

    /**
     * Item 1: 16 byte[] results of 40 and 100 MiB on 3 workers, for a parent with a 256 MiB heap (its default
     * result memory budget: a quarter, 64 MiB). The 40 MiB results wait for budget and arrive whole; the
     * 100 MiB ones can never fit and fail at once with a ResultTransferException that gives both sizes. The
     * parent never runs out of heap, every task has one outcome, and shutdown(5 s) is quick.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void resultsLargerThanTheParentCanHoldAtOnceWaitForBudgetOrFailAloneAndNothingWedges() throws Exception {
        Run run = runOwner("-Xmx256m", "big-results", Map.of());
        assertThat(run.finished()).as("the owner finished within %d s: %s", OWNER_LIMIT_SECONDS, run.lines()).isTrue();
        assertThat(run.lines()).contains("SETTLED true");
        assertThat(run.outcomes()).hasSize(16);
        for (int i = 0; i < 16; i++) {
            String o = run.outcome("big-" + i);
            if (i % 4 == 3) {
                assertThat(o).startsWith("ResultTransferException").contains("100 MiB").contains("budget")
                        .contains("resultMemoryBudget").doesNotContain("SECOND");
            } else {
                assertThat(o).isEqualTo("OK " + (40 << 20) + " bytes");
            }
        }
        assertThat(run.shutdownMillis()).isBetween(0L, 6_000L);
    }

    /**
     * Item 1: a hostile worker answers with an ERROR frame announcing (and sending) 500 MiB, under
     * maxFrameBytes, to a parent with a 256 MiB heap. The parent skips it without allocating it: the task fails
     * with a ResultTransferException, the same worker runs the later tasks.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void anErrorFrameLargerThanTheParentsHeapFailsItsTaskAndThePoolGoesOn(@TempDir Path tmp) throws Exception {
        Path modes = tmp.resolve("modes");
        Files.writeString(modes, "huge-error 500\n");
        Run run = runOwner("-Xmx256m", "huge-error", Map.of(HostileWorkerMain.MODE_FILE_ENV, modes.toString()));
        assertThat(run.finished()).as("the owner finished: %s", run.lines()).isTrue();
        assertThat(run.outcome("victim")).startsWith("ResultTransferException").contains("budget");
        assertThat(run.outcome("after-1")).isEqualTo("OK after-1");
        assertThat(run.outcome("after-2")).isEqualTo("OK after-2");
        assertThat(run.shutdownMillis()).isBetween(0L, 6_000L);
    }

    /**
     * Item 2: a result whose decoding never ends and never gives the deserialisation filter a chance to stop
     * it (one hash of a list DAG 100 levels deep). Its task fails once its decoding has run past the bound;
     * the worker's later tasks run meanwhile; the pool shuts down.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void aResultWhoseDecodingNeverEndsFailsItsTaskAndTheWorkersLaterTasksRun() throws Exception {
        Run run = runOwner("-Xmx256m", "endless-decode", Map.of());
        assertThat(run.finished()).as("the owner finished: %s", run.lines()).isTrue();
        assertThat(run.outcome("endless")).startsWith("ResultTransferException").contains("decod");
        for (int i = 1; i <= 3; i++) {
            assertThat(run.outcome("after-" + i)).isEqualTo("OK after-" + i);
        }
        assertThat(run.lines()).contains("SETTLED true");
        assertThat(run.shutdownMillis()).isBetween(0L, 6_000L);
    }
}
