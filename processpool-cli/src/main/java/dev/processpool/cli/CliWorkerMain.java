package dev.processpool.cli;

import dev.processpool.worker.WorkerMain;

/**
 * The main class of the CLI's worker JVMs: sets up JSON (Jackson's start-up costs a few hundred milliseconds
 * on a cold JVM) before the worker connects, so that it counts against the worker's start, not against the
 * first task's timeout; then runs the core's {@link WorkerMain}. With {@code --train} (a class-data archive's
 * training, see {@code --class-data-cache}) it first runs {@link CliTraining}, then the core's training.
 */
public final class CliWorkerMain {

    private CliWorkerMain() {
    }

    public static void main(String[] args) throws Exception {
        if (WorkerMain.isTraining(args)) {
            CliTraining.run();
            WorkerMain.main(args);
            return;
        }
        try {
            Json.mapper().writeValueAsString(java.util.Map.of("warm", java.util.List.of(1, 2.5, "up")));
            Json.mapper().readTree("{\"warm\": [1, 2.5, \"up\"]}");
        } catch (RuntimeException | java.io.IOException e) {
            // the first task will say what is wrong
        }
        WorkerMain.main(args);
    }
}
