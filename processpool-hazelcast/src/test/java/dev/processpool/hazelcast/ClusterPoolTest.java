package dev.processpool.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import dev.processpool.MapFunction;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessTask;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskExecutionException;
import dev.processpool.TaskFunction;
import dev.processpool.TaskTimeoutException;
import dev.processpool.WorkerDiedException;
import dev.processpool.protocol.ValueCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The library: a {@link ClusterPool} has the task API of a local pool, on two members started in this JVM
 * (their workers are processes of their own). Member death as a process is ClusterFailoverIT's; here a member
 * leaves in order while holding a task, and results are forged to attack the one-outcome rule.
 */
class ClusterPoolTest {

    private static final String CLUSTER = "pooltest-" + UUID.randomUUID().toString().substring(0, 8);
    private static final List<ClusterMember> MEMBERS = new ArrayList<>();
    private static int firstPort;

    @BeforeAll
    static void cluster() throws IOException {
        firstPort = freePort();
        int second = freePort();
        MEMBERS.add(member(firstPort, List.of()));
        MEMBERS.add(member(second, List.of("127.0.0.1:" + firstPort)));
    }

    @AfterAll
    static void stop() {
        MEMBERS.forEach(ClusterMember::close);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static ClusterMember member(int port, List<String> join) {
        return ClusterMember.start(ClusterMemberConfig.builder(CLUSTER).port(port).join(join).drainTimeout(Duration.ZERO)
                .poolConfig(PoolConfig.builder().minSize(0).maxSize(2).build()).build());
    }

    static ClusterPool pool(int maxQueued) {
        return ClusterPool.connect(ClusterPoolConfig.builder(CLUSTER).addresses(List.of("127.0.0.1:" + firstPort))
                .maxQueuedRequests(maxQueued).build());
    }

    static TaskFunction square() {
        return (args, kwargs) -> (Integer) args.get(0) * (Integer) args.get(0);
    }

    static TaskFunction sleep(long millis) {
        return (args, kwargs) -> {
            Thread.sleep(millis);
            return "slept";
        };
    }

    /** A callable class: the worker constructs it with the arguments. */
    public static final class Greet implements java.util.concurrent.Callable<String> {
        private final String name;
        private final Map<String, Object> kwargs;

        public Greet(String name, Map<String, Object> kwargs) {
            this.name = name;
            this.kwargs = kwargs;
        }

        @Override
        public String call() {
            return kwargs.getOrDefault("greeting", "hello") + " " + name;
        }
    }

    @Test
    void theSameTaskApiAsALocalPool() throws Exception {
        try (ClusterPool pool = pool(10)) {
            AtomicInteger callbacks = new AtomicInteger();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ProcessTask t = ProcessTask.builder(square()).args(i).callback((task, r) -> callbacks.incrementAndGet()).build();
                assertThat(pool.queueTask(t)).isTrue();
                tasks.add(t);
            }
            ProcessTask greet = ProcessTask.builder(Greet.class).args("you").kwargs(Map.of("greeting", "hi")).build();
            pool.queueTask(greet);
            ProcessTask nothing = pool.createAndQueueTask((a, k) -> null);
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            assertThat(callbacks).hasValue(30);
            for (int i = 0; i < 30; i++) {
                assertThat(tasks.get(i).taskResults()).isEqualTo(i * i);
                assertThat(tasks.get(i).getWorkerPid()).isPositive();
                assertThat(pool.placementOf(tasks.get(i))).get().satisfies(p -> {
                    assertThat(p.attempts()).isEqualTo(1);
                    assertThat(p.member()).isIn(MEMBERS.stream().map(ClusterMember::getAddress).toList());
                });
            }
            assertThat(greet.future().get(10, TimeUnit.SECONDS)).isEqualTo("hi you");
            assertThat(nothing.isDone()).isTrue();
            assertThat(nothing.taskResults()).isNull();
            assertThat(pool.map((MapFunction<Integer, Integer>) x -> x + 1, List.of(1, 2, 3, 4, 5), 2))
                    .containsExactly(2, 3, 4, 5, 6);
            assertThat(pool.getMaxSize()).isEqualTo(4);
        }
    }

