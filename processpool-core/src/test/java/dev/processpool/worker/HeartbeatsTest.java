package dev.processpool.worker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The heartbeat pace, with the wall clock passed in (milliseconds). */
class HeartbeatsTest {

    @Test
    void aWorkingWorkerBeatsOnTheGridOfItsInterval() {
        assertThat(Heartbeats.waitMillis(10_000, 1000, 5000, 0)).isEqualTo(1000);
        assertThat(Heartbeats.waitMillis(10_250, 1000, 5000, 0)).isEqualTo(750);
        assertThat(Heartbeats.waitMillis(10_999, 1000, 5000, 0)).isEqualTo(1);
    }

    @Test
    void aWorkerWaitingLessThanTwoSecondsStillBeatsAtTheBusyPace() {
        assertThat(Heartbeats.waitMillis(11_999, 1000, 5000, 10_000)).isEqualTo(1);
        assertThat(Heartbeats.waitMillis(11_300, 1000, 5000, 10_000)).isEqualTo(700);
    }

    @Test
    void aWorkerWaitingTwoSecondsOrMoreBeatsOnTheGridOfTheIdleInterval() {
        assertThat(Heartbeats.waitMillis(12_000, 1000, 5000, 10_000)).isEqualTo(3000);
        assertThat(Heartbeats.waitMillis(16_000, 1000, 5000, 10_000)).isEqualTo(4000);
        assertThat(Heartbeats.waitMillis(61_200, 200, 600, 1_000)).isEqualTo(600 - 61_200 % 600);
    }

    @Test
    void theIdleIntervalIsNeverShorterThanTheBusyOne() {
        Heartbeats h = new Heartbeats(null, 1000, 10);
        h.waiting();
        h.working(); // no thread yet: nothing to wake
        assertThat(Heartbeats.waitMillis(100_000, 1000, 1000, 1)).isEqualTo(1000);
    }
}
