package dev.processpool;

import java.util.List;

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
                    pool.createAndQueueTask(TestTasksB.spawnDetachedGrandchildrenThenSleep());
                } else {
                    pool.createAndQueueTask(TestTasksB.sleepThenReturn(), 60_000L);
                }
            }
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        List<WorkingProcess> workers = pool.getWorkers();
        while (!(workers.size() == 2 && workers.stream().allMatch(w -> w.state() == wanted && w.pid() > 0))) {
            if (System.nanoTime() > deadline) {
                System.out.println("FAILED: workers did not become " + wanted + ": " + workers);
                System.exit(1);
            }
            Thread.sleep(20);
            workers = pool.getWorkers();
        }
        for (WorkingProcess w : workers) {
            System.out.println(w.pid());
        }
        System.out.println("READY");
        System.out.flush();
        while (true) {
            Thread.sleep(Long.MAX_VALUE);
        }
    }
}