    /**
     * The rest of the task API, on a pool made from a member's own instance (a member config, not a client):
     * daemonized callbacks run without anyone processing results, imap and imapUnordered hand results out
     * lazily, and shutting the pool down leaves the instance it was given running.
     */
    @Test
    void aPoolOnAMembersInstanceDaemonizesItsCallbacksAndMapsLazily() throws Exception {
        HazelcastInstance member = MEMBERS.get(1).getHazelcastInstance();
        ClusterPool pool = ClusterPool.on(member, ClusterPoolConfig.builder(CLUSTER).maxQueuedRequests(10).build());
        try {
            pool.daemonize();
            assertThat(pool.isDaemonized()).isTrue();
            java.util.concurrent.CountDownLatch called = new java.util.concurrent.CountDownLatch(5);
            Map<Integer, Object> results = new java.util.concurrent.ConcurrentHashMap<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                pool.queueTask(ProcessTask.builder(square()).args(i).callback((t, r) -> {
                    results.put(n, r);
                    called.countDown();
                }).build());
            }
            assertThat(called.await(60, TimeUnit.SECONDS)).as("callbacks ran with nobody processing results").isTrue();
            assertThat(results).containsExactlyInAnyOrderEntriesOf(Map.of(0, 0, 1, 1, 2, 4, 3, 9, 4, 16));

            List<Integer> lazy = new ArrayList<>();
            pool.imap((MapFunction<Integer, Integer>) x -> x * 10, List.of(1, 2, 3, 4, 5), 2).forEachRemaining(lazy::add);
            assertThat(lazy).containsExactly(10, 20, 30, 40, 50);
            List<Integer> unordered = new ArrayList<>();
            pool.imapUnordered((MapFunction<Integer, Integer>) x -> -x, List.of(1, 2, 3, 4, 5), 1)
                    .forEachRemaining(unordered::add);
            assertThat(unordered).containsExactlyInAnyOrder(-1, -2, -3, -4, -5);
        } finally {
            assertThat(pool.shutdown(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(member.getLifecycleService().isRunning()).as("the member's instance outlives the pool").isTrue();
        try (ClusterPool client = pool(10)) {
            assertThat(client.createAndQueueTask(square(), 6).future().get(30, TimeUnit.SECONDS))
                    .as("and still serves a client").isEqualTo(36);
        }
    }

    @Test
    void failuresArriveAsTheLocalPoolReportsThem() throws Exception {
        try (ClusterPool pool = pool(10)) {
            ProcessTask threw = pool.createAndQueueTask((a, k) -> {
                throw new IllegalStateException("no way");
            });
            ProcessTask slow = ProcessTask.builder(sleep(10_000)).timeout(Duration.ofMillis(300)).retries(0).build();
            pool.queueTask(slow);
            ProcessTask crash = pool.createAndQueueTask((a, k) -> {
                Runtime.getRuntime().halt(3);
                return null;
            });
            ProcessTask unserialisable = pool.createAndQueueTask((a, k) -> new Object());
            ProcessTask missing = ProcessTask.builderForClassName("com.example.NoSuchTask").build();
            pool.queueTask(missing);
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();

            assertThat(threw.taskException()).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo(IllegalStateException.class.getName());
                assertThat(e.getRemoteMessage()).isEqualTo("no way");
                assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
                assertThat(e.getTaskId()).isEqualTo(threw.getTaskID());
            });
            assertThat(slow.taskException()).isInstanceOf(TaskTimeoutException.class);
            assertThat(crash.taskException()).as("run again by the pool's default retries, 2")
                    .isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                        assertThat(e.getExitCode()).isEqualTo(3);
                        assertThat(e.getAttempts()).isEqualTo(3);
                        assertThat(e.isQuarantined()).isTrue();
                    });
            assertThat(slow.getAttempts()).isEqualTo(1);
            assertThat(unserialisable.taskException()).isInstanceOf(ResultTransferException.class)
                    .hasMessageContaining("java.lang.Object");
            String member = pool.placementOf(missing).orElseThrow().member();
            assertThat(missing.taskException()).isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                assertThat(e.getRemoteType()).isEqualTo(ClassNotFoundException.class.getName());
                assertThat(e.getRemoteMessage()).contains("com.example.NoSuchTask").contains("member " + member);
            });
        }
    }

    @Test
    void tasksAreRetriedByTheLocalPoolsRulesAndToldOnce() throws Exception {
        try (ClusterPool pool = pool(10)) {
            AtomicInteger told = new AtomicInteger();
            // kills its worker on the first attempt, succeeds on the second and says which attempt it was
            ProcessTask flaky = ProcessTask.builder((a, k) -> {
                if (dev.processpool.TaskContext.attempt() == 1) {
                    Runtime.getRuntime().halt(3);
                }
                return dev.processpool.TaskContext.attempt();
            }).retries(1).callback((t, r) -> told.incrementAndGet()).exceptionCallback((t, f) -> told.incrementAndGet())
                    .build();
            ProcessTask alwaysDies = ProcessTask.builder((a, k) -> {
                Runtime.getRuntime().halt(4);
                return null;
            }).retries(1).callback((t, r) -> told.incrementAndGet()).exceptionCallback((t, f) -> told.incrementAndGet())
                    .build();
            ProcessTask threw = ProcessTask.builder((a, k) -> {
                throw new IllegalStateException("attempt " + dev.processpool.TaskContext.attempt());
            }).retries(2).build();
            ProcessTask threwRetried = ProcessTask.builder((a, k) -> {
                throw new IllegalStateException("attempt " + dev.processpool.TaskContext.attempt());
            }).retries(1).retryOn(IllegalStateException.class).build();
            ProcessTask noRetries = ProcessTask.builder((a, k) -> {
                Runtime.getRuntime().halt(5);
                return null;
            }).retries(0).build();
            for (ProcessTask t : List.of(flaky, alwaysDies, threw, threwRetried, noRetries)) {
                pool.queueTask(t);
            }
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();

            assertThat(flaky.taskResults()).isEqualTo(2);
            assertThat(flaky.getAttempts()).isEqualTo(2);
            assertThat(pool.placementOf(flaky).orElseThrow().attempts()).isEqualTo(2);

            assertThat(alwaysDies.taskException()).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                assertThat(e.getExitCode()).isEqualTo(4);
                assertThat(e.getAttempts()).isEqualTo(2);
                assertThat(e.isQuarantined()).isTrue();
                assertThat(e.getSuppressed()).singleElement().isInstanceOfSatisfying(WorkerDiedException.class,
                        first -> assertThat(first.getExitCode()).isEqualTo(4));
                assertThat(e.getMessage()).contains("quarantined: failed 2 times");
            });
            assertThat(alwaysDies.getAttempts()).isEqualTo(2);
            assertThat(told).as("callbacks told once per task").hasValue(2);

            assertThat(threw.taskException()).as("the task's own exception is not retried")
                    .isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                        assertThat(e.getRemoteMessage()).isEqualTo("attempt 1");
                        assertThat(e.getAttempts()).isEqualTo(1);
                        assertThat(e.isQuarantined()).isFalse();
                    });
            assertThat(threwRetried.taskException()).as("unless its type is named")
                    .isInstanceOfSatisfying(TaskExecutionException.class, e -> {
                        assertThat(e.getRemoteMessage()).isEqualTo("attempt 2");
                        assertThat(e.isQuarantined()).isTrue();
                        assertThat(e.getSuppressed()).hasSize(1);
                    });
            assertThat(noRetries.taskException()).isInstanceOfSatisfying(WorkerDiedException.class, e -> {
                assertThat(e.getAttempts()).isEqualTo(1);
                assertThat(e.isQuarantined()).isFalse();
            });
            assertThatThrownBy(() -> pool.queueTask(ProcessTask.builder(square()).args(1).retries(255).build()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 254");
        }
    }

    @Test
    void maxQueuedRequestsBoundsWhatWaitsInTheCluster() throws Exception {
        try (ClusterPool pool = pool(3)) {
            List<ProcessTask> accepted = new ArrayList<>();
            // 4 workers and a prefetch of 1 per member take 6; then 3 may wait.
            for (int i = 0; i < 6; i++) {
                ProcessTask t = ProcessTask.builder(sleep(20_000)).build();
                pool.queueTask(t);
                accepted.add(t);
            }
            await("the members to take six").atMost(Duration.ofSeconds(30)).until(() -> pool.getNumRunningTasks() == 6);
            int more = 0;
            while (more < 20 && pool.queueTask(ProcessTask.builder(sleep(20_000)).build(), false, false)) {
                more++;
            }
            assertThat(more).as("tasks accepted to wait").isEqualTo(3);
            assertThat(pool.isFull()).isTrue();
            HazelcastInstance hz = MEMBERS.get(0).getHazelcastInstance();
            assertThat(hz.getQueue(Wire.TASKS).size()).isEqualTo(3);
            assertThat(pool.queueTask(ProcessTask.builder(sleep(1)).build(), Duration.ofMillis(200), false)).isFalse();
            for (ProcessTask t : accepted) {
                assertThat(pool.cancel(t)).isTrue();
            }
            assertThat(accepted.get(0).taskException()).isInstanceOf(TaskCancelledException.class);
            // cancelled running tasks free their workers: the waiting ones run now (and are cancelled by close)
            await().atMost(Duration.ofSeconds(30)).until(() -> hz.getQueue(Wire.TASKS).isEmpty());
            assertThat(pool.shutdown(Duration.ZERO)).isFalse();
        }
        assertThat(MEMBERS.get(0).getHazelcastInstance().getMap(Wire.JOBS).size()).isZero();
        await("the members to hold no task").atMost(Duration.ofSeconds(10))
                .until(() -> MEMBERS.stream().allMatch(m -> m.getNumHeldTasks() == 0));
    }

    @Test
    void aMemberLeavingWithATaskHandsItToAnotherAsItsNextAttemptAndLateResultsAreDropped() throws Exception {
        ClusterMember third = member(freePort(), List.of("127.0.0.1:" + firstPort));
        try (ClusterPool pool = pool(10)) {
            AtomicInteger outcomes = new AtomicInteger();
            List<ProcessTask> tasks = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ProcessTask t = ProcessTask.builder(sleep(3_000)).callback((task, r) -> outcomes.incrementAndGet())
                        .exceptionCallback((task, f) -> outcomes.incrementAndGet()).build();
                pool.queueTask(t);
                tasks.add(t);
            }
            await("the third member to hold a task").atMost(Duration.ofSeconds(30)).until(() -> third.getNumHeldTasks() > 0);
            third.close(); // drain timeout zero: what it runs is killed, unreported, and runs again elsewhere
            assertThat(pool.processAllResults(Duration.ofSeconds(60))).isTrue();
            assertThat(tasks).allSatisfy(t -> assertThat(t.taskResults()).isEqualTo("slept"));
            List<TaskPlacement> rerun = tasks.stream().map(t -> pool.placementOf(t).orElseThrow())
                    .filter(p -> p.attempts() == 2).toList();
            assertThat(rerun).isNotEmpty().allSatisfy(p -> {
                assertThat(p.member()).isNotEqualTo(third.getAddress());
                assertThat(p.lostAttempts()).singleElement().asString().contains(third.getAddress());
            });

            // Results from a member presumed dead, duplicates, and for tasks the pool never had: all dropped.
            var results = MEMBERS.get(0).getHazelcastInstance().<Wire.Result>getQueue(Wire.results(pool.getJobId()));
            byte[] forged = ValueCodec.encode("forged");
            for (long seq = 1; seq <= 8; seq++) {
                for (int attempt = 1; attempt <= 3; attempt++) {
                    results.offer(new Wire.Result(seq, attempt, "x", "forger:1", 1, 1, Wire.Result.OK, forged));
                }
            }
            await().atMost(Duration.ofSeconds(10)).until(results::isEmpty);
            pool.processResults();
            assertThat(outcomes).hasValue(6);
            assertThat(tasks).allSatisfy(t -> assertThat(t.taskResults()).isEqualTo("slept"));
        } finally {
            third.close();
        }
    }

    @Test
    void cancellingAWaitingOrRunningTaskStopsItInTheCluster() throws Exception {
        try (ClusterPool pool = pool(10)) {
            ProcessTask running = ProcessTask.builder(sleep(30_000)).build();
            pool.queueTask(running);
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.getNumRunningTasks() == 1);
            running.future().cancel(true);
            assertThat(running.taskException()).isInstanceOf(TaskCancelledException.class);
            assertThatThrownBy(() -> running.future().get()).isInstanceOf(java.util.concurrent.CancellationException.class);
            await("the member to drop it").atMost(Duration.ofSeconds(10))
                    .until(() -> MEMBERS.stream().allMatch(m -> m.getNumHeldTasks() == 0));
            assertThat(pool.createAndQueueTask(square(), 9).future().get(30, TimeUnit.SECONDS)).isEqualTo(81);
        }
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> ClusterPoolConfig.builder("dev").build()).hasMessageContaining("Hazelcast's default");
        assertThatThrownBy(() -> ClusterPoolConfig.builder(" ").build()).hasMessageContaining("cluster name is required");
        assertThatThrownBy(() -> ClusterConfigs.member("c", "0.0.0.0", 5701, List.of()))
                .hasMessageContaining("not to all");
        assertThatThrownBy(() -> ClusterConfigs.client("c", List.of("127.0.0.1:99999"), Duration.ofSeconds(1)))
                .hasMessageContaining("valid port");
        var config = ClusterConfigs.member("c", "127.0.0.1", 5701, List.of("127.0.0.1:5702"));
        assertThat(config.getNetworkConfig().getJoin().getMulticastConfig().isEnabled()).isFalse();
        assertThat(config.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
                .containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
        assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
        assertThat(config.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    }

    @Test
    void aPoolThatShutsDownLeavesNothingInTheCluster() throws Exception {
        String jobId;
        try (ClusterPool pool = pool(10)) {
            jobId = pool.getJobId();
            pool.createAndQueueTask(square(), 3).future().get(30, TimeUnit.SECONDS);
            assertThat(MEMBERS.get(0).getHazelcastInstance().getMap(Wire.JOBS).containsKey(jobId)).isTrue();
        }
        HazelcastInstance hz = MEMBERS.get(0).getHazelcastInstance();
        assertThat(hz.getMap(Wire.JOBS).containsKey(jobId)).isFalse();
        assertThat(hz.getDistributedObjects()).noneMatch(o -> o.getName().endsWith(jobId));
    }

    @Test
    void aPoolThatLosesTheClusterFailsItsTasksAndTakesNoMore() throws Exception {
        String name = "lost-" + UUID.randomUUID().toString().substring(0, 8);
        int port = freePort();
        ClusterMember alone = ClusterMember.start(ClusterMemberConfig.builder(name).port(port)
                .poolConfig(PoolConfig.builder().minSize(0).maxSize(1).build()).build());
        ClusterPool pool = ClusterPool.connect(ClusterPoolConfig.builder(name).addresses(List.of("127.0.0.1:" + port))
                .connectTimeout(Duration.ofSeconds(3)).build());
        try {
            ProcessTask running = ProcessTask.builder(sleep(60_000)).build();
            pool.queueTask(running);
            await().atMost(Duration.ofSeconds(30)).until(() -> pool.getNumRunningTasks() == 1);
            alone.getHazelcastInstance().getLifecycleService().terminate(); // the cluster is gone at once
            alone.getPool().shutdown(Duration.ZERO);
            assertThatThrownBy(() -> running.future().get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(WorkerDiedException.class)
                    .hasMessageContaining("shut down");
            assertThatThrownBy(() -> pool.queueTask(ProcessTask.builder(square()).args(1).build()))
                    .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        } finally {
            pool.shutdown(Duration.ZERO);
            alone.close();
        }
    }
}
