package dev.processpool.hazelcast;

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

    private static TaskLedger.Entry entry(long seq, int maxAttempts) {
        return new TaskLedger.Entry(seq, "handle-" + seq,
                new Wire.Task("job", seq, 1, maxAttempts, "t" + seq, 0, 0, new byte[0]), true);
    }

    @Test
    void aLateResultFromAMemberPresumedDeadIsDropped() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(1, 3));
        assertThat(ledger.claimed(1, 1, "m1", "a:1")).as("first claim gives the permit back").isTrue();
        TaskLedger.Retry r = ledger.retry(1, 1, "member a:1 left the cluster while holding it");
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
        assertThat(ledger.retry(7, 1, "gone").exhausted()).isFalse();
        ledger.claimed(7, 2, "m2", "b:1");
        TaskLedger.Retry last = ledger.retry(7, 2, "gone too");
        assertThat(last.exhausted()).isTrue();
        assertThat(last.entry().lostAttempts).hasSize(2);
        assertThat(ledger.retry(7, 2, "again")).as("finished: nothing moves").isNull();
        assertThat(ledger.accept(7, 2, "b:1")).isNull();
    }

    @Test
    void aRetryFromAnAttemptTheTaskHasLeftChangesNothing() {
        TaskLedger ledger = new TaskLedger();
        ledger.add(entry(3, 5));
        assertThat(ledger.retry(3, 1, "x")).isNotNull();
        assertThat(ledger.retry(3, 1, "x, seen twice")).isNull();
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
                    TaskLedger.Retry r = ledger.retry(seq, attempt, "member left");
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
