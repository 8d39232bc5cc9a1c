package dev.processpool.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.collection.IQueue;
import com.hazelcast.collection.ItemEvent;
import com.hazelcast.collection.ItemListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.topic.ITopic;
import dev.processpool.ExceptionCallback;
import dev.processpool.PoolConfig;
import dev.processpool.ProcessTask;
import dev.processpool.ResultCallback;
import dev.processpool.ResultTransferException;
import dev.processpool.TaskCancelledException;
import dev.processpool.TaskException;
import dev.processpool.TaskPool;
import dev.processpool.WorkerDiedException;
import dev.processpool.WorkerStartException;
import dev.processpool.logging.Logs;
import dev.processpool.internal.ResultDelivery;
import dev.processpool.internal.Submission;
import dev.processpool.internal.TaskAccess;
import dev.processpool.internal.TaskCompletion;
import dev.processpool.protocol.JavaSerialization;
import dev.processpool.protocol.TaskPayload;
import dev.processpool.protocol.ValueCodec;
import org.slf4j.Logger;
import org.slf4j.event.Level;

import java.io.ObjectInputFilter;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link TaskPool} whose tasks run in the worker JVMs of a Hazelcast cluster's members
 * ({@link ClusterMember}, or {@code processpool member}), with the task API of {@link dev.processpool.ProcessPool}:
 * the same {@link ProcessTask}s, futures, callbacks, {@code processResults}/{@code processAllResults},
 * {@code daemonize}, {@code map}/{@code imap} and life cycle. The pool itself runs no workers; it is a
 * Hazelcast client (or uses a Hazelcast instance it is given).
 *
 * <h2>How tasks travel</h2>
 * A queued task is serialised in the caller's thread, as {@code ProcessPool} does it, and offered to the
 * cluster's task queue. A member takes a task only when it has a free worker (plus a small prefetch), so load
 * follows free workers and a member that joins takes work at once. Before it runs a task the member claims it
 * in this pool's claims map with {@code putIfAbsent}; its worker runs the task under the member's own local
 * pool (timeouts, crash isolation and recycling as on one machine) and the member sends the outcome back. The
 * task's future completes at once; callbacks run as in {@code ProcessPool}.
 *
 * <h2>Retries, member death, and exactly one outcome</h2>
 * A task runs again, as its next attempt on whichever member takes it, by the local pool's rules (see
 * {@link ProcessTask.Builder#retries(int)}): when its worker died, was killed at its timeout or for its memory,
 * or went unresponsive on a member, when it threw a type named in {@link ProcessTask.Builder#retryOn}, and
 * when its member left the cluster (died, or was stopped with tasks unfinished) while holding it, running or
 * not yet started: a member's death counts as a worker's death. It gets up to its own
 * {@link ProcessTask#getRetries() retries}, or else {@link ClusterPoolConfig#getRetries()}, more attempts; the
 * members run each attempt once. The attempt after the last ends the task with that attempt's failure (a
 * {@link WorkerDiedException} for a member's death), carrying the earlier attempts' failures as suppressed
 * exceptions, and <em>quarantined</em> when it had retries. Task code reads its attempt number from
 * {@link dev.processpool.TaskContext#attempt()}. A task that a member had
 * taken from the queue but not yet claimed when it died is found too: the pool puts a tombstone in its claim
 * slot, so no member can claim that attempt afterwards, and offers the next. The pool accepts only a result for
 * a task's current attempt, once: a late result from a member presumed dead, or a duplicate, is dropped. So
 * the caller gets exactly one outcome per task, while execution is <em>at least once</em>: a task whose member
 * died mid-run has run (in part) before. Write tasks that are idempotent, or that check for their own output.
 *
 * <h2>Back-pressure</h2>
 * {@code maxQueuedRequests} bounds this pool's tasks waiting in the cluster for a free worker, as it bounds the
 * waiting tasks of a local pool: tasks a member has taken do not count, and at most a small prefetch per member
 * is taken ahead of its workers. A producer waits for a slot (or is refused), so the caller never has more
 * than {@code maxQueuedRequests} plus the cluster's workers and prefetch in flight.
 *
 * <h2>This pool's death</h2>
 * The pool renews a lease in the cluster. When it stops (its JVM killed), members notice within
 * {@link ClusterPoolConfig#getLeaseTimeout()}, kill the workers running its tasks, and remove its queued tasks,
 * claims and results from the cluster.
 *
 * <p>This class is thread-safe.
 */
public final class ClusterPool implements TaskPool {

    private static final Logger LOG = Logs.logger(ClusterPool.class.getName(), Level.WARN);
    private static final AtomicInteger POOL_NUMBERS = new AtomicInteger();

    private enum RunState { RUNNING, SHUTTING_DOWN, TERMINATED }

    private final ClusterPoolConfig config;
    private final String name;
    private final String jobId = UUID.randomUUID().toString();
    private final HazelcastInstance hz;
    private final boolean ownsInstance;
    private final TaskAccess access = TaskAccess.get();
    private final ResultDelivery delivery = new ResultDelivery();
    private final TaskLedger ledger = new TaskLedger();
    /** Slots for waiting tasks; null when unbounded. */
    private final Semaphore waitingSlots;
    private final AtomicLong sequences = new AtomicLong();
    private final AtomicLong autoIds = new AtomicLong();
    private final Map<String, ProcessTask> idsInUse = new ConcurrentHashMap<>();
    /** Unfinished tasks and their ledger sequence numbers, for {@link #cancel}. */
    private final Map<ProcessTask, Long> sequenceOf = new ConcurrentHashMap<>();
    /** Where finished tasks ran; weak, so a placement lives as long as its task. Guarded by itself. */
    private final Map<ProcessTask, TaskPlacement> placements = Collections.synchronizedMap(new WeakHashMap<>());
    private final ObjectInputFilter filter;
    private final ClassLoader resultLoader;

    private final IQueue<Wire.Task> tasks;
    private final IMap<Long, Wire.Claim> claims;
    private final IQueue<Wire.Result> results;
    private final IMap<String, Wire.Lease> jobs;
    private final ITopic<Wire.Cancel> cancels;
    private final UUID claimListener;
    private final UUID resultsListener;
    /** A permit per result added to the results queue (events may be lost: the receiver also looks every 200 ms). */
    private final Semaphore resultsArrived = new Semaphore(0);
    private final UUID membershipListener;
    private final UUID lifecycleListener;
    /** Lease renewal; its own thread, so that recovery never delays it. */
    private final ScheduledExecutorService leaser;
    /** Recovery after a member left, the periodic sweep, cancellation I/O: one at a time. */
    private final ScheduledExecutorService housekeeper;
    private final Thread receiver;
    private final Object lifecycle = new Object();

    private volatile RunState state = RunState.RUNNING;
    private volatile boolean paused;
    private volatile String brokenReason;
    private volatile ResultCallback poolCallback;
    private volatile ExceptionCallback poolExceptionCallback;
    private volatile Wire.Lease lease;
    /** What every member said when none could start workers, once told; null while some member can. */
    private volatile String noMemberCanStart;

    private ClusterPool(HazelcastInstance hz, boolean ownsInstance, ClusterPoolConfig config) {
        this.config = config;
        this.hz = hz;
        this.ownsInstance = ownsInstance;
        this.name = "clusterpool-" + POOL_NUMBERS.incrementAndGet();
        this.poolCallback = config.getPoolCallback();
        this.poolExceptionCallback = config.getPoolExceptionCallback();
        this.waitingSlots = config.getMaxQueuedRequests() > 0 ? new Semaphore(config.getMaxQueuedRequests()) : null;
        long limit = config.getMaxResultBytes();
        String user = config.getDeserializationFilter();
        this.filter = ObjectInputFilter.Config.createFilter("maxdepth=1000;maxrefs=50000000;maxarray=" + limit
                + ";maxbytes=" + limit + ";" + PoolConfig.DEFAULT_REJECTED_CLASSES + (user.isEmpty() ? "" : ";" + user));
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        this.resultLoader = loader != null ? loader : ClusterPool.class.getClassLoader();

        this.jobs = hz.getMap(Wire.JOBS);
        // The lease before the job's own structures: members remove claims and results of unknown jobs.
        this.lease = new Wire.Lease(ManagementFactory.getRuntimeMXBean().getName(), 0,
                config.getLeaseTimeout().toMillis());
        jobs.set(jobId, lease);
        this.tasks = hz.getQueue(Wire.TASKS);
        this.claims = hz.getMap(Wire.claims(jobId));
        this.results = hz.getQueue(Wire.results(jobId));
        this.cancels = hz.getTopic(Wire.CANCEL);
        this.resultsListener = results.addItemListener(new ItemListener<>() {
            @Override
            public void itemAdded(ItemEvent<Wire.Result> item) {
                resultsArrived.release();
            }

            @Override
            public void itemRemoved(ItemEvent<Wire.Result> item) {
                // the receiver's own removals
            }
        }, false);
        this.claimListener = claims.addEntryListener((EntryAddedListener<Long, Wire.Claim>) e -> onClaim(e.getKey(),
                e.getValue()), true);
        this.membershipListener = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                // a new member polls the queue by itself
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                onMemberRemoved(event.getMember());
            }
        });
        this.lifecycleListener = hz.getLifecycleService().addLifecycleListener(this::onLifecycle);
        this.leaser = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-lease"));
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, name + "-housekeeper"));
        long renew = Math.max(200, config.getLeaseTimeout().toMillis() / 5);
        leaser.scheduleWithFixedDelay(this::renewLease, renew, renew, TimeUnit.MILLISECONDS);
        // The sweep covers missed events: every 2 s tasks held by members no longer in the cluster, every 10 s
        // also tasks that left the queue without a claim (a poll whose answer was lost with a member). Every
        // 2 s too: whether any member can start workers at all.
        AtomicLong sweeps = new AtomicLong();
        housekeeper.scheduleWithFixedDelay(() -> {
            recover(sweeps.incrementAndGet() % 5 == 0);
            failIfNoMemberCanStart();
        }, 2, 2, TimeUnit.SECONDS);
        this.receiver = daemon(this::receive, name + "-results");
        receiver.start();
    }

    /**
     * Connects to the cluster as a Hazelcast client with {@link ClusterConfigs#client} (loopback or the given
     * addresses, the cluster name, no phone-home). The pool shuts the client down when it shuts down.
     *
     * @param config the pool's settings: cluster name, member addresses, connect timeout, ...
     * @return the connected pool
     * @throws IllegalStateException if the cluster cannot be reached within the connect timeout
     */
    public static ClusterPool connect(ClusterPoolConfig config) {
        Objects.requireNonNull(config, "config");
        return connect(ClusterConfigs.client(config.getClusterName(), config.getAddresses(), config.getConnectTimeout()),
                config);
    }

    /**
     * Connects to the cluster with a Hazelcast client configuration of your own (its cluster name must be
     * {@code config}'s); this module's serialisation is added to it. The pool shuts the client down when it
     * shuts down.
     *
     * @param clientConfig the Hazelcast client configuration, e.g. from {@link ClusterConfigs#client}
     * @param config       the pool's settings (its addresses are not used)
     * @return the connected pool
     * @throws IllegalArgumentException when the two configurations name different clusters
     * @throws IllegalStateException    if the cluster cannot be reached
     */
    public static ClusterPool connect(ClientConfig clientConfig, ClusterPoolConfig config) {
        Objects.requireNonNull(clientConfig, "clientConfig");
        Objects.requireNonNull(config, "config");
        if (!config.getClusterName().equals(clientConfig.getClusterName())) {
            throw new IllegalArgumentException("the client configuration is for cluster '" + clientConfig.getClusterName()
                    + "', the pool's for '" + config.getClusterName() + "'");
        }
        ClusterConfigs.addSerialization(clientConfig.getSerializationConfig());
        HazelcastInstance client;
        try {
            client = HazelcastClient.newHazelcastClient(clientConfig);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot reach cluster '" + config.getClusterName() + "' at "
                    + clientConfig.getNetworkConfig().getAddresses() + ": " + e.getMessage(), e);
        }
        try {
            return new ClusterPool(client, true, config);
        } catch (RuntimeException | Error e) {
            client.shutdown();
            throw e;
        }
    }

    /**
     * A pool on a Hazelcast instance you manage: a client, or a member (which then also feeds the cluster; it
     * needs this module's serialisation in its configuration, as {@link ClusterConfigs} and
     * {@link ClusterMember} set it up). The pool leaves the instance running when it shuts down.
     *
     * @param instance the Hazelcast client or member to use
     * @param config   the pool's settings (its addresses are not used)
     * @return the pool
     */
    public static ClusterPool on(HazelcastInstance instance, ClusterPoolConfig config) {
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(config, "config");
        return new ClusterPool(instance, false, config);
    }

    // ========================================================================================== queueing

    @Override
    public boolean queueTask(ProcessTask task, boolean blocking, boolean usePoolCallbacks) {
        return enqueue(task, blocking, Long.MAX_VALUE, usePoolCallbacks);
    }

    @Override
    public boolean queueTask(ProcessTask task, Duration maxWait, boolean usePoolCallbacks) {
        Objects.requireNonNull(maxWait, "maxWait");
        return enqueue(task, true, Math.max(0, saturatedNanos(maxWait)), usePoolCallbacks);
    }

    private boolean enqueue(ProcessTask task, boolean blocking, long maxWaitNanos, boolean usePoolCallbacks) {
        Objects.requireNonNull(task, "task");
        requireRunning(task);
        String givenId = task.getTaskID();
        if (!access.markQueued(task)) {
            throw new IllegalStateException(task + " has been queued already; create a new task");
        }
        String id = null;
        boolean accepted = false;
        boolean slot = false;
        try {
            id = access.reserveId(task, idsInUse, autoIds);
            int retries = task.getRetries() < 0 ? config.getRetries() : task.getRetries();
            if (retries >= Wire.MAX_ATTEMPTS) {
                throw new IllegalArgumentException("task " + id + " has " + retries + " retries; a cluster allows at"
                        + " most " + (Wire.MAX_ATTEMPTS - 1));
            }
            TaskPayload payload = access.payload(task);
            byte[] bytes;
            try {
                bytes = payload.encode();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("task " + id + " cannot be encoded: " + e, e);
            }
            if (usePoolCallbacks) {
                task.enablePoolCallbacks();
            }
            slot = acquireSlot(blocking, maxWaitNanos, task);
            if (!slot) {
                return false;
            }
            requireRunning(task);
            long seq = sequences.incrementAndGet();
            Completion completion = new Completion(task);
            // The retry limit travels with the task (Wire.Task.maxAttempts); the rules of what is retried are the
            // local pool's (Submission.retriedFor)
            Submission s = new Submission(seq, id, payload, task::getTimeOut, task::getProgressTimeout, completion)
                    .retries(retries, failure -> access.retriesOnThrown(task, failure));
            Wire.Task first = new Wire.Task(jobId, seq, 1, retries + 1, id,
                    task.getTimeOut().toMillis(), task.getProgressTimeout().toMillis(), bytes);
            TaskLedger.Entry entry = new TaskLedger.Entry(seq, new Handle(s, completion), first, waitingSlots != null);
            sequenceOf.put(task, seq);
            delivery.track(s);
            ledger.add(entry);
            accepted = true;
            slot = false; // the ledger entry holds it now
            if (paused) {
                ledger.hold(seq);
            } else {
                send(entry, first);
            }
            task.future().whenComplete((v, ex) -> {
                if (ex instanceof CancellationException) {
                    cancel(task, "its future was cancelled");
                }
            });
            return true;
        } finally {
            if (!accepted) {
                if (slot) {
                    waitingSlots.release();
                }
                if (id != null) {
                    idsInUse.remove(id, task);
                }
                access.unmarkQueued(task, givenId);
            }
        }
    }

    private boolean acquireSlot(boolean blocking, long maxWaitNanos, ProcessTask task) {
        if (waitingSlots == null) {
            return true;
        }
        try {
            if (!blocking) {
                return waitingSlots.tryAcquire();
            }
            if (maxWaitNanos == Long.MAX_VALUE) {
                while (!waitingSlots.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    requireRunning(task);
                }
                return true;
            }
            return waitingSlots.tryAcquire(maxWaitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RejectedExecutionException("interrupted while waiting for a queue slot: " + task + " was not queued", e);
        }
    }

    private void requireRunning(ProcessTask task) {
        if (state != RunState.RUNNING) {
            throw new RejectedExecutionException(name + " is shut down: " + task + " was not queued");
        }
        String broken = brokenReason;
        if (broken != null) {
            throw new RejectedExecutionException(name + " lost the cluster (" + broken + "): " + task + " was not queued");
        }
    }

    /**
     * Offers an attempt to the cluster, trying again while a member is leaving (an offer that may have got
     * through is harmless: a second copy finds the attempt claimed); a task that cannot be offered within the
     * connect timeout fails.
     */
    private void send(TaskLedger.Entry entry, Wire.Task attempt) {
        try {
            if (!ClusterConfigs.retried(hz, () -> tasks.offer(attempt), config.getConnectTimeout().toMillis(),
                    name + ": offering " + attempt)) {
                throw new IllegalStateException("the cluster's task queue refused it");
            }
        } catch (RuntimeException e) {
            TaskLedger.Finished f = ledger.finish(entry.seq);
            if (f != null) {
                complete(f, null, new WorkerStartException(attempt.taskId, "the task could not be handed to cluster '"
                        + config.getClusterName() + "': " + e, e), -1, 0);
            }
        }
    }

    // ========================================================================================== outcomes

    /**
     * Reads this pool's results queue until the pool terminates: a copy of what waits there, handled, then
     * removed. Never a poll: the answer to a poll (or a drain) can be lost with the queue's owner, when that
     * member dies in that very moment, and the results it took from the queue with it. A copy lost that way
     * costs nothing, and a removal lost that way leaves results that are read again and dropped as duplicates
     * (only a task's current attempt, once, gives it its outcome).
     */
    private void receive() {
        while (state != RunState.TERMINATED) {
            try {
                List<Wire.Result> batch = new ArrayList<>(results);
                if (batch.isEmpty()) {
                    resultsArrived.tryAcquire(200, TimeUnit.MILLISECONDS);
                    resultsArrived.drainPermits(); // the next copy has whatever these announced
                    continue;
                }
                handle(batch); // one that could not be handled is removed all the same
                results.removeAll(batch);
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) {
                if (state == RunState.TERMINATED || !hz.getLifecycleService().isRunning()) {
                    return;
                }
                LOG.warn("{}: receiving results failed; retrying", name, t);
                pause(200);
            }
        }
    }

    /**
     * A member's outcome of an attempt. Only the current attempt of an unfinished task counts, once: its
     * result, or its failure, which runs the task again when it is of a kind the task is retried for and an
     * attempt is left (see {@link #retry}).
     */
    private void onResult(Wire.Result r) {
        long key = Wire.key(r.seq, r.attempt);
        try {
            claims.deleteAsync(key);
        } catch (RuntimeException e) { // the claims map goes with the job in any case; the outcome must not
            LOG.debug("{}: could not remove the claim of task #{} attempt {}", name, r.seq, r.attempt, e);
        }
        TaskLedger.Entry e = ledger.at(r.seq, r.attempt);
        if (e == null) {
            dropped(r);
            return;
        }
        String taskId = e.taskId;
        Object value = null;
        TaskException failure = null;
        if (r.kind == Wire.Result.OK) {
            try {
                value = ValueCodec.decode(r.bytes, 0, resultLoader, new BudgetFilter(r.bytes.length));
            } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError ex) {
                failure = new ResultTransferException(taskId, r.workerPid,
                        "the result from member " + r.member + " could not be read here: " + ex, ex);
            }
        } else {
            try {
                Object o = JavaSerialization.deserialize(r.bytes, 0, resultLoader, new BudgetFilter(r.bytes.length));
                failure = (TaskException) o;
            } catch (Exception | LinkageError | OutOfMemoryError | StackOverflowError ex) {
                failure = new ResultTransferException(taskId, r.workerPid,
                        "the failure reported by member " + r.member + " could not be read here: " + ex, ex);
            }
        }
        if (failure != null && ((Handle) e.handle).submission().retriedFor(failure)) {
            retry(r.seq, r.attempt, "on member " + r.member + ": " + failure.getMessage(), failure, r.member,
                    r.workerPid, r.runNanos);
            return;
        }
        TaskLedger.Finished f = ledger.accept(r.seq, r.attempt, r.member);
        if (f == null) {
            dropped(r);
            return;
        }
        complete(f, value, failure, r.workerPid, r.runNanos);
    }

    private void dropped(Wire.Result r) {
        LOG.debug("{}: dropped a result for task #{} attempt {} from {}: not the task's current attempt, or the task"
                + " has its outcome", name, r.seq, r.attempt, r.member);
    }

    /** Records the outcome of a finished ledger entry: placement, slot, the task's one outcome. */
    private void complete(TaskLedger.Finished f, Object value, TaskException failure, long workerPid, long runNanos) {
        TaskLedger.Entry e = f.entry();
        if (f.releasePermit() && waitingSlots != null) {
            waitingSlots.release();
        }
        Handle h = (Handle) e.handle;
        h.completion().outcome(workerPid, runNanos,
                new TaskPlacement(e.lastMember, e.attempt(), List.copyOf(e.lostAttempts)),
                List.copyOf(e.earlierFailures), e.quarantined);
        delivery.completed(h.submission(), value, failure);
    }

    /** What the ledger keeps of a task for the pool. */
    private record Handle(Submission submission, Completion completion) {
    }

    private void onClaim(Long key, Wire.Claim claim) {
        if (claim == null || !claim.isMember()) {
            return;
        }
        long seq = key / 256;
        int attempt = (int) (key % 256);
        if (ledger.claimed(seq, attempt, claim.memberUuid, claim.member) && waitingSlots != null) {
            waitingSlots.release();
        }
    }

    // ========================================================================================== recovery

    private void onMemberRemoved(Member member) {
        LOG.warn("{}: member {}:{} left the cluster; the tasks it held run again elsewhere", name,
                member.getAddress().getHost(), member.getAddress().getPort());
        // At once for the tasks it is known to hold; a moment later for those it may have taken without a claim
        // yet (a live member claims within microseconds of taking a task).
        runHousekeeping(() -> recover(false));
        housekeeper.schedule(() -> recover(true), 500, TimeUnit.MILLISECONDS);
    }

    /**
     * Gives the next attempt to every task held by a member that is no longer in the cluster; with
     * {@code unclaimedToo}, also to tasks a departed member took from the queue but never claimed.
     */
    private void recover(boolean unclaimedToo) {
        if (state == RunState.TERMINATED || !hz.getLifecycleService().isRunning()) {
            return;
        }
        try {
            Set<String> live = liveMembers();
            List<TaskLedger.Suspect> limbo = new ArrayList<>();
            check(ledger.suspects(live, unclaimedToo), live, limbo);
            if (limbo.isEmpty()) {
                return;
            }
            // Neither claimed nor queued: taken by a member that died before claiming it, or by a live one that
            // is claiming it this very moment. A second look a second later tells them apart; what is still in
            // limbo then gets a tombstone (so a late claim fails) and its next attempt.
            Thread.sleep(1_000);
            live = liveMembers();
            List<TaskLedger.Suspect> stillUnclaimed = new ArrayList<>();
            check(limbo, live, stillUnclaimed);
            for (TaskLedger.Suspect s : stillUnclaimed) {
                Wire.Claim c = claims.putIfAbsent(s.key(), Wire.Claim.tombstone(Wire.Claim.LOST));
                if (c == null || c.kind == Wire.Claim.LOST) {
                    retry(s.seq(), s.attempt(), "a member took it and left the cluster before starting it");
                } else {
                    check(List.of(s), live, new ArrayList<>());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) { // a scheduled task that throws is never run again: this one must not
            if (state != RunState.TERMINATED && hz.getLifecycleService().isRunning()) {
                LOG.warn("{}: checking for tasks of departed members failed; trying again shortly", name, e);
            }
        }
    }

    /** Handles the results waiting in the queue now; if the queue cannot be read, the receiver will. */
    private void readWaitingResults() {
        List<Wire.Result> waiting;
        try {
            waiting = new ArrayList<>(results);
        } catch (RuntimeException e) {
            LOG.debug("{}: could not read the results queue before recovery", name, e);
            return;
        }
        handle(waiting); // the receiver reads them again, and drops them then
    }

    /** Handles each result once; one that cannot be handled is logged and the others go on. */
    private void handle(List<Wire.Result> batch) {
        for (Wire.Result r : batch) {
            try {
                onResult(r);
            } catch (Throwable t) {
                LOG.warn("{}: a result from member {} could not be handled", name, r.member, t);
            }
        }
    }

    private Set<String> liveMembers() {
        Set<String> live = new HashSet<>();
        for (Member m : hz.getCluster().getMembers()) {
            live.add(m.getUuid().toString());
        }
        return live;
    }

    /**
     * Looks up who holds each suspect attempt: a live member (fine), a departed one (next attempt), our own
     * tombstone (next attempt, if not given yet), nobody while it waits in the queue (fine), or nobody at all
     * (added to {@code limbo}).
     */
    private void check(List<TaskLedger.Suspect> suspects, Set<String> live, List<TaskLedger.Suspect> limbo) {
        if (suspects.isEmpty()) {
            return;
        }
        Set<Long> keys = new HashSet<>();
        for (TaskLedger.Suspect s : suspects) {
            keys.add(s.key());
        }
        Map<Long, Wire.Claim> now = claims.getAll(keys);
        Set<Long> queued = null;
        Map<TaskLedger.Suspect, String> departed = new java.util.LinkedHashMap<>();
        for (TaskLedger.Suspect s : suspects) {
            Wire.Claim c = now.get(s.key());
            if (c == null) {
                if (queued == null) {
                    queued = queuedKeys();
                }
                if (!queued.contains(s.key())) {
                    limbo.add(s);
                }
            } else if (c.isMember()) {
                if (live.contains(c.memberUuid)) {
                    onClaim(s.key(), c);
                } else {
                    departed.put(s, c.member);
                }
            } else if (c.kind == Wire.Claim.LOST) {
                retry(s.seq(), s.attempt(), "it was lost with a member that left the cluster");
            }
        }
        if (!departed.isEmpty()) {
            // A member that leaves in order reports what it finished, then leaves: those results may wait in the
            // queue still, unread by the receiver. They count first, or their attempts would run again (a result
            // read twice is dropped the second time: a task's current attempt counts once; so is a retry of an
            // attempt that has its outcome meanwhile).
            readWaitingResults();
            departed.forEach((s, member) -> retry(s.seq(), s.attempt(),
                    "member " + member + " left the cluster while holding it"));
        }
    }

    /** The keys of this pool's attempts waiting in the cluster's queue (a snapshot). */
    private Set<Long> queuedKeys() {
        Set<Long> keys = new HashSet<>();
        for (Wire.Task t : tasks) {
            if (jobId.equals(t.jobId)) {
                keys.add(t.key());
            }
        }
        return keys;
    }

    /** Task {@code seq}'s {@code attempt} was lost with a member that left the cluster: a worker's death there. */
    private void retry(long seq, int attempt, String why) {
        TaskLedger.Entry e = ledger.at(seq, attempt);
        if (e != null) {
            retry(seq, attempt, why, new WorkerDiedException(e.taskId, -1, -1, List.of(why)), null, -1, 0);
        }
    }

    /**
     * Runs task {@code seq} again after its {@code attempt} failed with {@code failure} (a kind it is retried
     * for), or, past its last attempt, ends it with that failure, quarantined when it had retries. Nothing if
     * the task is no longer at that attempt.
     *
     * @param member the member that reported the failure, or null when the member is gone
     */
    private void retry(long seq, int attempt, String why, TaskException failure, String member, long workerPid,
                       long runNanos) {
        TaskLedger.Retry r = ledger.retry(seq, attempt, why, failure, member);
        if (r == null) {
            return;
        }
        if (r.exhausted()) {
            Wire.Task t = r.entry().current;
            LOG.warn("{}: task {} failed: {} (attempt {} of {})", name, t.taskId, why, attempt, t.maxAttempts);
            complete(new TaskLedger.Finished(r.entry(), r.releasePermit()), null, failure, workerPid, runNanos);
            return;
        }
        LOG.info("{}: task {} runs again (attempt {} of {}): {}", name, r.next().taskId, r.next().attempt,
                r.next().maxAttempts, why);
        if (paused) {
            ledger.hold(seq);
        } else {
            send(r.entry(), r.next());
        }
    }

    /**
     * When every member in the cluster says its workers cannot start (its local pool gave up; it takes no
     * tasks meanwhile and hands back those it took), no task of this pool runs anywhere: the unfinished ones
     * fail with a {@link WorkerStartException}, as the waiting tasks of a local pool that gave up with no
     * worker alive do, rather than wait for ever. A member that says nothing (just joined, or its state
     * expired) counts as able.
     */
    private void failIfNoMemberCanStart() {
        if (state == RunState.TERMINATED || !hz.getLifecycleService().isRunning() || ledger.size() == 0) {
            return;
        }
        try {
            Set<String> live = liveMembers();
            Map<String, String> states = hz.<String, String>getMap(Wire.MEMBERS).getAll(live);
            List<String> reasons = new ArrayList<>();
            for (String uuid : live) {
                String st = states.get(uuid);
                int at = st == null ? -1 : st.indexOf(Wire.CANNOT_START);
                if (at < 0) {
                    noMemberCanStart = null;
                    return;
                }
                reasons.add(st.substring(0, st.indexOf(' ')) + ": " + st.substring(at + Wire.CANNOT_START.length()));
            }
            if (reasons.isEmpty()) {
                return;
            }
            String why = "no member of cluster '" + config.getClusterName() + "' can start workers ("
                    + String.join("; ", reasons) + ")";
            if (!why.equals(noMemberCanStart)) {
                noMemberCanStart = why;
                LOG.error("{}: {}; its waiting tasks fail", name, why);
            }
            for (TaskLedger.Entry e : ledger.openEntries()) {
                TaskLedger.Finished f = ledger.finish(e.seq);
                if (f != null) {
                    Wire.Task attempt = f.entry().current; // finished: it moves on no more
                    complete(f, null, new WorkerStartException(attempt.taskId, why, null), -1, 0);
                    stopAttempt(attempt);
                }
            }
        } catch (Throwable e) { // a scheduled task that throws is never run again: this one must not
            if (state != RunState.TERMINATED && hz.getLifecycleService().isRunning()) {
                LOG.warn("{}: checking whether members can start workers failed; trying again shortly", name, e);
            }
        }
    }

    // ===================================================================================== cancellation

    @Override
    public boolean cancel(ProcessTask task) {
        Objects.requireNonNull(task, "task");
        return cancel(task, "cancelled by the caller");
    }

    private boolean cancel(ProcessTask task, String why) {
        Long seq = sequenceOf.get(task);
        TaskLedger.Finished f = seq == null ? null : ledger.finish(seq);
        if (f == null) {
            return false;
        }
        Wire.Task attempt = f.entry().current;
        complete(f, null, new TaskCancelledException(attempt.taskId, -1, why), -1, 0);
        runHousekeeping(() -> stopAttempt(attempt));
        return true;
    }

    /** Makes sure an attempt of a finished task does not run: tombstone its claim, or kill its worker. */
    private void stopAttempt(Wire.Task attempt) {
        try {
            Wire.Claim prev = claims.putIfAbsent(attempt.key(), Wire.Claim.tombstone(Wire.Claim.CANCELLED));
            if (prev == null) {
                tasks.remove(attempt); // not taken yet: keep the queue clean (a member would drop it anyway)
            } else if (prev.isMember()) {
                cancels.publish(new Wire.Cancel(jobId, attempt.seq, attempt.attempt));
            }
        } catch (RuntimeException ex) {
            LOG.debug("{}: could not stop {} in the cluster", name, attempt, ex);
        }
    }

    private void runHousekeeping(Runnable r) {
        try {
            housekeeper.execute(r);
        } catch (RejectedExecutionException terminated) {
            // shut down: nothing left to do
        }
    }

    // =============================================================================== result processing

    @Override
    public int processResults() {
        return delivery.processResults();
    }

    @Override
    public boolean processAllResults(Duration timeout) {
        requireWaitable(timeout, "processAllResults");
        try {
            return delivery.awaitSettled(sequences.get(), System.nanoTime() + saturatedNanos(timeout));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void daemonize() {
        delivery.daemonize(name + "-callbacks");
    }

    @Override
    public boolean isDaemonized() {
        return delivery.isDaemonized();
    }

    @Override
    public void setPoolCallback(ResultCallback callback) {
        this.poolCallback = callback;
    }

    @Override
    public void setPoolExceptionCallback(ExceptionCallback callback) {
        this.poolExceptionCallback = callback;
    }

    /**
     * Where a task ran: the member of its last attempt and how many attempts it took. Known from the moment it
     * has its outcome (before its callbacks run) for as long as the task object lives.
     *
     * @param task a task of this pool
     * @return its placement, or empty while it has no outcome (or if it is not this pool's)
     */
    public Optional<TaskPlacement> placementOf(ProcessTask task) {
        return Optional.ofNullable(placements.get(task));
    }

    // ======================================================================================== life cycle

    /**
     * Stops handing tasks to the cluster: those still waiting there are taken back (one a member took
     * meanwhile runs); waits up to {@code timeout} for the running ones and cancels those still running (their
     * workers are killed). Tasks can still be queued; {@link #startProcessing()} sends them.
     */
    @Override
    public void stopProcessing(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        synchronized (lifecycle) {
            if (state == RunState.TERMINATED) {
                return;
            }
            paused = true;
            for (TaskLedger.Entry e : ledger.openEntries()) {
                Wire.Task attempt = e.current;
                if (ledger.hold(e.seq)) {
                    try {
                        if (!tasks.remove(attempt)) {
                            ledger.unhold(e.seq); // a member has just taken it: it runs
                        }
                    } catch (RuntimeException ex) {
                        LOG.debug("{}: could not take back {}", name, attempt, ex);
                    }
                }
            }
            long deadline = System.nanoTime() + saturatedNanos(timeout);
            while (ledger.running() > 0 && System.nanoTime() < deadline) {
                pause(20);
            }
            for (TaskLedger.Entry e : ledger.runningEntries()) {
                cancelEntry(e, "processing was stopped before the task finished");
            }
        }
    }

    @Override
    public void startProcessing() {
        synchronized (lifecycle) {
            if (state != RunState.RUNNING) {
                throw new IllegalStateException(name + " is shut down and cannot be started again");
            }
            paused = false;
            for (TaskLedger.Entry e : ledger.release()) {
                send(e, e.current);
            }
        }
    }

    private void cancelEntry(TaskLedger.Entry e, String why) {
        TaskLedger.Finished f = ledger.finish(e.seq);
        if (f != null) {
            Wire.Task attempt = e.current;
            complete(f, null, new TaskCancelledException(attempt.taskId, -1, why), -1, 0);
            stopAttempt(attempt);
        }
    }

    /**
     * Stops accepting tasks, lets those queued run, delivers every callback; when {@code timeout} passes first,
     * cancels what has not finished (its workers are killed). Then removes what the pool kept in the cluster and,
     * if it made its own client, shuts the client down. Idempotent.
     *
     * @return true if every task finished within the timeout, false if some were cancelled
     */
    @Override
    public boolean shutdown(Duration timeout) {
        requireWaitable(timeout, "shutdown");
        synchronized (lifecycle) {
            if (state == RunState.TERMINATED) {
                return true;
            }
            state = RunState.SHUTTING_DOWN;
            boolean clean = false;
            boolean interrupted = false;
            try {
                clean = delivery.awaitSettled(Long.MAX_VALUE, System.nanoTime() + saturatedNanos(timeout));
                for (TaskLedger.Entry e : ledger.openEntries()) {
                    clean = false;
                    cancelEntry(e, "the pool shut down before the task finished");
                }
                delivery.stopDaemon(2_000);
                delivery.processResults();
            } catch (InterruptedException e) {
                interrupted = true;
                clean = false;
            } finally {
                state = RunState.TERMINATED;
                release();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            return clean;
        }
    }

    /** Stops the threads and listeners and removes what this pool kept in the cluster. */
    private void release() {
        leaser.shutdownNow();
        housekeeper.shutdownNow();
        try {
            receiver.join(2_000); // it waits 200 ms at most and sees the state (an interrupt would upset Hazelcast)
            housekeeper.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (hz.getLifecycleService().isRunning()) {
            try {
                hz.getLifecycleService().removeLifecycleListener(lifecycleListener);
                hz.getCluster().removeMembershipListener(membershipListener);
                claims.removeEntryListener(claimListener);
                results.removeItemListener(resultsListener);
                removeJob(hz, jobId);
            } catch (RuntimeException e) {
                LOG.warn("{}: could not remove its job {} from the cluster; members will when its lease expires",
                        name, jobId, e);
            }
        }
        if (ownsInstance) {
            hz.shutdown();
        }
    }

    /**
     * Removes a job's traces from the cluster: its waiting tasks, claims, results and lease. Used by the pool
     * when it shuts down and by members for a pool that died.
     */
    static void removeJob(HazelcastInstance hz, String jobId) {
        IQueue<Wire.Task> queue = hz.getQueue(Wire.TASKS);
        List<Wire.Task> leftovers = new ArrayList<>();
        for (Wire.Task t : queue) {
            if (jobId.equals(t.jobId)) {
                leftovers.add(t);
            }
        }
        if (!leftovers.isEmpty()) {
            queue.removeAll(leftovers);
        }
        hz.getMap(Wire.claims(jobId)).destroy();
        hz.getQueue(Wire.results(jobId)).destroy();
        hz.getMap(Wire.JOBS).remove(jobId);
    }

    @Override
    public boolean isShutdown() {
        return state != RunState.RUNNING;
    }

    @Override
    public boolean isTerminated() {
        return state == RunState.TERMINATED;
    }

    // ======================================================================================= lease, loss

    private void renewLease() {
        try {
            Wire.Lease next = lease.renewed();
            if (jobs.replace(jobId, next) == null) {
                lost("the cluster dropped this pool: its lease was not renewed within "
                        + config.getLeaseTimeout().toSeconds() + " s");
                return;
            }
            lease = next;
        } catch (Throwable e) { // a scheduled task that throws is never run again: this one must not
            if (state == RunState.RUNNING && hz.getLifecycleService().isRunning()) {
                LOG.warn("{}: renewing its lease failed; retrying", name, e);
            }
        }
    }

    private void onLifecycle(LifecycleEvent event) {
        if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN && state == RunState.RUNNING) {
            lost("the Hazelcast " + (ownsInstance ? "client" : "instance") + " shut down (cluster unreachable for "
                    + config.getConnectTimeout().toSeconds() + " s, or stopped)");
        }
    }

    /** The pool cannot reach its tasks any more: they fail, and no more are accepted. */
    private void lost(String why) {
        if (brokenReason != null) {
            return;
        }
        brokenReason = why;
        LOG.error("{}: {}; its unfinished tasks fail", name, why);
        for (TaskLedger.Entry e : ledger.openEntries()) {
            TaskLedger.Finished f = ledger.finish(e.seq);
            if (f != null) {
                List<String> tail = new ArrayList<>(e.lostAttempts);
                tail.add(why);
                complete(f, null, new WorkerDiedException(e.current.taskId, -1, -1, tail), -1, 0);
            }
        }
    }

    // =========================================================================================== getters

    /** The workers of the members now in the cluster (what they announce), at least 1. */
    @Override
    public int getMaxSize() {
        int n = 0;
        try {
            for (Member m : hz.getCluster().getMembers()) {
                String w = m.getAttribute(Wire.ATTRIBUTE_WORKERS);
                if (w != null) {
                    n += Integer.parseInt(w);
                }
            }
        } catch (RuntimeException e) {
            // no cluster right now
        }
        return Math.max(1, n);
    }

    /** This pool's tasks waiting for a member to take them (running ones not included). */
    @Override
    public int getNumPendingTasks() {
        return ledger.waiting();
    }

    /**
     * This pool's tasks a member holds.
     *
     * @return how many, running or about to run
     */
    public int getNumRunningTasks() {
        return ledger.running();
    }

    @Override
    public boolean isFull() {
        return waitingSlots != null && waitingSlots.availablePermits() == 0;
    }

    @Override
    public boolean isWorking() {
        return ledger.size() > 0;
    }

    /**
     * The members now in the cluster.
     *
     * @return their addresses, {@code host:port}
     */
    public List<String> getMembers() {
        return ClusterConfigs.members(hz);
    }

    /**
     * The id under which this pool's tasks, claims and results live in the cluster.
     *
     * @return the id
     */
    public String getJobId() {
        return jobId;
    }

    /**
     * The settings this pool was made with.
     *
     * @return the configuration
     */
    public ClusterPoolConfig getConfig() {
        return config;
    }

    @Override
    public String toString() {
        return name + "[" + state + ", cluster " + config.getClusterName() + ", waiting=" + ledger.waiting()
                + ", running=" + ledger.running() + "]";
    }

    // =========================================================================================== helpers

    /** Links a task's outcome to the task, its callbacks and its placement. */
    private final class Completion implements TaskCompletion {
        private final ProcessTask task;
        private long workerPid = -1;
        private long runNanos;
        private List<TaskException> earlierFailures = List.of();
        private boolean quarantined;

        Completion(ProcessTask task) {
            this.task = task;
        }

        void outcome(long pid, long nanos, TaskPlacement placement, List<TaskException> earlier,
                     boolean quarantinedTask) {
            this.workerPid = pid;
            this.runNanos = nanos;
            this.earlierFailures = earlier;
            this.quarantined = quarantinedTask;
            placements.put(task, placement);
        }

        @Override
        public boolean complete(Object result, TaskException failure, long ignoredPid, long ignoredNanos) {
            idsInUse.remove(task.getTaskID(), task);
            sequenceOf.remove(task);
            return access.record(task, result, failure, workerPid, runNanos, earlierFailures, quarantined, poolCallback,
                    poolExceptionCallback);
        }

        @Override
        public void runCallbacks() {
            access.runCallbacks(task, poolCallback, poolExceptionCallback, name);
        }
    }

    /**
     * The result filter for one stream, with an allocation budget: the arrays a stream announces may not add
     * up to more than 4 elements per byte of it, so a few bytes cannot make this JVM allocate gigabytes.
     */
    private final class BudgetFilter implements ObjectInputFilter {
        private final long budget;
        private long announced;

        BudgetFilter(int streamBytes) {
            this.budget = 4L * streamBytes + 1024;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            long length = info.arrayLength();
            if (length >= 0 && (announced += length) > budget) {
                return Status.REJECTED;
            }
            return filter.checkInput(info);
        }
    }

    /** A wait of {@code timeout} in {@code method}: not negative, and not from a callback of this pool. */
    private void requireWaitable(Duration timeout, String method) {
        Objects.requireNonNull(timeout, "timeout");
        if (delivery.inCallback()) {
            throw new IllegalStateException(method + " cannot be called from a callback of the same pool: it waits "
                    + "for callbacks to run, that one's included");
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
    }

    private static Thread daemon(Runnable r, String threadName) {
        return ClusterConfigs.daemon(r, threadName);
    }

    private static void pause(long millis) {
        ClusterConfigs.pause(millis);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
