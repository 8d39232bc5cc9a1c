package dev.processpool;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MapTest {

    private static PoolConfig twoWorkers() {
        return PoolConfig.builder().minSize(2).maxSize(2).build();
    }

    @Test
    void mapReturnsResultsInInputOrder() {
        List<Integer> inputs = IntStream.range(0, 10_000).boxed().collect(Collectors.toList());
        try (ProcessPool pool = new ProcessPool(twoWorkers())) {
            List<Integer> squares = pool.map((Integer x) -> x * x, inputs, 100);
            assertThat(squares).hasSize(10_000);
            for (int i = 0; i < squares.size(); i++) {
                assertThat(squares.get(i)).isEqualTo(i * i);
            }
        }
    }

    @Test
    void imapUnorderedDeliversEveryResultOnce() {
        List<Integer> inputs = IntStream.range(0, 5_000).boxed().collect(Collectors.toList());
        try (ProcessPool pool = new ProcessPool(twoWorkers())) {
            Iterator<Long> it = pool.imapUnordered((Integer x) -> (long) x + 1, inputs, 7);
            Set<Long> seen = new HashSet<>();
            int count = 0;
            while (it.hasNext()) {
                seen.add(it.next());
                count++;
            }
            assertThat(count).isEqualTo(5_000);
            assertThat(seen).hasSize(5_000).contains(1L, 5_000L);
        }
    }

    @Test
    void imapIsLazyOverAnInputFarLargerThanTheQueue() {
        Iterable<Integer> endless = () -> IntStream.iterate(0, i -> i + 1).iterator();
        try (ProcessPool pool = new ProcessPool(twoWorkers())) {
            Iterator<Integer> it = pool.imap((Integer x) -> x, endless, 50);
            for (int i = 0; i < 2_000; i++) {
                assertThat(it.next()).isEqualTo(i);
            }
        }
    }

    @Test
    void aFailingChunkSurfacesAsCompletionExceptionInItsPlaceAndIterationGoesOn() {
        List<Integer> inputs = IntStream.range(0, 30).boxed().collect(Collectors.toList());
        try (ProcessPool pool = new ProcessPool(twoWorkers())) {
            Iterator<Integer> it = pool.imap((Integer x) -> {
                if (x == 15) {
                    throw new IllegalArgumentException("bad input " + x);
                }
                return x;
            }, inputs, 10);
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                got.add(it.next());
            }
            assertThatThrownBy(it::next).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(TaskExecutionException.class).hasMessageContaining("bad input 15");
            while (it.hasNext()) {
                got.add(it.next());
            }
            assertThat(got).containsExactlyElementsOf(IntStream.range(0, 30).filter(i -> i < 10 || i >= 20)
                    .boxed().collect(Collectors.toList()));
        }
    }

    @Test
    void badChunkSizeIsRefusedAtTheCall() {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(0).maxSize(1).build())) {
            assertThatThrownBy(() -> pool.map((Integer x) -> x, List.of(1), 0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkSize");
        }
    }
}
