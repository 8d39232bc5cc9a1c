package dev.processpool;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Launched by {@link HeavyResultTest} as a JVM of its own with a small heap: a pool owner that runs one
 * scenario and prints, one line each, {@code OUTCOME <task id> OK <detail>} or
 * {@code OUTCOME <task id> <exception class> <message>} as outcomes arrive (callbacks in the daemon thread;
 * nothing keeps a result), then {@code SETTLED <true|false>}, {@code SHUTDOWN <ms> <clean>} and {@code DONE}.
 *
 * <ul>
 *   <li>{@code big-results}: 3 workers, a queue of 2, 16 tasks returning byte arrays: every fourth of 100 MiB,
 *       the others of 40 MiB;</li>
 *   <li>{@code huge-error}: one worker played by {@link HostileWorkerMain} (mode file in
 *       {@code HOSTILE_MODE_FILE}), one victim task and two later ones;</li>
 *   <li>{@code endless-decode}: one worker, a task whose result hashes forever when decoded
 *       ({@link TestTasks#hashOfASharedListDag()}), and three later ones.</li>
 * </ul>
 */
public final class ResultOwnerMain {

    private ResultOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        PoolConfig.Builder b = PoolConfig.builder().maxQueuedRequests(2).terminationGrace(Duration.ofMillis(500))
                .outputListener((pid, taskId, stream, line) -> { });
        switch (scenario) {
            case "big-results":
                b.minSize(3).maxSize(3);
                break;
            case "huge-error":
                b.minSize(1).maxSize(1).workerMainClass(HostileWorkerMain.class.getName())
                        .environment(HostileWorkerMain.MODE_FILE_ENV, System.getenv(HostileWorkerMain.MODE_FILE_ENV));
                break;
            default:
                // the decoding never ends: it is abandoned at the wall-time bound, twice this plus 10 s (the
                // default of 2 s made it 14 s)
                b.minSize(1).maxSize(1).resultDecodeTimeout(Duration.ofMillis(500));
                break;
        }
        ProcessPool pool = new ProcessPool(b.build());
        pool.daemonize();
        System.out.println("STARTED " + ProcessHandle.current().pid() + " max heap " + (Runtime.getRuntime().maxMemory() >> 20)
                + " MiB");
        switch (scenario) {
            case "big-results":
                for (int i = 0; i < 16; i++) {
                    queue(pool, "big-" + i, TestTasks.bigResult(), i % 4 == 3 ? 100 : 40);
                }
                break;
            case "huge-error":
                queue(pool, "victim", TestTasks.echo(), "victim");
                queue(pool, "after-1", TestTasks.echo(), "after-1");
                queue(pool, "after-2", TestTasks.echo(), "after-2");
                break;
            default:
                queue(pool, "endless", TestTasks.hashOfASharedListDag(), 100);
                for (int i = 1; i <= 3; i++) {
                    queue(pool, "after-" + i, TestTasks.echo(), "after-" + i);
                }
                break;
        }
        System.out.println("SETTLED " + pool.processAllResults(Duration.ofSeconds(150)));
        long t0 = System.nanoTime();
        boolean clean = pool.shutdown(Duration.ofSeconds(5));
        System.out.println("SHUTDOWN " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) + " " + clean);
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }

    private static void queue(ProcessPool pool, String id, TaskFunction f, Object arg) {
        pool.queueTask(ProcessTask.builder(f).args(arg).taskId(id)
                .callback((t, r) -> System.out.println("OUTCOME " + t.getTaskID() + " OK "
                        + (r instanceof byte[] a ? a.length + " bytes" : String.valueOf(r))))
                .exceptionCallback((t, e) -> System.out.println("OUTCOME " + t.getTaskID() + " "
                        + e.getClass().getSimpleName() + " " + e.getMessage().replace('\n', ' ')))
                .build());
    }
}
