package dev.processpool.transport;

import org.junit.jupiter.api.Test;

import static dev.processpool.transport.PipeDrainer.FAST_NANOS;
import static dev.processpool.transport.PipeDrainer.IDLE_NANOS;
import static dev.processpool.transport.PipeDrainer.QUIET_NANOS;
import static dev.processpool.transport.PipeDrainer.SLOW_NANOS;
import static dev.processpool.transport.PipeDrainer.schedule;
import static org.assertj.core.api.Assertions.assertThat;

/** When a pipe is looked at next, with the time passed in (nanoseconds). */
class PipeDrainerScheduleTest {

    private static final long MS = 1_000_000L;

    @Test
    void aPipeWithOutputIsLookedAtAgainSoon() {
        assertThat(schedule(1_000 * MS, SLOW_NANOS, true, 1_000 * MS)).containsExactly(1_000 * MS + FAST_NANOS, FAST_NANOS);
    }

    @Test
    void aSilentPipeBacksOffByDoublingUpToTheSharedGridOfTheSlowInterval() {
        assertThat(schedule(1_000 * MS, FAST_NANOS, false, 1_000 * MS)).containsExactly(1_004 * MS, 4 * MS);
        long[] slow = schedule(1_030 * MS, 128 * MS, false, 1_000 * MS);
        assertThat(slow).containsExactly(1_200 * MS, SLOW_NANOS);
        assertThat(schedule(1_399 * MS, SLOW_NANOS, false, 1_000 * MS)).containsExactly(1_400 * MS, SLOW_NANOS);
    }

    @Test
    void aPipeSilentAndWithoutATaskForTwoSecondsIsLookedAtOnTheGridOfTheIdleInterval() {
        long active = 10_000 * MS;
        assertThat(QUIET_NANOS).isEqualTo(2_000 * MS);
        assertThat(schedule(11_999 * MS, SLOW_NANOS, false, active)).containsExactly(12_000 * MS, SLOW_NANOS);
        assertThat(schedule(12_300 * MS, SLOW_NANOS, false, active)).containsExactly(13_000 * MS, IDLE_NANOS);
        assertThat(schedule(20_500 * MS, IDLE_NANOS, false, active)).containsExactly(21_000 * MS, IDLE_NANOS);
    }

    @Test
    void anIdlePipeThatGetsOutputIsLookedAtSoonAgain() {
        assertThat(schedule(20_000 * MS, IDLE_NANOS, true, 20_000 * MS)).containsExactly(20_000 * MS + FAST_NANOS, FAST_NANOS);
    }
}
