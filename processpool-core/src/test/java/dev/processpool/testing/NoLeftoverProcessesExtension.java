package dev.processpool.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Fails a test that leaves a child process of the test JVM alive (a worker, or anything a worker started
 * while it was still attached), after giving processes that are already on their way out a moment to go.
 * The leftovers are killed by pid, so one leaky test cannot spoil the next. Registered for every test through
 * {@code META-INF/services} and {@code junit-platform.properties}.
 */
public final class NoLeftoverProcessesExtension implements AfterEachCallback {

    private static final Duration GRACE = Duration.ofSeconds(5);

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        long deadline = System.nanoTime() + GRACE.toNanos();
        List<ProcessHandle> alive = leftovers();
        while (!alive.isEmpty() && System.nanoTime() < deadline) {
            // wait for exits to be reaped: onExit completes when the process is gone
            for (ProcessHandle p : alive) {
                try {
                    p.onExit().get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000),
                            java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException stillAlive) {
                    break;
                }
            }
            alive = leftovers();
        }
        if (!alive.isEmpty()) {
            String described = alive.stream()
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                    .collect(Collectors.joining("\n  "));
            alive.forEach(ProcessHandle::destroyForcibly);
            throw new AssertionError("test " + context.getDisplayName() + " left " + alive.size()
                    + " child process(es) alive (now killed):\n  " + described);
        }
    }

    private static List<ProcessHandle> leftovers() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).collect(Collectors.toList());
    }
}
