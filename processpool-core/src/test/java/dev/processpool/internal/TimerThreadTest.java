package dev.processpool.internal;

import dev.processpool.PoolConfig;
import dev.processpool.TaskException;
import dev.processpool.TaskTimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 7: the timer thread decides; it never does slow work. Against a transport whose kills are as
 * slow as the test likes (no processes): every task times out at about the same instant, and every outcome
 * must arrive while the first kill is still under way; no kill runs on the timer thread. Nor does the timer
 * start threads: starting one waits until it has run once, a whole round of the CPU scheduler on a loaded
 * machine, which made the timeout storm's later outcomes seconds late.
 */
class TimerThreadTest {

    private static final int WORKERS = 10;

    @Test
    void theTimerStartsNoThreadWhateverItOffloadsNorWaitsForTheWorkItOffloads() throws Exception {
        ThreadScheduler scheduler = new ThreadScheduler("timer-offload-test");
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(WORKERS);
        CountDownLatch timerDone = new CountDownLatch(1);
        try {
            // each piece of work blocks until released: every one needs a reaper thread of its own
            scheduler.schedule(() -> {
                for (int i = 0; i < WORKERS; i++) {
                    scheduler.offload(() -> {
                        running.countDown();
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
                }
                timerDone.countDown();
            }, 0);
            assertThat(timerDone.await(20, TimeUnit.SECONDS)).as("the timer task returned").isTrue();
            assertThat(running.await(20, TimeUnit.SECONDS)).as("every piece of work runs at once").isTrue();
            assertThat(scheduler.threadsStartedByTimer.get()).as("threads started on the timer thread").isZero();
        } finally {
            release.countDown();
            scheduler.shutdown();
        }
    }

    @Test
    void everyTimeoutHasItsOutcomeWhileKillsAreStillUnderWayAndNoKillRunsOnTheTimer() throws Exception {
        ExecutorService readers = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fake-workers-channel");
            t.setDaemon(true);
            return t;
        });
        FakeTransport transport = new FakeTransport(readers, System::nanoTime);
        transport.autoStart = true;
        transport.killGate = new CountDownLatch(1);
        ResultDelivery delivery = new ResultDelivery();
        PoolConfig config = PoolConfig.builder().minSize(WORKERS).maxSize(WORKERS).maxQueuedRequests(0)
                .pipelineDepth(1).heartbeatInterval(Duration.ZERO).terminationGrace(Duration.ZERO).build();
        PoolEngine engine = new PoolEngine("timer-test", config, transport, new ThreadScheduler("timer-test"), delivery,
                getClass().getClassLoader(), EngineListener.NONE);
        Map<Long, TaskException> outcomes = new ConcurrentHashMap<>();
        try {
            engine.start();
            assertThat(engine.awaitReady(WORKERS, System.nanoTime() + Duration.ofSeconds(30).toNanos())).isTrue();
            for (long seq = 1; seq <= WORKERS; seq++) {
                long id = seq;
                Submission s = new Submission(seq, "t" + seq,
                        FakeTransport.payload(),
                        () -> Duration.ofMillis(200), () -> Duration.ZERO, new TaskCompletion() {
                            @Override
                            public boolean complete(Object result, TaskException failure, long pid, long runNanos) {
                                outcomes.put(id, failure);
                                return false;
                            }

                            @Override
                            public void runCallbacks() {
                            }
                        });
                assertThat(engine.submit(s, true, Long.MAX_VALUE)).isTrue();
            }
            // Every worker's kill is stuck until the gate opens: every outcome must arrive regardless.
            await().atMost(Duration.ofSeconds(20)).until(() -> outcomes.size() == WORKERS);
            assertThat(outcomes.values()).allMatch(f -> f instanceof TaskTimeoutException);
            assertThat(transport.killGate.getCount()).as("the kills are still under way").isEqualTo(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> transport.killThreads.size() == WORKERS);
            assertThat(transport.killThreads).as("threads the kills ran on").noneMatch(n -> n.endsWith("-timer"));
        } finally {
            System.out.println("outcomes before the first kill was let through: " + outcomes.size() + " of " + WORKERS
                    + "; kills called on threads " + transport.killThreads);
            transport.killGate.countDown();
            engine.beginShutdown(); // as ProcessPool.shutdown does: no replacements from now on
            engine.stopWorkers("test over", true);
            engine.terminate();
            readers.shutdownNow();
        }
    }
}
