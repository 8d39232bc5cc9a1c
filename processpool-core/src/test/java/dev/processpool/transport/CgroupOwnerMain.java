package dev.processpool.transport;

import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.processpool.testing.Workers.awaitIdleWorkers;

/**
 * Launched by {@link CgroupKillTest} as a separate JVM: a pool of one worker, whose task leaves a grandchild
 * in a session of its own ({@link CgroupKillTest#escapeWithSetsid()}, pid file in {@code args[0]}). Prints the
 * worker's pid, the grandchild's, then "READY", and blocks until it is killed.
 */
public final class CgroupOwnerMain {

    private CgroupOwnerMain() {
    }

    public static void main(String[] args) throws Exception {
        ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build());
        long worker = awaitIdleWorkers(pool, 1).get(0).pid();
        ProcessTask escape = ProcessTask.builder(CgroupKillTest.escapeWithSetsid()).args(args[0]).build();
        pool.queueTask(escape);
        Object grandchild = escape.future().get(60, TimeUnit.SECONDS);
        System.out.println(worker);
        System.out.println(grandchild);
        System.out.println("READY");
        System.out.flush();
        new CountDownLatch(1).await(); // until it is killed
    }
}
