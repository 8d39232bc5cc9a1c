package dev.processpool.cli.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Runs headless Chromium (Debian's {@code chromium}; {@code .ci/run} installs it) on one page: dumps the DOM
 * it built, takes a screenshot and collects its console messages. For the report's tests, the renderer's and
 * the CLI's end-to-end one. Chromium is ended by pid: its processes are collected while it runs and any left
 * when it exits, or when it overruns its time, are killed.
 */
public final class Chromium {

    /** What Chromium did with a page: its exit code, the DOM it built, its console messages, its log. */
    public record Result(int exitCode, String dom, List<String> consoleMessages, String log) {
    }

    private Chromium() {
    }

    /** Loads {@code page}, dumps its DOM and takes a screenshot; kills what is left after {@code timeout}. */
    public static Result load(Path chromium, Path page, Path screenshot, Path profile, Duration timeout)
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

    /** Set to {@code 1} (as {@code .ci/run} does), a missing Chromium fails the browser tests instead of skipping them. */
    public static final String REQUIRED = "PROCESSPOOL_REQUIRE_CHROMIUM";

    /**
     * {@link #find()}, but when {@value #REQUIRED} is {@code 1} a missing Chromium is an error: in CI the browser
     * tests must run, not pass by being skipped.
     */
    public static Optional<Path> findUnlessRequired() {
        Optional<Path> found = find();
        if (found.isEmpty() && "1".equals(System.getenv(REQUIRED))) {
            throw new AssertionError("no Chromium found, and " + REQUIRED + "=1 says the report's browser tests must"
                    + " run: install Debian's chromium (.ci/run tries: see /tmp/processpool-ci-apt.log) or set"
                    + " -Dprocesspool.chromium=/path/to/chromium");
        }
        return found;
    }

    /** Chromium from {@code -Dprocesspool.chromium}, {@code $CHROMIUM}, or the usual places. */
    public static Optional<Path> find() {
        List<String> candidates = new ArrayList<>();
        Optional.ofNullable(System.getProperty("processpool.chromium")).ifPresent(candidates::add);
        Optional.ofNullable(System.getenv("CHROMIUM")).ifPresent(candidates::add);
        candidates.addAll(List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome",
                "/snap/bin/chromium"));
        return candidates.stream().filter(c -> !c.isBlank()).map(Paths::get).filter(Files::isExecutable).findFirst();
    }
}
