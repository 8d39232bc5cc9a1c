package dev.processpool.transport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One cgroup (v2) per worker, in a directory of cgroups this transport creates below the cgroup this JVM runs
 * in: {@code <own cgroup>/processpool-<owner pid>-<owner start ms>-<n>/worker-<number>}. A worker is moved
 * into its group right after it is started, before it is given its token, so before any task code runs; every
 * process it starts is born in the group and stays there whatever it does to its session or process group
 * ({@code setsid}, double forks). Killing the worker writes {@code cgroup.kill}: one write, and the kernel
 * SIGKILLs every process in the group, those that escaped the process group included. On kernels without
 * {@code cgroup.kill} (before 5.14) the group is frozen, its members are SIGKILLed one by one, and it is thawed.
 *
 * <p>Available only where this JVM may create cgroups below its own (a delegated subtree, as under a systemd
 * user session or in a container with its own cgroup namespace, or as root) and may move its children into
 * them; elsewhere {@link #open} returns null, says why once in the log, and workers are killed by process group
 * as before. Where the {@code memory} or {@code pids} controller is enabled for this JVM's cgroup's children,
 * each worker group also gets {@code memory.max} (with {@code memory.oom.group}) and {@code pids.max}. The
 * pool never writes to a cgroup it did not create: not to its own (whose controllers it only reads), not to
 * any other. It removes its groups when their workers are gone and its directory when closed; directories that
 * pools of dead processes left behind (named for an owner that no longer runs, holding only
 * {@code worker-<n>} groups) are emptied and removed by the next pool.
 */
final class WorkerCgroups implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WorkerCgroups.class);

    private static final Pattern POOL_NAME = Pattern.compile("processpool-(\\d+)-(\\d+)-\\d+");
    private static final Pattern WORKER_NAME = Pattern.compile("worker-\\d+");
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final AtomicBoolean TOLD = new AtomicBoolean();
    /** How long removing a group waits for its killed members to be gone. */
    private static final long EMPTY_WAIT_MILLIS = 2000;

    private final Path poolDir;
    private final long memoryMax;
    private final long pidsMax;
    /** Whether the groups get {@code memory.max}, {@code pids.max}: the controller is enabled for them. */
    private volatile boolean memory;
    private volatile boolean pids;
    /** The groups created and not removed yet (thread-safe). */
    private final Set<Group> groups = ConcurrentHashMap.newKeySet();

    private WorkerCgroups(Path poolDir, long memoryMax, long pidsMax) {
        this.poolDir = poolDir;
        this.memoryMax = memoryMax;
        this.pidsMax = pidsMax;
    }

    /**
     * The worker groups of a new transport, or null where cgroups cannot be used here (logged once per JVM,
     * like the first success).
     *
     * @param memoryMax each worker's {@code memory.max} in bytes, 0 for none
     * @param pidsMax   each worker's {@code pids.max}, 0 for none
     */
    static WorkerCgroups open(long memoryMax, long pidsMax) {
        return open(Paths.get("/proc/self/mountinfo"), Paths.get("/proc/self/cgroup"), memoryMax, pidsMax, TOLD);
    }

    /**
     * {@link #open(long, long)} with this process's {@code mountinfo} and {@code cgroup} files given, and the
     * flag that says whether the log was told already (tests give their own).
     */
    static WorkerCgroups open(Path mountinfo, Path cgroupFile, long memoryMax, long pidsMax, AtomicBoolean told) {
        String why;
        Path own = null;
        try {
            own = ownCgroup(mountinfo, cgroupFile);
            why = own == null ? "no cgroup v2 hierarchy is mounted, or this process is not in one" : null;
        } catch (IOException | RuntimeException e) {
            why = "cannot read /proc/self/mountinfo or /proc/self/cgroup (" + e + ")";
        }
        WorkerCgroups cgroups = null;
        if (why == null) {
            try {
                cgroups = create(own, memoryMax, pidsMax);
            } catch (IOException | RuntimeException e) {
                why = "cannot create cgroups below " + own + " (" + e.getMessage() + ")";
            }
        }
        boolean first = told.compareAndSet(false, true);
        if (cgroups != null) {
            String text = "processpool: cgroup kill on: each worker runs in a cgroup of its own under {} (a kill"
                    + " writes cgroup.kill; nothing the worker started escapes it){}";
            if (first) {
                LOG.info(text, cgroups.poolDir, cgroups.limits());
            } else {
                LOG.debug(text, cgroups.poolDir, cgroups.limits());
            }
        } else {
            String text = "processpool: cgroup kill off: {}; workers are killed by process group, and a process"
                    + " that a task moved out of it (setsid) survives the kill";
            if (first) {
                LOG.info(text, why);
            } else {
                LOG.debug(text, why);
            }
        }
        return cgroups;
    }

    /** What the log line says about limits. */
    private String limits() {
        StringBuilder sb = new StringBuilder();
        if (memoryMax > 0) {
            sb.append(memory ? "; memory.max " + memoryMax : "; memory.max not set (memory controller not enabled here)");
        }
        if (pidsMax > 0) {
            sb.append(pids ? "; pids.max " + pidsMax : "; pids.max not set (pids controller not enabled here)");
        }
        return sb.toString();
    }

    /**
     * The directory of this process's cgroup v2, from the cgroup2 mount in {@code mountinfo} and the
     * {@code 0::<path>} line of {@code cgroupFile}; null when there is none.
     */
    static Path ownCgroup(Path mountinfo, Path cgroupFile) throws IOException {
        String path = null;
        for (String line : Files.readAllLines(cgroupFile, StandardCharsets.UTF_8)) {
            if (line.startsWith("0::")) {
                path = line.substring(3);
            }
        }
        if (path == null || !path.startsWith("/") || path.endsWith(" (deleted)")) {
            return null;
        }
        for (String line : Files.readAllLines(mountinfo, StandardCharsets.UTF_8)) {
            // id parent major:minor root mount-point options [optional fields] - fstype source super-options
            int dash = line.indexOf(" - ");
            if (dash < 0 || !line.substring(dash + 3).startsWith("cgroup2 ")) {
                continue;
            }
            String[] f = line.substring(0, dash).split(" ");
            if (f.length < 5) {
                continue;
            }
            String root = unescape(f[3]);
            String mount = unescape(f[4]);
            if (root.equals("/")) {
                return Paths.get(mount + path).normalize();
            }
            if (path.equals(root) || path.startsWith(root + "/")) {
                return Paths.get(mount + path.substring(root.length())).normalize();
            }
        }
        return null;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    private static String unescape(String s) {
        Matcher m = Pattern.compile("\\\\([0-7]{3})").matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 8))));
        }
        return m.appendTail(sb).toString();
    }

    /**
     * Creates this transport's directory below {@code own}, after removing what pools of dead processes left
     * there, and enables the controllers its limits need where {@code own} offers them.
     */
    static WorkerCgroups create(Path own, long memoryMax, long pidsMax) throws IOException {
        if (!Files.isWritable(own) || !Files.isWritable(own.resolve("cgroup.procs"))) {
            throw new IOException("not writable by this user");
        }
        sweepStale(own);
        ProcessHandle me = ProcessHandle.current();
        Path dir = own.resolve("processpool-" + me.pid() + "-" + startMillis(me) + "-" + POOLS.incrementAndGet());
        Files.createDirectory(dir);
        WorkerCgroups cgroups = new WorkerCgroups(dir, memoryMax, pidsMax);
        StringBuilder enable = new StringBuilder();
        List<String> offered = words(own.resolve("cgroup.subtree_control"));
        if (memoryMax > 0 && offered.contains("memory")) {
            enable.append("+memory ");
        }
        if (pidsMax > 0 && offered.contains("pids")) {
            enable.append("+pids ");
        }
        if (enable.length() > 0) {
            try {
                write(dir.resolve("cgroup.subtree_control"), enable.toString().trim());
            } catch (IOException e) {
                LOG.warn("processpool: cannot enable {}in {}: {}", enable, dir, e.getMessage());
            }
        }
        cgroups.memory = memoryMax > 0 && cgroups.enabled("memory");
        cgroups.pids = pidsMax > 0 && cgroups.enabled("pids");
        return cgroups;
    }

    /** Whether this transport's groups have {@code controller}. */
    private boolean enabled(String controller) {
        List<String> on = words(poolDir.resolve("cgroup.subtree_control"));
        return on.contains(controller) || on.contains("+" + controller); // the latter: a plain directory in tests
    }

    /** The start of a process in ms since the epoch, 0 when unknown. */
    private static long startMillis(ProcessHandle p) {
        return p.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
    }

    /**
     * Empties and removes the directories that pools of dead processes left in {@code own}: only those whose
     * name says a pool made them (for an owner pid and start time that no running process has now) and that
     * hold nothing but worker groups. Their leftover processes are what the dead pool started: they are killed.
     */
    static void sweepStale(Path own) {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(own, "processpool-*")) {
            for (Path dir : dirs) {
                Matcher m = POOL_NAME.matcher(dir.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                long owner = Long.parseLong(m.group(1));
                long started = Long.parseLong(m.group(2));
                boolean ownerRuns = ProcessHandle.of(owner).filter(ProcessHandle::isAlive)
                        .map(h -> startMillis(h) == started || startMillis(h) == 0).orElse(false);
                if (ownerRuns || !onlyWorkerGroups(dir)) {
                    continue;
                }
                try (DirectoryStream<Path> workers = Files.newDirectoryStream(dir)) {
                    for (Path w : workers) {
                        if (Files.isDirectory(w, LinkOption.NOFOLLOW_LINKS)) {
                            new Group(null, w).remove();
                        }
                    }
                }
                Files.deleteIfExists(dir);
                LOG.debug("processpool: removed {}, left behind by a pool whose process is gone", dir);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("processpool: could not sweep stale cgroups in {}: {}", own, e.toString());
        }
    }

    private static boolean onlyWorkerGroups(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path e : entries) {
                if (Files.isDirectory(e, LinkOption.NOFOLLOW_LINKS)
                        && !WORKER_NAME.matcher(e.getFileName().toString()).matches()) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Creates the group of worker {@code number}, with the limits this transport enforces.
     *
     * @throws IOException if it cannot be created
     */
    Group newGroup(int number) throws IOException {
        Path dir = poolDir.resolve("worker-" + number);
        Files.createDirectory(dir);
        Group g = new Group(this, dir);
        groups.add(g);
        try {
            if (memory) {
                write(dir.resolve("memory.max"), Long.toString(memoryMax));
                write(dir.resolve("memory.oom.group"), "1");
            }
            if (pids) {
                write(dir.resolve("pids.max"), Long.toString(pidsMax));
            }
        } catch (IOException e) {
            g.remove();
            throw e;
        }
        return g;
    }

    /** SIGKILLs every process in every group of this transport (they are removed when their workers exit). */
    void killAll() {
        for (Group g : groups) {
            g.kill();
        }
    }

    /** Kills what is left in the groups, removes them and this transport's directory. */
    @Override
    public void close() {
        for (Group g : groups) {
            g.remove();
        }
        try {
            Files.deleteIfExists(poolDir);
        } catch (IOException e) {
            LOG.warn("processpool: could not remove {}: {}", poolDir, e.getMessage());
        }
    }

    /** This transport's directory (for tests and the log). */
    Path directory() {
        return poolDir;
    }

    /** One worker's cgroup. */
    static final class Group {
        private final WorkerCgroups owner;
        private final Path dir;

        private Group(WorkerCgroups owner, Path dir) {
            this.owner = owner;
            this.dir = dir;
        }

        /** The group's directory. */
        Path directory() {
            return dir;
        }

        /** Moves the process {@code pid} (all its threads) into the group. */
        void enter(long pid) throws IOException {
            write(dir.resolve("cgroup.procs"), Long.toString(pid));
        }

        /** The pids in the group now. */
        List<Long> members() {
            List<Long> pids = new ArrayList<>();
            for (String p : words(dir.resolve("cgroup.procs"))) {
                try {
                    pids.add(Long.parseLong(p));
                } catch (NumberFormatException ignored) {
                    // not a pid
                }
            }
            return pids;
        }

        /** Whether any process is in the group (its {@code cgroup.events} says {@code populated 1}). */
        boolean populated() {
            try {
                return Files.readString(dir.resolve("cgroup.events"), StandardCharsets.US_ASCII).contains("populated 1");
            } catch (IOException | RuntimeException e) {
                return !members().isEmpty();
            }
        }

        /** SIGKILLs every process in the group; never throws. */
        void kill() {
            Path weight = dir.resolve("cpu.weight"); // only where the cpu controller is on for the group
            if (Files.exists(weight)) {
                try {
                    write(weight, "1"); // its teardown runs on what the pool leaves over (a timeout storm)
                } catch (IOException | RuntimeException e) {
                    // the kill matters, not its weight
                }
            }
            try {
                write(dir.resolve("cgroup.kill"), "1");
                return;
            } catch (IOException | RuntimeException e) {
                // no cgroup.kill (kernel before 5.14): freeze, kill one by one, thaw
            }
            boolean frozen = false;
            try {
                write(dir.resolve("cgroup.freeze"), "1");
                frozen = true;
            } catch (IOException | RuntimeException e) {
                // kill them running
            }
            long self = ProcessHandle.current().pid();
            for (int round = 0; round < 3; round++) {
                List<Long> pids = members();
                if (pids.isEmpty()) {
                    break;
                }
                for (long pid : pids) {
                    if (pid != self) {
                        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
            }
            if (frozen) {
                try {
                    write(dir.resolve("cgroup.freeze"), "0");
                } catch (IOException | RuntimeException ignored) {
                    // being removed anyway
                }
            }
        }

        /**
         * Kills what is left in the group, waits (up to {@value #EMPTY_WAIT_MILLIS} ms) until it is empty and
         * removes it; never throws. A group that does not empty in time stays (logged), for the transport's
         * close or the next pool's sweep.
         *
         * @return whether the group is gone
         */
        boolean remove() {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EMPTY_WAIT_MILLIS);
            try {
                if (populated()) {
                    kill();
                }
                for (long pause = 1; populated(); pause = Math.min(pause * 2, 50)) {
                    if (System.nanoTime() > deadline) {
                        LOG.warn("processpool: {} still holds {} after its kill; left for later", dir, members());
                        return false;
                    }
                    Thread.sleep(pause); // the kernel tells no one when a group empties but through inotify
                }
                Files.deleteIfExists(dir);
                if (owner != null) {
                    owner.groups.remove(this);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (IOException | RuntimeException e) {
                LOG.warn("processpool: could not remove {}: {}", dir, e.toString());
                return false;
            }
        }

        @Override
        public String toString() {
            return dir.toString();
        }
    }

    /** One write(2) of {@code text}, as cgroup files want it. */
    private static void write(Path file, String text) throws IOException {
        Files.write(file, text.getBytes(StandardCharsets.US_ASCII));
    }

    /** The words of a small file, none when it cannot be read. */
    private static List<String> words(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).trim();
            return s.isEmpty() ? List.of() : List.of(s.split("\\s+"));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
