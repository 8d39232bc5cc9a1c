package dev.processpool.hazelcast;

import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client pool's rules, without Hazelcast: one outcome per task whatever arrives and in whatever order,
 * attempts only move forward and never past the limit, permits are given back exactly once.
 */
class TaskLedgerTest {

    private static WorkerDiedException died(String why) {
        return new WorkerDiedException("t", -1, -1, List.of(why));
    }

    private static TaskLedger.Entry entry(long seq, int maxAttempts) {
        return new TaskLedger.Entry(seq, "handle-" + seq,
                new Wire.Task("job", seq, 1, maxAttempts, "t" + seq, 0, 0, new byte[0]), true);
    }

    @Test
    void aLateResultFromAMemberPresumedDeadIsDropped() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(1, 3));
        assertThat(ledger.claimed(1, 1, "m1", "a:1")).as("first claim gives the permit back").isTrue();
        String why = "member a:1 left the cluster while holding it";
        TaskLedger.Retry r = ledger.retry(1, 1, why, died(why), null);
        assertThat(r.exhausted()).isFalse();
        assertThat(r.next().attempt).isEqualTo(2);
        assertThat(ledger.claimed(1, 2, "m2", "b:1")).as("the permit went back at the first claim").isFalse();

        assertThat(ledger.accept(1, 1, "a:1")).as("attempt 1's late result").isNull();
        TaskLedger.Finished f = ledger.accept(1, 2, "b:1");
        assertThat(f).isNotNull();
        assertThat(f.entry().lastMember).isEqualTo("b:1");
        assertThat(f.entry().lostAttempts).containsExactly("attempt 1 of 3: member a:1 left the cluster while holding it");
        assertThat(ledger.accept(1, 2, "b:1")).as("a duplicate of the accepted result").isNull();
        assertThat(ledger.size()).isZero();
    }

    @Test
    void theAttemptAfterTheLastFinishesTheTask() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(7, 2));
        ledger.claimed(7, 1, "m1", "a:1");
        assertThat(ledger.retry(7, 1, "gone", died("gone"), null).exhausted()).isFalse();
        ledger.claimed(7, 2, "m2", "b:1");
        TaskLedger.Retry last = ledger.retry(7, 2, "gone too", died("gone too"), null);
        assertThat(last.exhausted()).isTrue();
        assertThat(last.entry().lostAttempts).hasSize(2);
        assertThat(ledger.retry(7, 2, "again", died("again"), null)).as("finished: nothing moves").isNull();
        assertThat(ledger.accept(7, 2, "b:1")).isNull();
    }

    @Test
    void aFailedAttemptIsKeptForTheOutcomeAndTheLastOneQuarantinesTheTask() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(4, 3));
        ledger.claimed(4, 1, "m1", "a:1");
        TaskTimeoutException timedOut = new TaskTimeoutException("t4", 11, java.time.Duration.ofMillis(300));
        TaskLedger.Retry first = ledger.retry(4, 1, "on member a:1: timed out", timedOut, "a:1");
        assertThat(first.exhausted()).isFalse();
        assertThat(first.entry().lastMember).isEqualTo("a:1");
        ledger.claimed(4, 2, "m2", "b:1");
        WorkerDiedException memberGone = died("member b:1 left the cluster while holding it");
        assertThat(ledger.retry(4, 2, "member b:1 left", memberGone, null).exhausted()).isFalse();
        assertThat(ledger.get(4).lastMember).as("the departed member held it last").isEqualTo("b:1");
        WorkerDiedException crashed = died("exit code 3");
        TaskLedger.Retry last = ledger.retry(4, 3, "on member a:1: exit code 3", crashed, "a:1");
        assertThat(last.exhausted()).isTrue();
        assertThat(last.entry().earlierFailures).as("the last failure is the outcome itself")
                .containsExactly(timedOut, memberGone);
        assertThat(last.entry().quarantined).isTrue();
        assertThat(last.entry().lostAttempts).hasSize(3);
        assertThat(ledger.size()).isZero();

        ledger.add(entry(5, 1));
        TaskLedger.Retry only = ledger.retry(5, 1, "gone", died("gone"), null);
        assertThat(only.exhausted()).isTrue();
        assertThat(only.entry().quarantined).as("no retries allowed: failed, not quarantined").isFalse();
        assertThat(only.entry().earlierFailures).isEmpty();
    }

    @Test
    void aRetryFromAnAttemptTheTaskHasLeftChangesNothing() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(3, 5));
        assertThat(ledger.retry(3, 1, "x", died("x"), null)).isNotNull();
        assertThat(ledger.retry(3, 1, "x, seen twice", died("x, seen twice"), null)).isNull();
        assertThat(ledger.get(3).attempt()).isEqualTo(2);
    }

    @Test
    void suspectsAreTasksOfDepartedMembersAndOptionallyUnclaimedOnes() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(1, 3));
        ledger.add(entry(2, 3));
        ledger.add(entry(3, 3));
        ledger.claimed(1, 1, "m1", "a:1");
        ledger.claimed(2, 1, "m2", "b:1");
        assertThat(ledger.suspects(Set.of("m2"), false)).extracting(TaskLedger.Suspect::seq).containsExactly(1L);
        assertThat(ledger.suspects(Set.of("m2"), true)).extracting(TaskLedger.Suspect::seq)
                .containsExactlyInAnyOrder(1L, 3L);
        assertThat(ledger.hold(3)).isTrue();
        assertThat(ledger.suspects(Set.of("m2"), true)).as("held back: not in the cluster")
                .extracting(TaskLedger.Suspect::seq).containsExactly(1L);
        assertThat(ledger.waiting()).isEqualTo(1);
        assertThat(ledger.running()).isEqualTo(2);
    }

    /**
     * Random interleavings of claims, results (current, late, duplicated, for unknown tasks), member deaths,
     * cancellations: every task ends exactly once, with an attempt within its limit; permits return once.
     */
    @RepeatedTest(200)
    void anyInterleavingGivesEachTaskOneOutcome(RepetitionInfo info) {
        Random random = new Random(info.getCurrentRepetition() * 7919L);
        TaskLedger ledger = new TaskLedger();
        int tasks = 1 + random.nextInt(20);
        int maxAttempts = 1 + random.nextInt(3);
        for (long s = 1; s <= tasks; s++) {
            ledger.add(entry(s, maxAttempts));
        }
        Map<Long, Integer> outcomes = new HashMap<>();
        Map<Long, Integer> permits = new HashMap<>();
        List<String> members = List.of("m1", "m2", "m3");
        for (int step = 0; step < 400; step++) {
            long seq = 1 + random.nextInt(tasks + 2); // sometimes a task the ledger never had
            int attempt = 1 + random.nextInt(maxAttempts + 1);
            switch (random.nextInt(5)) {
                case 0 -> {
                    String m = members.get(random.nextInt(3));
                    if (ledger.claimed(seq, attempt, m, m + ":1")) {
                        permits.merge(seq, 1, Integer::sum);
                    }
                }
                case 1 -> {
                    TaskLedger.Finished f = ledger.accept(seq, attempt, "x");
                    if (f != null) {
                        assertThat(attempt).isLessThanOrEqualTo(maxAttempts);
                        outcomes.merge(seq, 1, Integer::sum);
                        if (f.releasePermit()) {
                            permits.merge(seq, 1, Integer::sum);
                        }
                    }
                }
                case 2 -> {
                    TaskLedger.Retry r = ledger.retry(seq, attempt, "member left", died("member left"), null);
                    if (r != null) {
                        if (r.exhausted()) {
                            outcomes.merge(seq, 1, Integer::sum);
                            if (r.releasePermit()) {
                                permits.merge(seq, 1, Integer::sum);
                            }
                        } else {
                            assertThat(r.next().attempt).isEqualTo(attempt + 1).isLessThanOrEqualTo(maxAttempts);
                        }
                    }
                }
                case 3 -> {
                    TaskLedger.Finished f = ledger.finish(seq);
                    if (f != null) {
                        outcomes.merge(seq, 1, Integer::sum);
                        if (f.releasePermit()) {
                            permits.merge(seq, 1, Integer::sum);
                        }
                    }
                }
                default -> ledger.suspects(Set.of(members.get(random.nextInt(3))), random.nextBoolean());
            }
        }
        for (TaskLedger.Entry e : ledger.openEntries()) {
            TaskLedger.Finished f = ledger.finish(e.seq);
            outcomes.merge(e.seq, 1, Integer::sum);
            if (f.releasePermit()) {
                permits.merge(e.seq, 1, Integer::sum);
            }
        }
        for (long s = 1; s <= tasks; s++) {
            assertThat(outcomes.get(s)).as("outcomes of task " + s).isEqualTo(1);
            assertThat(permits.get(s)).as("permits given back by task " + s).isEqualTo(1);
        }
        assertThat(outcomes).doesNotContainKeys((long) tasks + 1, (long) tasks + 2);
        assertThat(ledger.size()).isZero();
    }

    @Test
    void heldTasksAreReleasedInOrder() {
        TaskLedger ledger = new TaskLedger();
        for (long s = 5; s >= 1; s--) {
            ledger.add(entry(s, 1));
        }
        for (long s = 1; s <= 5; s++) {
            ledger.hold(s);
        }
        ledger.unhold(3);
        List<Long> released = new ArrayList<>();
        ledger.release().forEach(e -> released.add(e.seq));
        assertThat(released).containsExactly(1L, 2L, 4L, 5L);
    }
}
