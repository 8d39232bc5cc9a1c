package dev.processpool.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Keeps the README's first command honest: QuickStart must behave as its report says. */
class QuickStartTest {

    @Test
    void countsAllPrimesAndReportsTheTimeoutAndTheCrashThroughTheExceptionCallback() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        boolean ok = QuickStart.run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String report = bytes.toString(StandardCharsets.UTF_8);

        assertThat(ok).as(report).isTrue();
        assertThat(report)
                .contains("283,146 from 16/16 tasks")
                .containsPattern("sleeper +FAILED +TaskTimeoutException")
                .containsPattern("crasher +FAILED +WorkerDiedException: .*exit code 1")
                .endsWith("the failures did not affect the others" + System.lineSeparator());
    }

    @Test
    void countsPrimesCorrectly() {
        assertThat(QuickStart.countPrimes(0, 100)).isEqualTo(25);
        assertThat(QuickStart.countPrimes(90, 100)).isEqualTo(1);
        assertThat(QuickStart.countPrimes(0, 2)).isZero();
        assertThat(QuickStart.countPrimes(0, 1_000_000)).isEqualTo(78_498);
    }
}
