package dev.processpool.cli.report;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static dev.processpool.cli.report.SyntheticRun.allMatches;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Loads generated reports in headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it):
 * a 1,000-task run drawn bar by bar and an interrupted 100,000-task run drawn in bins. Chromium dumps the
 * DOM it built and takes a screenshot ({@code target/report-browser/report-N.png}); its log must hold no
 * console message at all (the page has no script, so any message is a refused request, a policy violation
 * or a parse problem), and the DOM's lanes, per-lane task counts, status counts and failure rows must be
 * the model's. The hostile task id must be text in the DOM, not an element. Without Chromium the test is
 * skipped, saying so.
 *
 * <p>Chromium is ended by pid: its processes are collected while it runs and any left when it exits, or
 * when it overruns its time, are killed.
 */
class HtmlReportBrowserTest {

    private static final Duration CHROMIUM_TIMEOUT = Duration.ofSeconds(120);
    private static final Path OUT = Paths.get("target", "report-browser");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} tasks")
    @ValueSource(ints = {1_000, 100_000})
    void chromiumRendersTheReportAsTheModelSaysWithoutConsoleMessages(int tasks) throws Exception {
        Optional<Path> chromium = chromium();
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

    /** Chromium from {@code -Dprocesspool.chromium}, {@code $CHROMIUM}, or the usual places. */
    static Optional<Path> chromium() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("processpool.chromium")).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("CHROMIUM")).ifPresent(candidates::add);
        candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                "/snap/bin/chromium"));
        return candidates.stream().filter(c -> !c.isBlank()).map(Paths::get).filter(Files::isExecutable).findFirst();
    }

    /** Runs headless Chromium on one page. */
    static final class Chromium {

        record Result(int exitCode, String dom, List<String> consoleMessages, String log) {
        }

        static Result load(Path chromium, Path page, Path screenshot, Path profile, Duration timeout)
                throws IOException, InterruptedException {
            Path dom = profile.resolveSibling("dom.html");
            Path log = profile.resolveSibling("chromium.log");
            List<String> command = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                    "--hide-scrollbars", "--window-size=1400,1700", "--screenshot=" + screenshot, "--dump-dom",
                    page.toUri().toString());
            Process p = new ProcessBuilder(command).redirectOutput(dom.toFile()).redirectError(log.toFile()).start();
            Set<ProcessHandle> seen = new LinkedHashSet<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            boolean exited = false;
            try {
                while (!(exited = p.waitFor(200, TimeUnit.MILLISECONDS)) && System.nanoTime() < deadline) {
                    p.descendants().forEach(seen::add);
                }
            } finally {
                p.descendants().forEach(seen::add);
                List<ProcessHandle> left = seen.stream().filter(ProcessHandle::isAlive).collect(Collectors.toList());
                left.forEach(ProcessHandle::destroyForcibly);
                if (!exited) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
                for (ProcessHandle h : left) {
                    h.onExit().completeOnTimeout(h, 10, TimeUnit.SECONDS).join();
                }
            }
            String logText = Files.readString(log, StandardCharsets.UTF_8);
            if (!exited) {
                throw new AssertionError("Chromium did not finish within " + timeout + " (killed); its log:\n" + logText);
            }
            List<String> console = logText.lines().filter(l -> l.contains(":CONSOLE")).collect(Collectors.toList());
            return new Result(p.exitValue(), Files.readString(dom, StandardCharsets.UTF_8), console, logText);
        }
    }
}
