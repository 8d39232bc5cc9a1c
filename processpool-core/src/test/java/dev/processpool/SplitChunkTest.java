package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A crashed chunk is split, end to end: a chunk of 100 where item 37 kills its worker. */
class SplitChunkTest {

    /** Every item the iterator hands out: a result, or the cause of the {@link CompletionException} in its place. */
    private static List<Object> drain(Iterator<Integer> it) {
        List<Object> seen = new ArrayList<>();
        while (true) {
            try {
                if (!it.hasNext()) {
                    return seen;
                }
                seen.add(it.next());
            } catch (CompletionException e) {
                seen.add(e.getCause());
            }
        }
    }

    @Test
    void aChunkOfAHundredWhoseItem37KillsTheWorkerLosesOnlyItem37() {
        List<Integer> inputs = IntStream.range(0, 100).boxed().toList();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(2).build())) {
            for (boolean ordered : new boolean[] {true, false}) {
                List<Object> seen = drain(ordered ? pool.imap(TestTasks.doubleButDieOn37(), inputs, 100)
                        : pool.imapUnordered(TestTasks.doubleButDieOn37(), inputs, 100));
                assertThat(seen).as("ordered: %s", ordered).hasSize(100);
                for (int i = 0; i < 100; i++) {
                    if (i == 37) {
                        assertThat(seen.get(i)).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                            assertThat(e.getSignal()).hasValue(9);
                            assertThat(e.getTaskId()).endsWith("[37]");
                        });
                    } else {
                        assertThat(seen.get(i)).as("item %d", i).isEqualTo(2 * i);
                    }
                }
            }
            Throwable thrown = catchThrowable(() -> pool.map(TestTasks.doubleButDieOn37(), inputs, 100));
            assertThat(thrown).isInstanceOf(CompletionException.class).hasCauseInstanceOf(WorkerDiedException.class);
        }
    }

    /**
     * "When the worker running a chunk dies or times out": a map's chunk gets a timeout; the chunk of 100 whose
     * item 37 hangs is killed at it and split, and each item alone has the same timeout, so only item 37 times
     * out. Before, a map had no way to give its chunks a timeout: the hanging item held its chunk, and the map,
     * for ever.
     */
    @Test
    void aChunkOfAHundredWhoseItem37HangsPastTheMapsTimeoutLosesOnlyItem37() {
        List<Integer> inputs = IntStream.range(0, 100).boxed().toList();
        Duration timeout = Duration.ofSeconds(2);
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(2).build())) {
            List<Object> seen = drain(pool.imap(TestTasks.doubleButHangOn37(), inputs, 100, timeout));
            assertThat(seen).hasSize(100);
            for (int i = 0; i < 100; i++) {
                if (i == 37) {
                    assertThat(seen.get(i)).isInstanceOfSatisfying(TaskTimeoutException.class, e -> {
                        assertThat(e.getTimeout()).isEqualTo(timeout);
                        assertThat(e.isSoftTimeout()).isFalse();
                        assertThat(e.getTaskId()).endsWith("[37]");
                    });
                } else {
                    assertThat(seen.get(i)).as("item %d", i).isEqualTo(2 * i);
                }
            }
            assertThat(catchThrowable(() -> pool.map(TestTasks.doubleButHangOn37(), inputs, 10, Duration.ofMillis(-1))))
                    .as("refused at the call").isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("map timeout must not be negative");
        }
    }
}
