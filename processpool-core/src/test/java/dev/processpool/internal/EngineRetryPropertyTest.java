package dev.processpool.internal;

import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For any pool size, retry bound and sequence of what each attempt does (its worker dies, it hangs until its
 * timeout kills it, it throws, it succeeds), with cancellations at any step: every task ends exactly once,
 * after at most retries + 1 attempts, and its outcome is the one its script says.
 */
class EngineRetryPropertyTest {

    enum Act { OK, DIES, HANGS, THROWS }

    private static final long TIMEOUT_MILLIS = 100;

    @Property(tries = 200)
    void everyTaskEndsExactlyOnceWithinItsAttempts(
            @ForAll @IntRange(min = 1, max = 3) int workers,
            @ForAll @IntRange(min = 0, max = 3) int retries,
            @ForAll("scripts") @Size(min = 1, max = 6) List<List<Act>> scripts,
            @ForAll @IntRange(min = -1, max = 20) int cancelAtStep) {
        Map<String, List<Act>> byTask = new HashMap<>();
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        try (FakeEngine f = new FakeEngine(FakeEngine.config().minSize(workers).maxSize(workers).build()).start()) {
            f.transport.autoStart = true;
            f.transport.answerOf = payload -> {
                String id = FakeTransport.taskIdOf(payload);
                int attempt = runs.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                assertThat(payload.attempt()).as("the attempt the worker is told of %s", id).isEqualTo(attempt);
                List<Act> script = byTask.get(id);
                return switch (script.get(Math.min(attempt, script.size()) - 1)) {
                    case OK -> "r" + attempt;
                    case DIES -> FakeTransport.DIES;
                    case HANGS -> FakeTransport.RUNS_ON;
                    case THROWS -> new IllegalStateException("attempt " + attempt);
                };
            };
            Map<String, Submission> subs = new HashMap<>();
            for (int i = 0; i < scripts.size(); i++) {
                String id = "t" + i;
                byTask.put(id, scripts.get(i));
                subs.put(id, f.submit(f.submission(id, TIMEOUT_MILLIS, 0).retries(retries, null)));
            }
            String cancelled = null;
            for (int step = 0; step < 200 && !subs.keySet().stream().allMatch(f::ended); step++) {
                if (step == cancelAtStep) {
                    cancelled = "t" + (step % scripts.size());
                    f.engine.cancel(subs.get(cancelled), "by the property");
                }
                f.advance(TIMEOUT_MILLIS / 2);
            }
            for (Map.Entry<String, Submission> e : subs.entrySet()) {
                String id = e.getKey();
                Submission s = e.getValue();
                assertThat(f.outcomes(id)).as("outcomes of %s", id).isEqualTo(1);
                assertThat(s.attempts()).as("attempts of %s", id).isBetween(1, retries + 1);
                List<Act> script = byTask.get(id);
                int ran = runs.getOrDefault(id, new AtomicInteger()).get();
                assertThat(ran).as("runs of %s", id).isLessThanOrEqualTo(retries + 1);
                if (f.ended(id) && isCancelled(f, id)) {
                    assertThat(id).isEqualTo(cancelled);
                    continue;
                }
                Act last = script.get(Math.min(s.attempts(), script.size()) - 1);
                for (int a = 1; a < s.attempts(); a++) {
                    Act earlier = script.get(Math.min(a, script.size()) - 1);
                    assertThat(earlier).as("%s attempt %d was retried", id, a).isIn(Act.DIES, Act.HANGS);
                }
                assertThat(s.earlierFailures()).hasSize(s.attempts() - 1);
                switch (last) {
                    case OK -> assertThat(f.result(id)).isEqualTo("r" + s.attempts());
                    case THROWS -> assertThat(f.failure(id)).isInstanceOf(TaskExecutionException.class);
                    default -> {
                        assertThat(s.attempts()).as("%s used up its attempts", id).isEqualTo(retries + 1);
                        assertThat(s.quarantined()).isEqualTo(retries > 0);
                    }
                }
            }
        }
    }

    private static boolean isCancelled(FakeEngine f, String id) {
        try {
            TaskException e = f.failure(id);
            return e instanceof TaskCancelledException;
        } catch (AssertionError succeeded) {
            return false;
        }
    }

    @Provide
    Arbitrary<List<List<Act>>> scripts() {
        return Arbitraries.of(Act.class).list().ofMinSize(1).ofMaxSize(5).list();
    }
}
