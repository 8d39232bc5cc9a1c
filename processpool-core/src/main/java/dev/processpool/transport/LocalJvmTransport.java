package dev.processpool.transport;

import dev.processpool.protocol.FrameReader;
import dev.processpool.protocol.FrameWriter;
import dev.processpool.protocol.Protocol;
import dev.processpool.protocol.ProtocolException;

import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs workers as child JVMs on this machine, each with a private Unix-domain-socket channel (see
 * {@link Protocol}). The socket files live in a directory created with mode 0700 for this transport alone;
 * each worker's socket accepts one connection and is deleted as soon as it has, and the worker must present
 * the random token the parent gave it on stdin. Where this JVM may create cgroups (v2), each worker runs in
 * one of its own ({@link WorkerCgroups}), so that its kill reaches everything it started. Each worker JVM
 * writes its fatal error report into the private directory ({@code -XX:ErrorFile}, unless the pool's options
 * set one), which is kept when the transport closes if it holds any; {@link CrashReport} finds it, and the
 * heap dump, when the worker has exited.
 */
public final class LocalJvmTransport implements WorkerTransport {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LocalJvmTransport.class);
    /**
     * A worker's autogroup nice value is written at its handshake; a write the kernel refuses (one per 100 ms
     * machine-wide for an unprivileged user) is tried again this often, this many times in all.
     */
    static final long AUTOGROUP_RETRY_MILLIS = 150;
    static final int AUTOGROUP_WRITE_ATTEMPTS = 20;


    /**
     * What a worker JVM is launched with.
     *
     * @param idleHeartbeatInterval how often a worker that has waited a while for a task sends a heartbeat
     *                          (see {@code Tuning.idleHeartbeat}); {@code heartbeatInterval} for no slowing down
     * @param cgroups           whether to run each worker in a cgroup of its own where the machine allows it
     * @param cgroupMemoryMax   each worker cgroup's {@code memory.max} in bytes (see {@link WorkerCgroups}), 0 for none
     * @param cgroupPidsMax     each worker cgroup's {@code pids.max}, 0 for none
     * @param heapDumpDirectory where a worker that runs out of heap writes its heap dump, or null for nowhere
     */
    public record Settings(Path javaExecutable, List<String> classPath, List<String> jvmOptions,
                           Map<String, String> environment, Path workingDirectory, Duration startTimeout,
                           int maxFrameBytes, Duration heartbeatInterval, Duration idleHeartbeatInterval,
                           String workerMainClass, Path classDataCache, boolean cgroups, long cgroupMemoryMax,
                           long cgroupPidsMax, Path heapDumpDirectory, int workerNice) {

        /** Settings with cgroups where possible, without cgroup limits or heap dumps. */
        public Settings(Path javaExecutable, List<String> classPath, List<String> jvmOptions,
                        Map<String, String> environment, Path workingDirectory, Duration startTimeout,
                        int maxFrameBytes, Duration heartbeatInterval, String workerMainClass, Path classDataCache) {
            this(javaExecutable, classPath, jvmOptions, environment, workingDirectory, startTimeout, maxFrameBytes,
                    heartbeatInterval, heartbeatInterval, workerMainClass, classDataCache, true, 0, 0, null, 0);
        }
    }

    private final Settings settings;
    private final Path socketDir;
    private final String classPathText;
    /** The workers' class-data cache, or null. */
    private final ClassDataCache cache;
    /** Set once killAll or close has begun: launches failing from then on were stopped by us. */
    private volatile boolean closing;
    /** Every process this transport started that has not exited yet: the last line of defence in close(). */
    private final java.util.Set<Process> live = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Launches under way, by worker number: their process once started (null before), until they return. */
    private final java.util.Map<Integer, java.util.Optional<Process>> launching =
            new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * The launches {@link #abortLaunch} ended, by worker number (unique within the pool): until their
     * {@link #launch} returns or throws, or for good if it had returned already or never began.
     */
    private final java.util.Set<Integer> aborted = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** A cgroup per worker, or null where they cannot be had (see {@link WorkerCgroups}). */
    private final WorkerCgroups cgroups;
    /** Whether this transport chose the workers' {@code -XX:ErrorFile} (the user's options did not). */
    private final boolean ownErrorFile;
    /** The threads every worker of this transport shares (see {@link LocalJvmWorker}). */
    private final LocalJvmWorker.Shared shared;
    /**
     * The start-up timeouts of launches under way, cancelled once a launch has settled. One thread, ended
     * after a few idle seconds: the JDK's delayed executor, used before, ran every timeout, settled or not,
     * {@code startTimeout} after its launch, on a new thread each on a 2-core machine (128 threads 30 s after
     * 64 workers started).
     */
    private final java.util.concurrent.ScheduledThreadPoolExecutor startTimers;

    public LocalJvmTransport(Settings settings) throws IOException {
        this.settings = settings;
        this.classPathText = String.join(java.io.File.pathSeparator, settings.classPath());
        this.socketDir = PrivateDirectories.create();
        this.cache = ClassDataCache.open(settings.classDataCache(), settings.javaExecutable(),
                settings.classPath(), settings.jvmOptions(), settings.workerMainClass());
        if (settings.heapDumpDirectory() != null) {
            try {
                Files.createDirectories(settings.heapDumpDirectory());
            } catch (IOException e) {
                throw new IOException("cannot create the heap dump directory " + settings.heapDumpDirectory() + ": " + e, e);
            }
        }
        this.ownErrorFile = settings.jvmOptions().stream().noneMatch(o -> o.startsWith("-XX:ErrorFile="));
        this.cgroups = settings.cgroups() ? WorkerCgroups.open(settings.cgroupMemoryMax(), settings.cgroupPidsMax())
                : null;
        String name = "processpool-transport-" + TRANSPORTS.incrementAndGet();
        java.util.concurrent.atomic.AtomicInteger exitThreads = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor exits = new java.util.concurrent.ThreadPoolExecutor(0,
                Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, name + "-exit-" + exitThreads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.shared = new LocalJvmWorker.Shared(new ChannelHub(name), new PipeDrainer(name), exits,
                new ProcessTrees.GroupSignaller());
        this.startTimers = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name + "-start-timeouts");
            t.setDaemon(true);
            return t;
        });
        startTimers.setRemoveOnCancelPolicy(true);
        startTimers.setKeepAliveTime(5, TimeUnit.SECONDS);
        startTimers.allowCoreThreadTimeOut(true);
    }

    /** The directory of this transport's worker cgroups, or null when it runs none. */
    Path cgroupDirectory() {
        return cgroups == null ? null : cgroups.directory();
    }

    private static final java.util.concurrent.atomic.AtomicInteger TRANSPORTS = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * How many worker JVMs of one transport boot at once (from their start to their handshake), by default half
     * the cores, at least one; {@code -Dprocesspool.transport.concurrentBoots=N} sets it. A JVM's start-up
     * keeps more than one core busy for tens of milliseconds (class loading and linking, the JIT's threads), so
     * on a small machine two JVMs booting at once each take nearly twice as long: one after the other, the
     * first worker is ready, and takes the first task, sooner. A launch waits for a boot slot at most
     * {@link #BOOT_SLOT_WAIT_MILLIS}, then boots anyway: a worker that is slow to start (a long static
     * initialiser, an agent, a hung main) must not hold back the pool's other launches for its start timeout.
     */
    static final int CONCURRENT_BOOTS = Math.max(1, Integer.getInteger("processpool.transport.concurrentBoots",
            Runtime.getRuntime().availableProcessors() / 2));
    /** The longest a launch waits for a boot slot: about two JVM boots' time on a small machine. */
    static final long BOOT_SLOT_WAIT_MILLIS = 250;
    private final java.util.concurrent.Semaphore boots = new java.util.concurrent.Semaphore(CONCURRENT_BOOTS, true);

    @Override
    public WorkerChannel launch(int workerNumber, WorkerEvents events) throws IOException, InterruptedException {
        launching.put(workerNumber, java.util.Optional.empty());
        try {
            boolean slot = boots.tryAcquire(BOOT_SLOT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            try {
                if (aborted.contains(workerNumber)) {
                    throw new IOException("the launch of worker " + workerNumber + " was ended: the pool stops");
                }
                return boot(workerNumber, events);
            } finally {
                if (slot) {
                    boots.release();
                }
            }
        } finally {
            launching.remove(workerNumber);
            aborted.remove(workerNumber);
        }
    }

    @Override
    public void abortLaunch(int workerNumber) {
        // marked first: a launch that begins or starts its JVM after this sees the mark (launch, boot)
        aborted.add(workerNumber);
        java.util.Optional<Process> under = launching.get(workerNumber);
        if (under != null && under.isPresent()) {
            killLaunched(under.get());
        }
    }

    private void killLaunched(Process p) {
        if (p.isAlive()) {
            ProcessTrees.signal(p.toHandle(), ProcessTrees.setsid() != null, true, shared.groups());
        }
    }

    /** Starts a worker JVM and completes its handshake (see {@link #CONCURRENT_BOOTS}). */
    private WorkerChannel boot(int workerNumber, WorkerEvents events) throws IOException {
        Path socketPath = socketDir.resolve("w" + workerNumber + ".sock");
        Files.deleteIfExists(socketPath);
        String token = Handshake.newToken();
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        Process process = null;
        SocketChannel channel = null;
        ChannelIo io = null;
        LocalJvmWorker worker = null;
        AtomicBoolean settled = new AtomicBoolean();
        AtomicBoolean timedOut = new AtomicBoolean();
        List<java.util.concurrent.Future<?>> timeouts = new ArrayList<>(2);
        List<String> jvmOptions = cache == null ? settings.jvmOptions() : cache.workerOptions(settings.jvmOptions());
        WorkerCgroups.Group cgroup = null;
        try {
            cgroup = cgroups == null ? null : cgroups.newGroup(workerNumber);
        } catch (IOException e) {
            LOG.warn("processpool: could not create a cgroup for worker {}: {}; it is killed by process group",
                    workerNumber, e.toString());
        }
        try {
            server.bind(UnixDomainSocketAddress.of(socketPath), 1);
            ProcessBuilder pb = new ProcessBuilder(command(workerNumber, socketPath, jvmOptions, cgroup))
                    .directory(settings.workingDirectory().toFile());
            Map<String, String> env = pb.environment();
            settings.environment().forEach((k, v) -> {
                if (v == null) {
                    env.remove(k);
                } else {
                    env.put(k, v);
                }
            });
            process = pb.start();
            if (cgroup != null) {
                // Before the worker has its token: no task code of it has run, no process of it has been started.
                try {
                    cgroup.enter(process.pid());
                } catch (IOException e) {
                    LOG.warn("processpool: could not move worker {} (pid {}) into {}: {}; it is killed by process"
                            + " group", workerNumber, process.pid(), cgroup, e.toString());
                    cgroup.remove();
                    cgroup = null;
                }
            }
            Process started = process;
            live.add(started);
            process.onExit().thenRun(() -> live.remove(started));
            launching.put(workerNumber, java.util.Optional.of(started));
            if (aborted.contains(workerNumber)) {
                killLaunched(started); // ended while it was being started: its exit ends the wait below
            }
            worker = new LocalJvmWorker(workerNumber, process, ProcessTrees.setsid() != null, events, shared, cgroup,
                    ownErrorFile ? errorFile(process.pid()) : null, heapDump(process.pid()));
            OutputStream stdin = process.getOutputStream();
            stdin.write((token + "\n").getBytes(StandardCharsets.US_ASCII));
            stdin.flush();

            // Watchdog: a worker that dies or dawdles during start-up must not block this thread.
            ServerSocketChannel serverRef = server;
            Process processRef = process;
            Runnable abort = () -> {
                if (!settled.get()) {
                    timedOut.set(true);
                    closeQuietly(serverRef);
                    processRef.destroyForcibly();
                }
            };
            process.onExit().thenRun(() -> closeQuietly(serverRef));
            timeouts.add(startTimers.schedule(abort, settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS));

            channel = server.accept();
            Protocol.tuneSocket(channel);
            closeQuietly(server);
            Files.deleteIfExists(socketPath);
            SocketChannel channelRef = channel;
            process.onExit().thenRun(() -> {
                if (!settled.get()) {
                    closeQuietly(channelRef);
                }
            });
            timeouts.add(startTimers.schedule(() -> {
                if (!settled.get()) {
                    timedOut.set(true);
                    closeQuietly(channelRef);
                }
            }, settings.startTimeout().toMillis(), TimeUnit.MILLISECONDS));

            io = new ChannelIo(channel);
            FrameReader reader = new FrameReader(worker.trackActivity(io.input()), settings.maxFrameBytes());
            FrameWriter writer = new FrameWriter(io.output());
            Handshake.perform(reader, writer, token, process.pid(), settings.heartbeatInterval(),
                    settings.idleHeartbeatInterval());
            if (!settled.compareAndSet(false, true)) {
                throw new IOException("start-up timed out");
            }
            worker.connected(io, reader, writer);
            if (settings.workerNice() > 0 && ProcessTrees.setsid() != null) {
                // its own session by now (it has answered): its autogroup yields to the pool as the JVM does
                int nice = settings.workerNice();
                Process answered = process;
                ProcessTrees.setAutogroupNiceRetrying(() -> ProcessTrees.setAutogroupNice(answered.pid(), nice),
                        answered::isAlive, AUTOGROUP_WRITE_ATTEMPTS,
                        CompletableFuture.delayedExecutor(AUTOGROUP_RETRY_MILLIS, TimeUnit.MILLISECONDS));
            }
            if (cache != null) {
                cache.workerStarted();
            }
            return worker;
        } catch (IOException | RuntimeException e) {
            settled.set(true);
            closeQuietly(server);
            closeQuietly(io);
            closeQuietly(channel);
            Files.deleteIfExists(socketPath);
            if (cache != null && !closing && !timedOut.get() && !aborted.contains(workerNumber)
                    && !(e instanceof ProtocolException)
                    && process != null && !process.isAlive()) {
                // it exited by itself before its handshake (not killed by us, not too slow, not rejected)
                cache.launchFailed(jvmOptions, describe(e, process, false));
            }
            if (worker != null) {
                throw new IOException(worker.abortLaunch(describe(e, process, timedOut.get())), e);
            }
            if (cgroup != null) {
                cgroup.remove();
            }
            throw new IOException("could not launch worker " + workerNumber + ": " + e.getMessage(), e);
        } finally {
            for (java.util.concurrent.Future<?> t : timeouts) {
                t.cancel(false);
            }
        }
    }

    /**
     * Why a launch failed. The cause the parent saw comes first: a worker that was killed at the start-up
     * timeout, or that exits right after a REJECT, has exited too, but "exited" would hide why (abortLaunch
     * appends the exit code anyway).
     */
    private String describe(Exception e, Process process, boolean timedOut) {
        if (timedOut) {
            return "worker did not complete the handshake within " + settings.startTimeout().toMillis() + " ms";
        }
        if (e instanceof ProtocolException) {
            return String.valueOf(e.getMessage());
        }
        if (process != null && exitedOnItsOwn(process)) {
            return "worker exited during start-up with exit code " + process.exitValue();
        }
        return String.valueOf(e.getMessage());
    }

    /**
     * Whether the worker has exited, allowing it a moment: a worker that exits at once makes the parent's
     * write of its token fail ("Broken pipe") before its exit is reaped, and the same start error must read the
     * same whichever the parent saw first (the start give-up counts launches that failed with the same error).
     */
    private static boolean exitedOnItsOwn(Process process) {
        try {
            return process.waitFor(EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** How long a failed launch waits for its worker's exit before it says why it failed. */
    private static final long EXIT_GRACE_MILLIS = 500;

    private List<String> command(int workerNumber, Path socketPath, List<String> jvmOptions,
                                 WorkerCgroups.Group cgroup) {
        List<String> cmd = new ArrayList<>();
        if (ProcessTrees.setsid() != null) {
            cmd.add(ProcessTrees.setsid());
        }
        if (settings.workerNice() > 0 && ProcessTrees.nice() != null) {
            cmd.add(ProcessTrees.nice()); // the JVM and all it starts; its autogroup follows at the handshake
            cmd.add("-n");
            cmd.add(Integer.toString(settings.workerNice()));
        }
        cmd.add(settings.javaExecutable().toString());
        cmd.addAll(jvmOptions);
        if (ownErrorFile) {
            cmd.add("-XX:ErrorFile=" + socketDir.resolve(ERROR_FILE_PREFIX + "%p.log"));
        }
        if (settings.heapDumpDirectory() != null) {
            cmd.add("-XX:+HeapDumpOnOutOfMemoryError");
            cmd.add("-XX:HeapDumpPath=" + settings.heapDumpDirectory());
            cmd.add("-D" + Protocol.HEAP_DUMP_PROPERTY + "=" + settings.heapDumpDirectory());
        }
        if (cgroup != null) {
            cmd.add("-D" + Protocol.CGROUP_PROPERTY + "=" + cgroup.directory());
        }
        cmd.add("-Dprocesspool.worker=" + workerNumber);
        cmd.add("-cp");
        cmd.add(classPathText);
        cmd.add(settings.workerMainClass());
        cmd.add(socketPath.toString());
        return cmd;
    }

    /** How the JVM's fatal error reports in the private directory begin: {@code hs_err_pid<pid>.log}. */
    static final String ERROR_FILE_PREFIX = "hs_err_pid";

    /** Where the worker with this pid writes its fatal error report. */
    private Path errorFile(long pid) {
        return socketDir.resolve(ERROR_FILE_PREFIX + pid + ".log");
    }

    /** Where the worker with this pid writes its heap dump, or null when it writes none. */
    private Path heapDump(long pid) {
        Path dir = settings.heapDumpDirectory();
        return dir == null ? null : dir.resolve(Protocol.heapDumpName(pid));
    }

    static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public void killAll() {
        closing = true;
        if (cgroups != null) {
            cgroups.killAll();
        }
        for (Process p : live) {
            if (p.isAlive()) {
                ProcessTrees.signal(p.toHandle(), ProcessTrees.setsid() != null, true, shared.groups());
            }
        }
    }

    @Override
    public void close() {
        killAll();
        for (Process p : live) {
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (cache != null) {
            cache.close(); // a training still running: a last chance to finish, then killed
        }
        if (cgroups != null) {
            cgroups.close();
        }
        // The workers' crash reports stay (WorkerDiedException names them), and with them the directory.
        try (var files = Files.list(socketDir)) {
            files.filter(f -> !f.getFileName().toString().startsWith(ERROR_FILE_PREFIX)).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // already gone
        }
        if (!socketDir.toFile().delete() && Files.isDirectory(socketDir)) {
            LOG.info("processpool: workers' JVM crash reports kept in {}", socketDir);
        }
        shared.hub().close();
        shared.pipes().close();
        shared.exits().shutdown();
        startTimers.shutdownNow();
        shared.groups().close();
    }
}
