package dev.processpool.cli;

import dev.processpool.worker.WorkerMain;

/**
 * The main class of the CLI's worker JVMs: sets up JSON (Jackson's start-up costs a few hundred milliseconds
 * on a cold JVM) before the worker connects, so that it counts against the worker's start, not against the
 * first task's timeout; then runs the core's {@link WorkerMain}.
 */
public final class CliWorkerMain {

    private CliWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Json.mapper().writeValueAsString(java.util.Map.of("warm", java.util.List.of(1, 2.5, "up")));
            Json.mapper().readTree("{\"warm\": [1, 2.5, \"up\"]}");
        } catch (RuntimeException | java.io.IOException e) {
            // the first task will say what is wrong
        }
        WorkerMain.main(args);
    }
}
