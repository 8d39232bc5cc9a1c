package dev.processpool.transport;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The boot gate's policy, with the times passed in; no processes. */
class BootGateTest {

    private static final long MS = 1_000_000L;

    @Test
    void aLaunchBootsAtOnceWhenNoWorkerWasEverKilledOrTheRuleIsOff() {
        assertThat(BootGate.quietWaitNanos(1_000 * MS, null, 1_000 * MS, 30 * MS, 1_000 * MS)).isZero();
        assertThat(BootGate.quietWaitNanos(1_000 * MS, 999 * MS, 1_000 * MS, 0, 1_000 * MS)).isZero();
    }

    @Test
    void aLaunchWaitsUntilTheKillsHaveBeenQuietForTheQuietTime() {
        // killed 10 ms ago, 30 ms of quiet wanted: 20 ms more
        assertThat(BootGate.quietWaitNanos(100 * MS, 90 * MS, 95 * MS, 30 * MS, 1_000 * MS)).isEqualTo(20 * MS);
        // quiet for long enough
        assertThat(BootGate.quietWaitNanos(100 * MS, 60 * MS, 95 * MS, 30 * MS, 1_000 * MS)).isZero();
        // a kill later than the launch's own start counts as well (the storm goes on)
        assertThat(BootGate.quietWaitNanos(100 * MS, 99 * MS, 50 * MS, 30 * MS, 1_000 * MS)).isEqualTo(29 * MS);
    }

    @Test
    void anEndlessRunOfKillsDelaysALaunchByNoMoreThanTheMaximumWait() {
        // began waiting 990 ms ago, a kill every moment: 10 ms more at most, then it boots
        assertThat(BootGate.quietWaitNanos(1_990 * MS, 1_989 * MS, 1_000 * MS, 30 * MS, 1_000 * MS)).isEqualTo(10 * MS);
        assertThat(BootGate.quietWaitNanos(2_000 * MS, 1_999 * MS, 1_000 * MS, 30 * MS, 1_000 * MS)).isZero();
        assertThat(BootGate.quietWaitNanos(5_000 * MS, 4_999 * MS, 1_000 * MS, 30 * MS, 1_000 * MS)).isZero();
    }

    @Test
    void aBootThatHoldsItsSlotForeverDoesNotStopTheNextLaunch() throws Exception {
        BootGate gate = new BootGate(1, 50, 30 * MS, 1_000 * MS);
        assertThat(gate.enter()).as("the first launch takes the only slot").isTrue();
        // the first boot never ends; the next launch waits for the slot, then boots without one
        assertThat(CompletableFuture.supplyAsync(() -> {
            try {
                return gate.enter();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }).get(30, TimeUnit.SECONDS)).isFalse();
        gate.leave(true);
        assertThat(gate.enter()).as("the slot is free again").isTrue();
    }

    @Test
    void aKillMakesTheNextLaunchWaitAndTheWaitEnds() throws Exception {
        BootGate gate = new BootGate(2, 50, 30 * MS, 1_000 * MS);
        gate.killed();
        long t0 = System.nanoTime();
        assertThat(gate.enter()).isTrue();
        assertThat(System.nanoTime() - t0).as("waited for the kills to settle").isGreaterThanOrEqualTo(25 * MS);
    }
}
