package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.WorkerDiedException;
import dev.processpool.protocol.TaskPayload;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Splitting a task made of items when its worker ends under it, against a fake transport: the items run one
 * by one in its place, only the culprit fails, the task ends once with the joined outcome.
 */
class EngineSplitTest {

    /** Items named {@code <task>[i]}; joined as "value" or "!<outcome kind>" per item. */
    private static Splitter items(String taskId, int n, AtomicInteger splits) {
        return new Splitter() {
            @Override
            public List<TaskPayload> items() {
                splits.incrementAndGet();
                List<TaskPayload> p = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    p.add(FakeTransport.payload(taskId + "[" + i + "]"));
                }
                return p;
            }

            @Override
            public Object join(List<Object> values, List<TaskException> failures) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < values.size(); i++) {
                    out.add(failures.get(i) == null ? values.get(i)
                            : "!" + EngineListener.Outcome.of(failures.get(i)) + " " + failures.get(i).getTaskId());
                }
                return out;
            }
        };
    }

    @Test
    void aChunkWhoseItemKillsTheWorkerIsSplitAndOnlyThatItemFails() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            AtomicInteger splits = new AtomicInteger();
            f.transport.autoStart = true;
            f.transport.answerOf = payload -> {
                String id = FakeTransport.taskIdOf(payload);
                return id.equals("chunk") || id.equals("chunk[3]") ? FakeTransport.DIES : "v" + id;
            };
            Submission s = f.submit(f.submission("chunk", 0, 0).splitter(items("chunk", 6, splits)));
            f.advance(10);
            assertThat(f.outcomes("chunk")).isEqualTo(1);
            assertThat(f.result("chunk")).isEqualTo(List.of("vchunk[0]", "vchunk[1]", "vchunk[2]",
                    "!WORKER_DIED chunk[3]", "vchunk[4]", "vchunk[5]"));
            assertThat(splits).hasValue(1);
            assertThat(f.events).contains("split chunk into 6 after WORKER_DIED");
            assertThat(f.events("ended chunk[3]")).singleElement().asString().contains("WORKER_DIED");
            assertThat(s.split.items).extracting(i -> i.taskId).containsExactly("chunk[0]", "chunk[1]",
                    "chunk[2]", "chunk[3]", "chunk[4]", "chunk[5]");
        }
    }

    /** A chunk killed at its timeout is split too; each item has the chunk's timeout for itself. */
    @Test
    void aChunkKilledAtItsTimeoutIsSplitAndOnlyTheItemThatOverrunsItTimesOut() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(2).maxSize(2).build()).start()) {
            f.transport.autoStart = true;
            f.transport.answerOf = payload -> {
                String id = FakeTransport.taskIdOf(payload);
                return id.equals("chunk") || id.equals("chunk[2]") ? FakeTransport.RUNS_ON : "v" + id;
            };
            f.submit(f.submission("chunk", 100, 0).splitter(items("chunk", 4, new AtomicInteger())));
            f.advance(99);
            assertThat(f.events("split")).as("not before its timeout").isEmpty();
            f.advance(1);
            assertThat(f.events).contains("split chunk into 4 after TIMED_OUT");
            f.advance(99);
            assertThat(f.ended("chunk")).as("item 2 has a whole timeout of its own").isFalse();
            f.advance(1);
            assertThat(f.outcomes("chunk")).isEqualTo(1);
            assertThat(f.result("chunk")).isEqualTo(List.of("vchunk[0]", "vchunk[1]", "!TIMED_OUT chunk[2]",
                    "vchunk[3]"));
        }
    }

    @Test
    void anItemsOwnExceptionIsItsOutcomeAndItemsAreRetriedAsTheChunkWouldBe() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            AtomicInteger item1Runs = new AtomicInteger();
            f.transport.autoStart = true;
            f.transport.answerOf = payload -> switch (FakeTransport.taskIdOf(payload)) {
                case "c" -> FakeTransport.DIES;
                case "c[0]" -> new IllegalStateException("bad input");
                case "c[1]" -> item1Runs.incrementAndGet() == 1 ? FakeTransport.DIES : "second time lucky";
                default -> "ok";
            };
            f.submit(f.submission("c", 0, 0).retries(1, null).splitter(items("c", 3, new AtomicInteger())));
            f.advance(10);
            assertThat(f.result("c")).isEqualTo(List.of("!FAILED c[0]", "second time lucky", "ok"));
            assertThat(f.events).contains("retried c[1] attempt 2 after WORKER_DIED");
            assertThat(f.events("retried c attempt")).as("the chunk is split, not retried").isEmpty();
        }
    }

    @Test
    void aChunkThatThrowsIsNotSplitAndASingleItemIsNeverSplit() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            AtomicInteger splits = new AtomicInteger();
            f.transport.autoStart = true;
            f.transport.answerOf = payload -> FakeTransport.taskIdOf(payload).equals("throws")
                    ? new IllegalStateException("no") : FakeTransport.DIES;
            f.submit(f.submission("throws", 0, 0).splitter(items("throws", 4, splits)));
            f.submit(f.submission("one", 0, 0).splitter(items("one", 1, splits)));
            f.advance(10);
            assertThat(f.failure("throws")).isInstanceOf(TaskExecutionException.class);
            assertThat(f.failure("one")).isInstanceOf(WorkerDiedException.class);
            assertThat(splits).as("asked for the items of the one-item chunk only").hasValue(1);
        }
    }

    @Test
    void cancellingASplitChunkEndsItOnceAndCancelsItsItems() {
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(1).maxSize(1).build()).start()) {
            Submission s = f.submit(f.submission("c", 0, 0).splitter(items("c", 5, new AtomicInteger())));
            f.worker(1).start();
            f.run();
            f.worker(1).exit(128 + 9);
            f.run();
            f.worker(2).start(); // item 0 runs
            f.run();
            assertThat(f.engine.cancel(s, "test")).isTrue();
            f.advance(1000);
            assertThat(f.outcomes("c")).isEqualTo(1);
            assertThat(f.failure("c")).isInstanceOf(TaskCancelledException.class);
            assertThat(f.worker(2).killed).as("the running item's worker").isTrue();
            assertThat(f.engine.numPending()).isZero();
        }
    }
}
