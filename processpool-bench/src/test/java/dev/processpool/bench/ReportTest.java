package dev.processpool.bench;

import org.junit.jupiter.api.Test;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The bench's own plumbing: statistics, JSON, the table and the chart. No timings are asserted. */
class ReportTest {

    @Test
    void statsTakeMedianMinAndMax() {
        Stats s = new Stats(new double[] {5, 1, 3, 4});
        assertThat(s.median()).isEqualTo(3.5);
        assertThat(s.min()).isEqualTo(1);
        assertThat(s.max()).isEqualTo(5);
        assertThat(Stats.percentile(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99)).isEqualTo(10);
    }

    @Test
    @SuppressWarnings("unchecked")
    void jsonRoundTrips() {
        String text = "{\"a\": [1, 2.5, -3e2], \"b\": {\"c\": \"x\\\"y\\u00e9\", \"d\": null, \"e\": true}, \"f\": NaN}";
        Map<String, Object> m = (Map<String, Object>) Json.parse(text);
        assertThat((List<Object>) m.get("a")).containsExactly(1.0, 2.5, -300.0);
        assertThat(((Map<String, Object>) m.get("b")).get("c")).isEqualTo("x\"yé");
        Map<String, Object> again = (Map<String, Object>) Json.parse(Json.write(m));
        assertThat(again.get("a")).isEqualTo(m.get("a"));
        assertThat(again.get("b")).isEqualTo(m.get("b"));
        assertThat(again.get("f")).isNull();  // NaN is written as null
    }

    @Test
    void ratiosTargetsTableAndChart() throws Exception {
        Row lower = new Row("w1", "warm round trip", "median", "µs", false)
                .pp(new Stats(new double[] {10, 12, 11}))
                .peer(Row.PPE, new Stats(new double[] {44}), null)
                .peer(Row.MP, new Stats(new double[] {22, 24}), "fork")
                .target("≤ 20 µs; ≤ ½ mp.Pool", r -> Row.and(Row.le(r.ppMedian(), 20), Row.le(r.ratioTo(Row.MP), 0.5)))
                .note("a note");
        Row missing = new Row("w3", "batched", "inputs/s", "inputs/s", true)
                .target("≥ mp.Pool", r -> Row.ge(r.ratioTo(Row.MP), 1.0));
        missing.ppNote = "no map API";
        Row baseline = new Row("w5", "payload", "MiB/s one way", "MiB/s", true)
                .pp(new Stats(new double[] {100})).baseline("C pipe", new Stats(new double[] {400}))
                .target("≥ 0.9× C pipe", r -> Row.ge(r.ratioTo("C pipe"), 0.9));

        assertThat(lower.ratioTo(Row.PPE)).isCloseTo(0.25, within(1e-9));
        assertThat(lower.met()).isTrue();
        assertThat(missing.met()).isNull();
        assertThat(baseline.met()).isFalse();

        Report report = new Report(List.of("title", "machine", "java"), List.of(lower, missing, baseline));
        String text = report.text();
        assertThat(text).contains("| w1 warm round trip [1]", "11.0 [10.0–12.0]", "23.0 [22.0–24.0] fork",
                "PPE 0.25, mp 0.48", "yes", "n/a [2]", "C pipe 0.25", "NO", "[1] a note", "[2] no map API");

        String svg = report.svg("title");
        DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));  // well-formed XML
        assertThat(svg).contains("w1 — warm round trip", "processpool", "mp.Pool (fork)", "✗ missed", "✓ met");

        Map<String, Object> json = report.json(Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
        assertThat(Json.parse(Json.write(json))).isInstanceOf(Map.class);
    }

    @Test
    void optionsParse() {
        Bench.Options o = Bench.Options.parse(new String[] {"--quick", "--only", "w1,3", "--out", "x"});
        assertThat(o.reps).isEqualTo(2);
        assertThat(o.scalingReps).isEqualTo(1);
        assertThat(o.only).containsExactly("w1", "w3");
        o = Bench.Options.parse(new String[] {"--reps", "7"});
        assertThat(o.reps).isEqualTo(7);
        assertThat(o.scalingReps).isEqualTo(7);
        assertThat(o.only).containsExactlyElementsOf(Bench.ALL).hasSize(10).doesNotContain("w9");
    }

    @Test
    void stormWorkersOption() {
        assertThat(Bench.Options.parse(new String[] {"--storm-workers", "16"}).stormWorkers).isEqualTo(16);
        assertThat(Bench.Options.parse(new String[0]).stormWorkers).as("unset: w9's default").isZero();
        assertThatThrownBy(() -> Bench.Options.parse(new String[] {"--storm-workers", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--storm-workers");
    }
}
