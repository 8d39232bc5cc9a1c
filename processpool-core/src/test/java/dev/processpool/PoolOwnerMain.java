package dev.processpool;

import org.awaitility.core.ConditionTimeoutException;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.awaitility.Awaitility.await;

/**
 * Launched by {@link ParentDeathTest} as a separate JVM: creates a pool of 2 workers, waits until both are
 * IDLE, prints their pids on stdout one per line, then "READY", and blocks forever (until it is killed).
 * With the argument {@code busy} it first gives each worker a 60 s task and waits until both are WORKING; with
 * {@code grandchildren}, a task that leaves grandchildren in the worker's process group and sleeps.
 */
public final class PoolOwnerMain {

    private PoolOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "idle";
        boolean busy = !mode.equals("idle");
        WorkerState wanted = busy ? WorkerState.WORKING : WorkerState.IDLE;
        ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(2).maxSize(2).build());
        if (busy) {
            for (int i = 0; i < 2; i++) {
                if (mode.equals("grandchildren")) {
                    pool.createAndQueueTask(TestTasks.spawnDetachedGrandchildrenThenSleep());
                } else {
                    pool.createAndQueueTask(TestTasks.sleepThenReturn(), 60_000L);
                }
            }
        }
        List<WorkingProcess> workers;
        try {
            workers = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                    .until(pool::getWorkers, ws -> ws.size() == 2
                            && ws.stream().allMatch(w -> w.state() == wanted && w.pid() > 0));
        } catch (ConditionTimeoutException e) {
            System.out.println("FAILED: workers did not become " + wanted + ": " + pool.getWorkers());
            System.exit(1);
            return;
        }
        for (WorkingProcess w : workers) {
            System.out.println(w.pid());
        }
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await(); // until it is killed
    }
}
