package dev.processpool.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Tuning#idleHeartbeat}: how often an idle worker says it is alive. */
class IdleHeartbeatTest {

    private static Duration idle(long heartbeatMillis, long unresponsiveMillis, boolean memory) {
        return Tuning.idleHeartbeat(Duration.ofMillis(heartbeatMillis), Duration.ofMillis(unresponsiveMillis), memory);
    }

    @Test
    void fiveTimesTheIntervalButNoMoreThanAThirdOfTheUnresponsiveTimeout() {
        assertThat(idle(1000, 15_000, false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(idle(1000, 60_000, false)).isEqualTo(Duration.ofSeconds(5));
        assertThat(idle(1000, 9_000, false)).isEqualTo(Duration.ofSeconds(3));
        assertThat(idle(200, 1_500, false)).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void neverShorterThanTheIntervalItself() {
        assertThat(idle(1000, 2_000, false)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void withoutAnUnresponsiveTimeoutOnlyTheFactorBounds() {
        assertThat(idle(1000, 0, false)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void unchangedWhereMemoryIsMeasuredAtHeartbeatsOrThereAreNone() {
        assertThat(idle(1000, 15_000, true)).isEqualTo(Duration.ofSeconds(1));
        assertThat(idle(0, 15_000, false)).isEqualTo(Duration.ZERO);
    }
}
