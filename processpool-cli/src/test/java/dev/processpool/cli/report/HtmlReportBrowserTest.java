package dev.processpool.cli.report;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.processpool.cli.report.SyntheticRun.allMatches;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads generated reports in headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it):
 * a 1,000-task run drawn bar by bar and an interrupted 100,000-task run drawn in bins. Chromium dumps the
 * DOM it built and takes a screenshot ({@code target/report-browser/report-N.png}); its log must hold no
 * console message at all (the page has no script, so any message is a refused request, a policy violation
 * or a parse problem), and the DOM's lanes, per-lane task counts, status counts and failure rows must be
 * the model's. The hostile task id must be text in the DOM, not an element. Without Chromium the test is
 * skipped, saying so, unless {@code PROCESSPOOL_REQUIRE_CHROMIUM=1} (set by {@code .ci/run}) makes that a failure.
 * ({@link Chromium} runs it and ends it by pid.)
 */
class HtmlReportBrowserTest {

    private static final Duration CHROMIUM_TIMEOUT = Duration.ofSeconds(120);
    private static final Path OUT = Paths.get("target", "report-browser");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} tasks")
    @ValueSource(ints = {1_000, 100_000})
    void chromiumRendersTheReportAsTheModelSaysWithoutConsoleMessages(int tasks) throws Exception {
        Optional<Path> chromium = Chromium.findUnlessRequired();
        if (chromium.isEmpty()) {
            System.out.println("SKIPPED HtmlReportBrowserTest: no Chromium found (install Debian's chromium, as "
                    + ".ci/run does, or set -Dprocesspool.chromium=/path/to/chromium)");
        }
        Assumptions.assumeTrue(chromium.isPresent(), "no Chromium found: install Debian's chromium (.ci/run does) "
                + "or set -Dprocesspool.chromium; the report's browser test did not run");

        SyntheticRun run = tasks >= 100_000 ? new SyntheticRun(tasks, 8, 500, 7) : new SyntheticRun(tasks, 8, 0, 12);
        Files.createDirectories(OUT);
        Path page = OUT.resolve("report-" + tasks + ".html").toAbsolutePath();
        Path screenshot = OUT.resolve("report-" + tasks + ".png").toAbsolutePath();
        Files.deleteIfExists(screenshot);
        ReportFile file = new ReportFile(page, run.report);
        file.writeFinal();

        long browserStart = System.nanoTime();
        Chromium.Result result = Chromium.load(chromium.get(), page, screenshot, tmp.resolve("profile"), CHROMIUM_TIMEOUT);
        long browserNanos = System.nanoTime() - browserStart;
        System.out.printf(Locale.ROOT, "report of %,d tasks: %,d bytes, rendered in %d ms; Chromium loaded, dumped "
                        + "and screenshot it in %d ms%n", tasks, Files.size(page),
                TimeUnit.NANOSECONDS.toMillis(file.lastRenderNanos()), TimeUnit.NANOSECONDS.toMillis(browserNanos));

        assertThat(result.exitCode()).as("Chromium's exit code; its log:\n%s", result.log()).isZero();
        assertThat(result.consoleMessages()).as("console messages").isEmpty();
        String dom = result.dom();
        assertThat(dom).as("the DOM Chromium built").contains("</html>");

        run.assertPageMatches(dom);
        if (tasks <= TaskStream.BAR_LIMIT) {
            assertThat(allMatches(dom, "<rect class=\"t s-")).hasSize(run.started);
        } else {
            assertThat(dom).contains("data-mode=\"binned\"");
            assertThat(allMatches(dom, "<rect class=\"fail s-error\"")).isNotEmpty();
            assertThat(dom).contains("data-ending=\"interrupted\"");
        }
        assertThat(allMatches(dom, "<tr>")).hasSizeGreaterThan(run.listedFailures);
        // the hostile id is text
        assertThat(dom).contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
        assertThat(dom).doesNotContain("<img", "<script");

        assertThat(screenshot).exists();
        byte[] png = Files.readAllBytes(screenshot);
        assertThat(png.length).isGreaterThan(10_000);
        assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }
}
