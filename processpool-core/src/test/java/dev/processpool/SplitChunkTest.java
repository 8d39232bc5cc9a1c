package dev.processpool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** A crashed chunk is split, end to end: a chunk of 100 where item 37 kills its worker. */
class SplitChunkTest {

    @Test
    void aChunkOfAHundredWhoseItem37KillsTheWorkerLosesOnlyItem37() {
        List<Integer> inputs = IntStream.range(0, 100).boxed().toList();
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(2).build())) {
            for (boolean ordered : new boolean[] {true, false}) {
                Iterator<Integer> it = ordered ? pool.imap(TestTasks.doubleButDieOn37(), inputs, 100)
                        : pool.imapUnordered(TestTasks.doubleButDieOn37(), inputs, 100);
                List<Object> seen = new ArrayList<>();
                while (true) {
                    try {
                        if (!it.hasNext()) {
                            break;
                        }
                        seen.add(it.next());
                    } catch (CompletionException e) {
                        seen.add(e.getCause());
                    }
                }
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
}
