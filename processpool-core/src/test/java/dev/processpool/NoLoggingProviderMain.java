package dev.processpool;

import java.time.Duration;

/**
 * Launched by {@link NoLoggingProviderTest} in a JVM whose class path has slf4j-api but no SLF4J provider, as
 * the README's library example has: runs one task that prints and one whose worker halts, then exits.
 */
public final class NoLoggingProviderMain {

    private NoLoggingProviderMain() {
    }

    static TaskFunction printing() {
        return (args, kwargs) -> {
            System.out.println("hello on stdout from a task");
            System.err.println("hello on stderr from a task");
            return "printed";
        };
    }

    static TaskFunction halting() {
        return (args, kwargs) -> {
            Runtime.getRuntime().halt(7);
            return null;
        };
    }

    public static void main(String[] args) throws Exception {
        try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
            ProcessTask printed = pool.createAndQueueTask(printing());
            ProcessTask halted = pool.createAndQueueTask(halting());
            if (!pool.processAllResults(Duration.ofSeconds(60))) {
                System.out.println("FAILED: no results in 60 s");
                System.exit(1);
            }
            System.out.println("results: " + printed.taskResults() + ", "
                    + halted.taskException().getClass().getSimpleName());
        }
        System.out.println("DONE");
    }
}
