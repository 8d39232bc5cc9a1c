package dev.processpool.hazelcast;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.collection.IQueue;
import com.hazelcast.config.Config;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessPool;
import dev.processpool.ProcessTask;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskExecutionException;
import dev.processpool.WorkerStartException;
import dev.processpool.logging.Logs;
import dev.processpool.protocol.JavaSerialization;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A cluster member that runs tasks of {@link ClusterPool}s in worker JVMs of its own: an embedded Hazelcast
 * member plus an ordinary local {@link ProcessPool}, so isolation, timeouts, recycling and crash handling are
 * exactly as on one machine.
 *
 * <p>A taker thread polls the cluster's task queue whenever a worker is free (plus {@code prefetch}), claims
 * the task in its client pool's claims map with {@code putIfAbsent} (a task someone else claimed, or that its
 * pool gave up, is dropped), and queues it in the local pool; the outcome goes back to the client pool's
 * results queue. The task's bytes go to the worker untouched ({@code PayloadTask}): this JVM never loads task
 * classes. A housekeeper watches the client pools' leases: a pool whose lease stands still past its timeout is
 * dead, and its tasks here are cancelled (their workers killed) and its traces removed from the cluster.
 *
 * <p>A member whose workers cannot start (its local pool gave up, see {@link PoolConfig}, "When workers
 * cannot be started") has no free worker: it takes no tasks, hands those it took back to the cluster
 * unstarted (the same attempt, for another member), says so in its state, and tries again after
 * {@value #START_RETRY_SECONDS} s. A client pool whose every member is in that state fails its waiting tasks
 * with a {@link WorkerStartException}, as a local pool that gave up does.
 *
 * <p>{@link #close()} stops taking tasks, lets those held finish within {@code drainTimeout} (what is still
 * running then is killed and runs again elsewhere as a further attempt), leaves the cluster gracefully and
 * stops the workers. A member that dies instead (SIGKILL) takes its workers with it: they exit when their
 * channel to it closes.
 */
public final class ClusterMember implements AutoCloseable {

    private static final Logger LOG = Logs.logger(ClusterMember.class.getName(), Level.WARN);
    /** How long a member whose workers cannot start waits before it tries again. */
    static final int START_RETRY_SECONDS = 30;

    private final HazelcastInstance hz;
    private final ProcessPool pool;
    private final ClusterMemberConfig config;
    private final String uuid;
    private final String address;
    private final Semaphore capacity;
    private final IQueue<Wire.Task> tasks;
    private final IMap<String, Wire.Lease> jobs;
    private final ITopic<Wire.Cancel> cancels;
    /** The tasks this member holds, by job and claim key. */
    private final Map<String, Map<Long, ProcessTask>> held = new ConcurrentHashMap<>();
    /** Tasks whose outcome is not to be reported (their pool is gone, or cancelled them, or this member is leaving). */
    private final Set<ProcessTask> silenced = ConcurrentHashMap.newKeySet();
    /** Per job: the last beat seen and when it changed (this JVM's clock). Housekeeper thread only. */
    private final Map<String, long[]> beats = new HashMap<>();
    private final Set<String> liveJobs = ConcurrentHashMap.newKeySet();
    private final Thread taker;
    private final ScheduledExecutorService housekeeper;
    /** Sends outcomes back, one at a time, off Hazelcast's and the local pool's threads. */
    private final java.util.concurrent.ExecutorService reporter =
            Executors.newSingleThreadExecutor(r -> daemon(r, "processpool-member-reporter"));
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    private volatile boolean taking = true;
    private volatile boolean closed;
    /** Why this member's workers cannot start (its local pool gave up), or null; and since when (nanoTime). */
    private volatile String cannotStart;
    private volatile long cannotStartSince;

    private ClusterMember(Config hazelcastConfig, ClusterMemberConfig config) {
        this.config = config;
        PoolConfig poolConfig = config.getPoolConfig().toBuilder().maxQueuedRequests(0).build();
        hazelcastConfig.getMemberAttributeConfig().setAttribute(Wire.ATTRIBUTE_WORKERS,
                String.valueOf(poolConfig.getMaxSize()));
        ClusterConfigs.addSerialization(hazelcastConfig.getSerializationConfig());
        this.pool = new ProcessPool(poolConfig);
        try {
            this.hz = Hazelcast.newHazelcastInstance(hazelcastConfig);
        } catch (RuntimeException e) {
            pool.shutdown(Duration.ZERO);
            throw e;
        }
        pool.daemonize();
        Member local = hz.getCluster().getLocalMember();
        this.uuid = local.getUuid().toString();
        Address a = local.getAddress();
        this.address = a.getHost() + ":" + a.getPort();
        this.capacity = new Semaphore(poolConfig.getMaxSize() + config.getPrefetch());
        this.tasks = hz.getQueue(Wire.TASKS);
        this.jobs = hz.getMap(Wire.JOBS);
        this.cancels = hz.getTopic(Wire.CANCEL);
        cancels.addMessageListener(m -> onCancel(m.getMessageObject()));
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "processpool-member-housekeeper"));
        housekeeper.scheduleWithFixedDelay(this::watchJobs, 0, 500, TimeUnit.MILLISECONDS);
        this.taker = daemon(this::take, "processpool-member-taker");
        taker.start();
    }

    /**
     * Starts a member with {@link ClusterConfigs#member} (bound to the configured address, TCP-IP join, no
     * phone-home) and returns once it has joined (or formed) the cluster.
     *
     * @param config the member's settings
     * @return the running member; {@link #close()} it to leave the cluster
     */
    public static ClusterMember start(ClusterMemberConfig config) {
        Objects.requireNonNull(config, "config");
        return new ClusterMember(ClusterConfigs.member(config.getClusterName(), config.getBindAddress(),
                config.getPort(), config.getJoin()), config);
    }

    /**
     * Starts a member with a Hazelcast configuration of your own (its cluster name must be {@code config}'s);
     * this module's serialisation and member attribute are added to it. {@code config}'s network settings are
     * not used.
     *
     * @param hazelcastConfig the Hazelcast member configuration, e.g. from {@link ClusterConfigs#member}
     * @param config          the member's settings (its network settings are not used)
     * @return the running member; {@link #close()} it to leave the cluster
     * @throws IllegalArgumentException when the two configurations name different clusters
     */
    public static ClusterMember start(Config hazelcastConfig, ClusterMemberConfig config) {
        Objects.requireNonNull(hazelcastConfig, "hazelcastConfig");
        Objects.requireNonNull(config, "config");
        if (!config.getClusterName().equals(hazelcastConfig.getClusterName())) {
            throw new IllegalArgumentException("the Hazelcast configuration is for cluster '"
                    + hazelcastConfig.getClusterName() + "', the member's for '" + config.getClusterName() + "'");
        }
        return new ClusterMember(hazelcastConfig, config);
    }

    // ============================================================================================ taking

    private void take() {
        List<Wire.Task> batch = new ArrayList<>();
        while (taking) {
            try {
                capacity.acquire();
            } catch (InterruptedException e) {
                return;
            }
            if (cannotStart != null) {
                capacity.release(); // no worker can start here: take nothing until the pool tries again
                pause(200);
                continue;
            }
            int slots = 1;
            try {
                Wire.Task first = tasks.poll(500, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    // More free workers: take what waits for them too, in the same round trip.
                    int more = capacity.drainPermits();
                    slots += more;
                    if (more > 0) {
                        tasks.drainTo(batch, more);
                    }
                }
                for (Wire.Task t : batch) {
                    if (taking && start(t)) {
                        slots--;
                    } else if (!taking) {
                        tasks.offer(t); // leaving: not claimed, so it simply goes back
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                if (!taking || !hz.getLifecycleService().isRunning()) {
                    return;
                }
                LOG.warn("member {}: taking a task failed; retrying", address, e);
                pause(200);
            } finally {
                batch.clear();
                capacity.release(slots);
            }
        }
    }

    /**
     * Starts an attempt here: queues it in the local pool at once and claims it meanwhile (the claim is off the
     * task's critical path). If the claim fails (another member's copy, or its pool gave the attempt up) the
     * local task is cancelled and its outcome never reported. False if it is not to run here at all.
     */
    private boolean start(Wire.Task t) {
        if (!jobAlive(t.jobId)) {
            LOG.debug("member {}: dropped {}: its pool is gone", address, t);
            return false;
        }
        IMap<Long, Wire.Claim> claims = hz.getMap(Wire.claims(t.jobId));
        Wire.Claim mine = Wire.Claim.byMember(uuid, address);
        // Hazelcast may run the processor twice (an invocation retried after the partition's owner left):
        // finding its own claim then means it won.
        CompletableFuture<Boolean> claimed = claims.submitToKey(t.key(), new Wire.ClaimIfAbsent(mine))
                .toCompletableFuture()
                // An invocation that failed (its partition's owner left) may have been applied all the same:
                // ask again, in a way that answers the same whether it was or not.
                .exceptionallyAsync(failure -> retried(() -> claims.putIfAbsent(t.key(), mine), "claim " + t), reporter)
                .thenApply(prev -> {
                    boolean won = prev == null || prev.equals(mine);
                    if (!won) {
                        LOG.debug("member {}: dropped {}: {}", address, t, prev);
                    }
                    return won;
                });
        ProcessTask local = localTask(t, t.taskId, claimed);
        held.computeIfAbsent(t.jobId, j -> new ConcurrentHashMap<>()).put(t.key(), local);
        try {
            try {
                pool.queueTask(local, false, false);
            } catch (IllegalArgumentException idInUse) {
                // another pool's task with the same id runs here: tell them apart
                forget(t, local);
                local = localTask(t, t.taskId + "@" + t.jobId.substring(0, 8) + "." + t.attempt, claimed);
                held.computeIfAbsent(t.jobId, j -> new ConcurrentHashMap<>()).put(t.key(), local);
                pool.queueTask(local, false, false);
            }
        } catch (RuntimeException e) {
            // the local pool is shutting down: the task is left unreported; its pool sees this member leave
            // and runs it again
            forget(t, local);
            LOG.warn("member {}: could not run {}: {}", address, t, e.toString());
            return false;
        }
        ProcessTask queued = local;
        claimed.whenComplete((ok, failure) -> {
            if (!Boolean.TRUE.equals(ok)) {
                pool.cancel(queued); // its outcome is not reported (see report)
            }
        });
        return true;
    }

    /**
     * The local task for an attempt: the client's payload, timeouts, attempt number (for TaskContext) and, where
     * it is free here, its id. It runs once here, whatever the local pool's retries: its pool decides whether a
     * failed attempt runs again, and where (ClusterPool).
     */
    private ProcessTask localTask(Wire.Task t, String id, CompletableFuture<Boolean> claimed) {
        return ProcessTask.builder(new PayloadTask(t.payload, address, t.attempt))
                .taskId(id)
                .retries(0)
                .timeout(Duration.ofMillis(t.timeoutMillis))
                .progressTimeout(Duration.ofMillis(t.progressTimeoutMillis))
                .callback((task, result) -> claimed.whenCompleteAsync(
                        (ok, e) -> report(t, task, Boolean.TRUE.equals(ok), result, null), reporter))
                .exceptionCallback((task, failure) -> claimed.whenCompleteAsync(
                        (ok, e) -> report(t, task, Boolean.TRUE.equals(ok), null, failure), reporter))
                .build();
    }

    /**
     * The outcome of a task run here: back to its pool, unless silenced or not claimed by this member. Runs in
     * the reporter thread, once the claim is decided.
     */
    private void report(Wire.Task t, ProcessTask local, boolean claimed, Object result, TaskException failure) {
        try {
            forget(t, local);
            if (silenced.remove(local) || !claimed || failure instanceof TaskCancelledException) {
                return; // its pool is gone or cancelled it, someone else holds the attempt, or this member leaves
            }
            if (failure instanceof WorkerStartException) {
                cannotStart(failure);
                handBack(t);
                return;
            }
            Wire.Result r;
            if (failure == null) {
                r = new Wire.Result(t.seq, t.attempt, uuid, address, local.getWorkerPid(), local.getRunTime().toNanos(),
                        Wire.Result.OK, (byte[]) result);
            } else {
                r = new Wire.Result(t.seq, t.attempt, uuid, address, local.getWorkerPid(), local.getRunTime().toNanos(),
                        Wire.Result.FAILED, encode(t, relabel(t, failure)));
            }
            if (jobAlive(t.jobId)) {
                // A result offered twice (an offer retried after the queue's owner left) is dropped by the pool.
                retried(() -> hz.getQueue(Wire.results(t.jobId)).offer(r), "report " + t);
            }
        } catch (Throwable e) {
            LOG.warn("member {}: could not report the outcome of {}", address, t, e);
        } finally {
            capacity.release();
        }
    }

    /**
     * The local pool has given up starting workers (a WorkerStartException only comes when none is alive):
     * this member takes no tasks until it tries again.
     */
    private void cannotStart(TaskException failure) {
        String message = String.valueOf(failure.getMessage());
        String marker = "no worker could be started: ";
        int at = message.indexOf(marker);
        String why = at < 0 ? message : message.substring(at + marker.length());
        cannotStartSince = System.nanoTime();
        if (cannotStart == null) {
            LOG.warn("member {}: takes no tasks while its workers cannot start ({}); it hands back those it took,"
                    + " and tries again in {} s", address, why, START_RETRY_SECONDS);
        }
        cannotStart = why;
    }

    /**
     * Gives an attempt that never started back to the cluster for another member: the same attempt (it cost
     * nothing), unclaimed first so that whoever takes it next can claim it.
     */
    private void handBack(Wire.Task t) {
        IMap<Long, Wire.Claim> claims = hz.getMap(Wire.claims(t.jobId));
        retried(() -> claims.remove(t.key(), Wire.Claim.byMember(uuid, address)), "hand back " + t);
        if (jobAlive(t.jobId)) {
            retried(() -> tasks.offer(t), "hand back " + t);
        }
    }

    /** After {@value #START_RETRY_SECONDS} s of not being able to start workers, lets the local pool try again. */
    private void retryStartingWorkers() {
        if (cannotStart == null
                || System.nanoTime() - cannotStartSince < TimeUnit.SECONDS.toNanos(START_RETRY_SECONDS)) {
            return;
        }
        cannotStart = null;
        try {
            pool.startProcessing();
            LOG.info("member {}: tries again to start workers", address);
        } catch (IllegalStateException shutDown) {
            // leaving
        }
    }

    /**
     * Runs a cluster operation, trying again (for 10 s) while it fails for want of a member: the claim and the
     * outcome of a task must not be lost to a member that left in the middle of them.
     */
    private <T> T retried(java.util.function.Supplier<T> operation, String what) {
        return ClusterConfigs.retried(hz, operation, 10_000, "member " + address + ": " + what);
    }

    private void forget(Wire.Task t, ProcessTask local) {
        Map<Long, ProcessTask> m = held.get(t.jobId);
        if (m != null) {
            m.remove(t.key(), local);
        }
    }

    /** A result the worker could not serialise arrives as the wrapper's exception: say so as the local pool would. */
    private static TaskException relabel(Wire.Task t, TaskException failure) {
        if (failure instanceof TaskExecutionException x
                && PayloadTask.ResultEncodingException.class.getName().equals(x.getRemoteType())) {
            return new ResultTransferException(t.taskId, x.getWorkerPid(), x.getRemoteMessage(), x.getCause());
        }
        return failure;
    }

    private byte[] encode(Wire.Task t, TaskException failure) {
        try {
            return JavaSerialization.serialize(failure);
        } catch (IOException | RuntimeException e) {
            // a cause that does not serialise: keep what can be told
            try {
                return JavaSerialization.serialize(new ResultTransferException(t.taskId, failure.getWorkerPid(),
                        failure.getClass().getName() + ": " + failure.getMessage() + " (on member " + address
                                + "; its cause could not be sent: " + e + ")", null));
            } catch (IOException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
    }

    // ====================================================================================== cancellation

    private void onCancel(Wire.Cancel c) {
        Map<Long, ProcessTask> m = held.get(c.jobId);
        ProcessTask local = m == null ? null : m.get(Wire.key(c.seq, c.attempt));
        if (local != null) {
            silenced.add(local);
            pool.cancel(local);
        }
    }

    /** Cancels, without reporting, every task of a job held here (its pool is gone). */
    private void dropJob(String jobId, String why) {
        Map<Long, ProcessTask> m = held.remove(jobId);
        if (m == null || m.isEmpty()) {
            return;
        }
        LOG.warn("member {}: stopping {} task(s) of a client pool that {}", address, m.size(), why);
        for (ProcessTask local : m.values()) {
            silenced.add(local);
            pool.cancel(local);
        }
    }

    // ============================================================================================= leases

    private boolean jobAlive(String jobId) {
        return liveJobs.contains(jobId) || jobs.containsKey(jobId);
    }

    /**
     * Every half second: reads the leases; a job whose beat has not moved for its timeout (on this JVM's clock)
     * is dead. Its tasks here are cancelled, and whoever removes its lease first removes its traces. Tasks of
     * jobs whose lease is gone (the pool shut down, or another member found it dead) are cancelled too. The
     * oldest member also removes claims and results objects that belong to no job.
     */
    private void watchJobs() {
        if (!hz.getLifecycleService().isRunning()) {
            return;
        }
        try {
            long now = System.nanoTime();
            Map<String, Wire.Lease> snapshot = new HashMap<>(jobs);
            liveJobs.retainAll(snapshot.keySet());
            beats.keySet().retainAll(snapshot.keySet());
            for (Map.Entry<String, Wire.Lease> e : snapshot.entrySet()) {
                Wire.Lease lease = e.getValue();
                long[] seen = beats.get(e.getKey());
                if (seen == null || seen[0] != lease.beat) {
                    beats.put(e.getKey(), new long[] {lease.beat, now});
                    liveJobs.add(e.getKey());
                } else if (now - seen[1] > TimeUnit.MILLISECONDS.toNanos(lease.timeoutMillis)) {
                    liveJobs.remove(e.getKey());
                    dropJob(e.getKey(), "sent no sign of life for " + lease.timeoutMillis + " ms (" + lease.client + ")");
                    if (jobs.remove(e.getKey(), lease)) {
                        LOG.warn("member {}: client pool {} ({}) is gone; removing its tasks, claims and results",
                                address, e.getKey(), lease.client);
                        ClusterPool.removeJob(hz, e.getKey());
                    }
                }
            }
            for (String jobId : new ArrayList<>(held.keySet())) {
                if (!snapshot.containsKey(jobId)) {
                    dropJob(jobId, "has left the cluster");
                }
            }
            if (isOldest()) {
                removeOrphans(snapshot.keySet());
            }
            retryStartingWorkers();
            String why = cannotStart;
            hz.getMap(Wire.MEMBERS).setAsync(uuid, address + " held " + getNumHeldTasks() + " workers "
                    + pool.getMaxSize() + (why == null ? "" : Wire.CANNOT_START + why), 5, TimeUnit.SECONDS);
        } catch (Throwable e) { // a scheduled task that throws is never run again: this one must not
            if (hz.getLifecycleService().isRunning()) {
                LOG.warn("member {}: watching the client pools failed; trying again", address, e);
            }
        }
    }

    private boolean isOldest() {
        return hz.getCluster().getMembers().iterator().next().localMember();
    }

    /** Claims maps and results queues of jobs that are gone (a late result re-creates a destroyed queue). */
    private void removeOrphans(Set<String> liveJobIds) {
        for (DistributedObject o : hz.getDistributedObjects()) {
            String n = o.getName();
            String jobId = n.startsWith(Wire.CLAIMS_PREFIX) ? n.substring(Wire.CLAIMS_PREFIX.length())
                    : n.startsWith(Wire.RESULTS_PREFIX) ? n.substring(Wire.RESULTS_PREFIX.length()) : null;
            if (jobId != null && !liveJobIds.contains(jobId)) {
                o.destroy();
            }
        }
    }

    // ======================================================================================== life cycle

    /**
     * This member's address.
     *
     * @return {@code host:port}
     */
    public String getAddress() {
        return address;
    }

    /**
     * The members of the cluster now.
     *
     * @return their addresses, {@code host:port}, oldest first
     */
    public List<String> getMembers() {
        return ClusterConfigs.members(hz);
    }

    /**
     * The member's local pool, which runs the tasks.
     *
     * @return the pool, for read-only use (its workers and counters)
     */
    public ProcessPool getPool() {
        return pool;
    }

    /**
     * Tasks this member holds now.
     *
     * @return how many, running or about to run
     */
    public int getNumHeldTasks() {
        int n = 0;
        for (Map<Long, ProcessTask> m : held.values()) {
            n += m.size();
        }
        return n;
    }

    /**
     * The Hazelcast member, e.g. for listeners of your own.
     *
     * @return the member's Hazelcast instance
     */
    public HazelcastInstance getHazelcastInstance() {
        return hz;
    }

    /**
     * Waits until the member has stopped ({@link #close()}, or Hazelcast shut down).
     *
     * @param timeout how long to wait at most
     * @return whether it stopped within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Leaves the cluster in order: stops taking tasks, lets those held finish within {@code drainTimeout}
     * (their outcomes are reported), kills what is still running then without reporting it (its pools run it
     * again elsewhere), leaves the cluster and stops the workers. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            taking = false;
            taker.interrupt();
            try {
                taker.join(2_000);
                long deadline = System.nanoTime() + config.getDrainTimeout().toNanos();
                while (getNumHeldTasks() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (String jobId : new ArrayList<>(held.keySet())) {
                dropJob(jobId, "is still waiting for it: this member is leaving, the task runs again elsewhere");
            }
            housekeeper.shutdownNow();
            reporter.shutdown();
            try {
                reporter.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                hz.shutdown();
            } catch (RuntimeException e) {
                LOG.warn("member {}: leaving the cluster failed", address, e);
            }
            pool.shutdown(Duration.ofSeconds(5));
            stopped.countDown();
        }
    }

    @Override
    public String toString() {
        return "ClusterMember[" + address + ", cluster " + config.getClusterName() + ", held=" + getNumHeldTasks() + "]";
    }

    private static Thread daemon(Runnable r, String name) {
        return ClusterConfigs.daemon(r, name);
    }

    private static void pause(long millis) {
        ClusterConfigs.pause(millis);
    }

}
