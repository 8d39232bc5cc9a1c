package dev.processpool.internal;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the parent's per-worker protocol state machine ({@link WorkerProtocol}, issue 9 item 5),
 * against random orders of events:
 * <ul>
 *   <li>an honest worker, with the pool sending, withdrawing (CANCEL) and reclaiming at random moments and
 *       the worker seeing each CANCEL before or after it started the task, is never taken for a liar;</li>
 *   <li>whatever a hostile worker sends, an answer is accepted only for the task it last reported STARTED
 *       and not yet answered; a STARTED only for a task it was sent and still holds, in the order sent
 *       (skipping only withdrawn ones), after it answered the one before; a RECLAIMED only when asked, for
 *       tasks it holds unstarted.</li>
 * </ul>
 */
class WorkerProtocolPropertyTest {

    /** An honest worker and the pool around it, driven by a script of choices. */
    @Property(tries = 500)
    void anHonestWorkerIsNeverTakenForALiar(@ForAll @Size(max = 200) List<@IntRange(min = 0, max = 9) Integer> script) {
        WorkerProtocol p = new WorkerProtocol();
        ArrayDeque<Long> workerQueue = new ArrayDeque<>(); // what the worker received and has not started
        Set<Long> cancelSent = new HashSet<>();
        List<Long> inFlightToWorker = new ArrayList<>(); // CANCELs not yet seen by the worker
        long running = -1;
        boolean reclaimInFlight = false;
        long next = 1;
        long now = 0;
        for (int choice : script) {
            now += 1000;
            switch (choice) {
                case 0, 1 -> { // the pool sends a task
                    long wire = (7L << 32) | next++;
                    p.sent(wire, now);
                    workerQueue.addLast(wire);
                }
                case 2 -> { // the pool withdraws a held task (it believes the worker has not started it)
                    if (!workerQueue.isEmpty()) {
                        long wire = workerQueue.peekLast();
                        if (cancelSent.add(wire)) {
                            p.withdrew(wire);
                            inFlightToWorker.add(wire);
                        }
                    }
                }
                case 3 -> { // the worker sees the CANCELs sent so far
                    workerQueue.removeAll(inFlightToWorker);
                    inFlightToWorker.clear();
                }
                case 4, 5 -> { // the worker starts its next task
                    if (running < 0 && !workerQueue.isEmpty()) {
                        running = workerQueue.pollFirst();
                        assertThat(p.started(running)).isNull();
                    }
                }
                case 6, 7 -> { // the worker answers its running task
                    if (running >= 0) {
                        assertThat(p.answering("RESULT", running)).isNull();
                        p.answered(now);
                        running = -1;
                    }
                }
                case 8 -> { // the pool asks for its unstarted tasks back
                    if (!reclaimInFlight) {
                        p.reclaimRequested();
                        reclaimInFlight = true;
                    }
                }
                default -> { // the worker answers the RECLAIM with everything it holds unstarted
                    if (reclaimInFlight) {
                        long[] back = workerQueue.stream().mapToLong(Long::longValue).toArray();
                        workerQueue.clear();
                        assertThat(p.gaveBack(back)).isNull();
                        reclaimInFlight = false;
                    }
                }
            }
            assertThat(p.running()).isEqualTo(running >= 0);
            if (running < 0 && !workerQueue.stream().allMatch(cancelSent::contains)) {
                assertThat(p.overdueNanos(now)).as("it holds a task it could start").isGreaterThanOrEqualTo(0);
            }
            if (running >= 0) {
                assertThat(p.overdueNanos(now)).isEqualTo(-1);
            }
        }
    }

    /** A hostile worker sends any frame; what the parent accepts must still be what an honest worker could. */
    @Property(tries = 1000)
    void whateverAWorkerSendsOnlyAnswersToItsStartedTaskAreAccepted(
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 7) Integer> kinds,
            @ForAll @Size(max = 200) List<@IntRange(min = 0, max = 12) Integer> targets) {
        WorkerProtocol p = new WorkerProtocol();
        List<Long> sent = new ArrayList<>();
        ArrayDeque<Long> holds = new ArrayDeque<>(); // sent, not started, not given back
        Set<Long> withdrawn = new HashSet<>();
        Set<Long> everStarted = new HashSet<>();
        long lastStarted = -1;
        boolean answered = true;
        int reclaimsOwed = 0;
        long now = 0;
        for (int i = 0; i < kinds.size(); i++) {
            now += 1000;
            int t = i < targets.size() ? targets.get(i) : 0;
            long wire = (3L << 32) | (t + 1);
            switch (kinds.get(i)) {
                case 0 -> { // the pool sends a task (each number once)
                    long w = (3L << 32) | (sent.size() + 1);
                    if (sent.size() < 13) {
                        sent.add(w);
                        holds.addLast(w);
                        p.sent(w, now);
                    }
                }
                case 1 -> { // the pool withdraws one
                    if (holds.contains(wire)) {
                        withdrawn.add(wire);
                        p.withdrew(wire);
                    }
                }
                case 2 -> {
                    p.reclaimRequested();
                    reclaimsOwed++;
                }
                case 3, 4 -> { // STARTED for any number
                    boolean accepted = p.started(wire) == null;
                    if (accepted) {
                        assertThat(answered).as("started before answering the last").isTrue();
                        assertThat(holds).as("started a task it does not hold").contains(wire);
                        assertThat(everStarted.add(wire)).as("started twice").isTrue();
                        // every task sent before it and still held was withdrawn
                        for (long h : holds) {
                            if (h == wire) {
                                break;
                            }
                            assertThat(withdrawn).as("skipped %s", h).contains(h);
                        }
                        while (holds.peekFirst() != wire) {
                            holds.pollFirst();
                        }
                        holds.pollFirst();
                        lastStarted = wire;
                        answered = false;
                    }
                }
                case 5, 6 -> { // RESULT or ERROR for any number
                    boolean accepted = p.answering("RESULT", wire) == null;
                    if (accepted) {
                        assertThat(wire).as("answer for a task it is not running").isEqualTo(lastStarted);
                        assertThat(answered).as("answered twice").isFalse();
                        answered = true;
                        p.answered(now);
                    }
                }
                default -> { // RECLAIMED with some numbers
                    long[] back = t % 3 == 0 ? new long[0] : new long[] {wire};
                    boolean accepted = p.gaveBack(back) == null;
                    if (accepted) {
                        assertThat(reclaimsOwed).as("gave back unasked").isPositive();
                        reclaimsOwed--;
                        for (long b : back) {
                            assertThat(holds).as("gave back a task it does not hold unstarted").contains(b);
                            holds.remove(b);
                        }
                    }
                }
            }
        }
    }
}
