package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.processpool.cli.CliProcess.assertOneOutputPerInput;
import static org.assertj.core.api.Assertions.assertThat;

/** Workers that can never start: the run stops promptly, every line says why, and stderr has one message. */
class CliStartFailureIT extends CliTestBase {

    @Test
    void workersThatCanNeverStartEndTheRunPromptlyWithOneClearMessage() throws Exception {
        List<String> in = new ArrayList<>();
        for (int i = 1; i <= 3000; i++) {
            in.add("[" + i + "]");
        }
        long t0 = System.nanoTime();
        CliProcess p = CliProcess.start(dir, input("in.jsonl", in), "run", "--task", task("CountPrimes::isPrime"),
                "--input", "-", "--jvm-opt=-Xfoo");
        try {
            assertThat(p.awaitExit(Duration.ofSeconds(30))).as(p.stderrText()).isEqualTo(2);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).isLessThan(Duration.ofSeconds(30));
            p.assertNoWorkerAlive();

            List<JsonNode> lines = p.outputLines();
            assertOneOutputPerInput(in, lines);
            assertThat(lines).allSatisfy(n -> {
                assertThat(n.get("status").asText()).isEqualTo("error");
                assertThat(n.get("error").get("type").asText()).isEqualTo("dev.processpool.WorkerStartException");
                assertThat(n.get("error").get("message").asText()).contains("Unrecognized option: -Xfoo");
                assertThat(n.get("workerPid").isNull()).isTrue();
            });
            String err = p.stderrText();
            assertThat(err.lines().filter(l -> l.contains("no worker could be started")).count())
                    .as("one message:\n" + err).isEqualTo(1);
            assertThat(err).contains("-Xfoo", "--jvm-opt").doesNotContain("WARN", "[worker starting");
            assertThat(err).contains("error 3000");
        } finally {
            p.close();
        }
    }
}
