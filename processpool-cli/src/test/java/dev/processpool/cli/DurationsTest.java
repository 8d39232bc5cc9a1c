package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {

    @Test
    void parsesTheDocumentedForms() {
        assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(Durations.parse("200ms")).isEqualTo(Duration.ofMillis(200));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse(" 3 S ")).isEqualTo(Duration.ofSeconds(3));
        assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("0")).isZero();
    }

    @Test
    void rejectsWhatIsNotADuration() {
        for (String bad : new String[] {"", "5", "1.5", "-1s", "5x", "s", "1.2.3s", "1e3ms"}) {
            assertThatThrownBy(() -> Durations.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a duration");
        }
        assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("a unit is required");
    }

    @Test
    void formatsShortly() {
        assertThat(Durations.format(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(Durations.format(Duration.ofMillis(1250))).isEqualTo("1.25 s");
        assertThat(Durations.format(Duration.ofSeconds(10))).isEqualTo("10 s");
        assertThat(Durations.format(Duration.ofSeconds(185))).isEqualTo("3m05s");
    }
}
