package dev.processpool.transport;

import dev.processpool.protocol.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The workers' class-data cache ({@code PoolConfig.classDataCache}): an AppCDS dynamic archive for a JDK 13
 * to 24 worker JVM, an AOT cache (JEP 483/514) for JDK 25 and later.
 *
 * <p>One archive per key, the SHA-256 of the worker JVM (real path, {@code release} file, size and time of
 * {@code lib/modules}), each class-path jar (path, size, time), the JVM options and the worker main class. A
 * missing archive is made by a training JVM launched in the background (the worker main class with
 * {@code --train}; {@code WorkerMain}'s training is the handshake, task payloads, a lambda's
 * deserialisation and results, against an in-process parent, and a custom main class may train its own
 * start-up first) that exits normally, which is when the JVM writes the archive. Across processes, {@code <archive>.lock} (created atomically) lets one
 * training run per key; the archive is written under a temporary name, checked by a JVM that must map it
 * ({@code -Xshare:on} / {@code -XX:AOTMode=on}; a truncated dynamic archive crashes a JDK 17 JVM instead of
 * being ignored), and only then renamed into place. A lock older than {@link #STALE_LOCK} is taken over, so a
 * failed or killed training is retried after that long.
 *
 * <p>Training starts once the pool's first worker has completed its handshake, not to compete with it for
 * the CPUs. Workers launched while there is no archive start without one. Workers launched with one get
 * {@code -Xlog:cds*=off} (JDK 25+: {@code -Xlog:aot*=off,cds*=off}) ahead of the pool's JVM options, so a
 * JVM that rejects the archive falls back silently instead of printing into the task output. A damaged
 * archive can crash a JDK 17 JVM at start-up instead: a worker that fails to start with the archive turns the
 * cache off for its pool and deletes the file (the pool's next launch goes without it).
 *
 * <p>Training, checking and renaming are done by an {@link ArchiveTrainer} JVM in its own session, without
 * the workers' parent watch; the training JVM halts itself after
 * {@value dev.processpool.protocol.Protocol#TRAINING_LIMIT_SECONDS} s at most. Nothing of it outlives the
 * pool: at the pool's close ({@link #close()}) a training still running is given up to
 * {@link #TRAINING_WAIT_AT_CLOSE_SECONDS} s to finish (so that a short-lived program still leaves an archive
 * for its next run), and is then killed with the JVMs it started, its lock and temporary file removed (the
 * next pool trains again).
 */
public final class ClassDataCache {

    private static final Logger LOG = LoggerFactory.getLogger(ClassDataCache.class);
    /** Why caches were off or failed, each logged once per JVM. */
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    /** A lock file this old belongs to a training that died: take it over. */
    static final Duration STALE_LOCK = Duration.ofMinutes(10);
    /** Bumped when the training or the way archives are used changes, to leave old archives alone. */
    private static final String FORMAT = "processpool-cds-2";
    /** How long the pool's close waits for a training still running before it kills it. */
    static final int TRAINING_WAIT_AT_CLOSE_SECONDS = 30;

    private enum Kind { APP_CDS, AOT }

    private final Kind kind;
    private final Path java;
    private final String classPathText;
    private final String mainClass;
    /** The pool's JVM options as the archive is trained and used with (AOT: without -Xshare:auto). */
    private final List<String> options;
    private final Path archive;
    private final Path lock;
    private volatile boolean ready;
    private volatile boolean disabled;
    /** The trainer this pool started, while it may still run; null before and after. */
    private volatile Process trainer;
    /** The trainer's temporary archive, removed if the trainer is killed. */
    private volatile Path trainerTemp;
    private final java.util.concurrent.atomic.AtomicBoolean trainingConsidered =
            new java.util.concurrent.atomic.AtomicBoolean();

    private ClassDataCache(Kind kind, Path java, String classPathText, String mainClass, List<String> options,
                           Path archive) {
        this.kind = kind;
        this.java = java;
        this.classPathText = classPathText;
        this.mainClass = mainClass;
        this.options = options;
        this.archive = archive;
        this.lock = archive.resolveSibling(archive.getFileName() + ".lock");
    }

    /** {@link #open(Path, Path, List, List, String)} for the core's worker main class. */
    static ClassDataCache open(Path directory, Path java, List<String> classPath, List<String> jvmOptions) {
        return open(directory, java, classPath, jvmOptions, Protocol.WORKER_MAIN_CLASS);
    }

    /**
     * The cache for these workers, or null when it is off for them (logged once). Never throws: any problem
     * turns the cache off.
     *
     * @param mainClass the workers' main class, which trains the archive ({@code --train})
     */
    static ClassDataCache open(Path directory, Path java, List<String> classPath, List<String> jvmOptions,
                               String mainClass) {
        if (directory == null) {
            return null;
        }
        try {
            String problem = null;
            int feature = featureVersion(java);
            Kind kind = feature >= 25 ? Kind.AOT : feature >= 13 ? Kind.APP_CDS : null;
            if (kind == null) {
                problem = feature < 0 ? "the version of " + java + " is unknown (no readable release file)"
                        : "JDK " + feature + " workers have no dynamic archives (JDK 13+)";
            }
            for (String entry : classPath) {
                if (problem == null && (entry.isEmpty() || !Files.isRegularFile(Path.of(entry)))) {
                    problem = "class-path entry '" + entry + "' is not a jar (archives need a class path of jars)";
                }
            }
            List<String> options = new ArrayList<>();
            for (String o : jvmOptions) {
                if (problem != null) {
                    break;
                }
                if (o.equals("-Xshare:auto")) {
                    if (kind == Kind.APP_CDS) {
                        options.add(o);
                    }
                } else if (o.startsWith("-Xshare") || o.startsWith("-XX:SharedArchiveFile")
                        || o.startsWith("-XX:ArchiveClassesAtExit") || o.startsWith("-XX:AOT")
                        || o.contains("AutoCreateSharedArchive")) {
                    problem = "the JVM options set class sharing themselves (" + o + ")";
                } else {
                    options.add(o);
                }
            }
            if (problem != null) {
                logOnce("classDataCache is off for workers of " + java + ": " + problem);
                return null;
            }
            Files.createDirectories(directory);
            String key = key(kind, java, classPath, options, mainClass);
            Path archive = directory.resolve("worker-" + key + (kind == Kind.AOT ? ".aot" : ".jsa"));
            ClassDataCache cache = new ClassDataCache(kind, java,
                    String.join(File.pathSeparator, classPath), mainClass, List.copyOf(options), archive);
            cache.ready = Files.isRegularFile(archive);
            return cache;
        } catch (IOException | RuntimeException e) {
            logOnce("classDataCache is off: " + e);
            return null;
        }
    }

    /** The JVM options for a worker launched now (the pool's own options when there is no archive yet). */
    List<String> workerOptions(List<String> poolOptions) {
        if (!isReady()) {
            return poolOptions;
        }
        List<String> opts = new ArrayList<>();
        opts.add(silencer()); // first, so that a -Xlog of the pool's options can still turn them on
        opts.addAll(options);
        opts.add((kind == Kind.AOT ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=") + archive);
        return opts;
    }

    private boolean isReady() {
        if (disabled) {
            return false;
        }
        if (!ready && Files.isRegularFile(archive)) {
            ready = true; // trained since this pool started
        }
        return ready;
    }

    /**
     * A worker completed its handshake: the first time, start a training JVM if the archive is missing. (Not
     * earlier: on a small machine it would compete with the pool's first workers for the CPUs.)
     */
    void workerStarted() {
        if (ready || disabled || !trainingConsidered.compareAndSet(false, true) || isReady()) {
            return;
        }
        try {
            train();
        } catch (IOException | RuntimeException e) {
            logOnce("no class-data archive for workers (" + archive.getFileName() + "): " + e);
        }
    }

    /**
     * A worker launched with {@code usedOptions} exited by itself before its handshake (the caller leaves
     * out workers it killed or that were too slow). If the options named the archive, this pool stops
     * using it, and the file goes (a checked archive that fails later was damaged; at worst a good one is
     * trained again).
     */
    void launchFailed(List<String> usedOptions, String reason) {
        String named = "=" + archive;
        boolean usedArchive = false;
        for (String o : usedOptions) {
            usedArchive |= o.endsWith(named);
        }
        if (usedArchive && !disabled) {
            disabled = true;
            try {
                Files.deleteIfExists(archive);
            } catch (IOException ignored) {
                // it is not used by this pool any more anyway
            }
            LOG.info("a worker failed to start with the class-data archive {}, now deleted; this pool goes on"
                    + " without it ({})", archive, reason);
        }
    }

    /** The archive file (it may not exist yet). */
    public Path archive() {
        return archive;
    }

    private String silencer() {
        return kind == Kind.AOT ? "-Xlog:aot*=off,cds*=off" : "-Xlog:cds*=off";
    }

    // ========================================================================================== training

    /**
     * Starts an {@link ArchiveTrainer} JVM unless another training (in any process) holds this key's lock.
     * The trainer runs in its own session and finishes without this JVM.
     */
    private void train() throws IOException {
        if (!takeLock()) {
            return;
        }
        Path temp = archive.resolveSibling("worker-training-" + ProcessHandle.current().pid() + "-"
                + System.nanoTime() + (kind == Kind.AOT ? ".aot" : ".jsa"));
        List<String> cmd = new ArrayList<>();
        if (ProcessTrees.setsid() != null) {
            cmd.add(ProcessTrees.setsid());
        }
        cmd.addAll(ArchiveTrainer.command(kind == Kind.AOT, java, archive, temp, lock, classPathText, mainClass,
                silencer(), options));
        long t0 = System.nanoTime();
        Process p;
        try {
            p = ArchiveTrainer.start(cmd, archive.getParent());
        } catch (IOException | RuntimeException e) {
            logOnce("no class-data archive for workers (" + archive.getFileName() + "): could not start the "
                    + "training: " + e + "; next attempt in " + STALE_LOCK.toMinutes() + " min");
            return;
        }
        LOG.debug("training a class-data archive for workers: {} (pid {})", archive, p.pid());
        trainerTemp = temp;
        trainer = p;
        p.onExit().thenAccept(done -> {
            int code = done.exitValue();
            if (code == 0) {
                LOG.debug("class-data archive ready after {} ms: {}", (System.nanoTime() - t0) / 1_000_000, archive);
                return;
            }
            String why = ArchiveTrainer.Exit.describe(code);
            logOnce("no class-data archive for workers (" + archive.getFileName() + "): " + why
                    + "; next attempt in " + STALE_LOCK.toMinutes() + " min");
        });
    }

    /**
     * At the pool's close: waits up to {@link #TRAINING_WAIT_AT_CLOSE_SECONDS} s for a training this pool
     * started, then kills it and every JVM it started (its own session's process group, and its
     * descendants), and removes its lock and temporary archive, so that the next pool trains again.
     */
    void close() {
        close(Duration.ofSeconds(TRAINING_WAIT_AT_CLOSE_SECONDS));
    }

    /** {@link #close()} with another wait (tests). */
    void close(Duration wait) {
        Process p = trainer;
        if (p == null) {
            return;
        }
        try {
            p.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the kill below still runs
        }
        if (p.isAlive()) {
            List<ProcessHandle> started = p.descendants().toList();
            if (ProcessTrees.setsid() != null) {
                ProcessTrees.signalGroup(p.pid(), true); // its session's group: the trainer and its JVMs
            }
            started.forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            try {
                p.waitFor(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Path temp = trainerTemp;
            try {
                Files.deleteIfExists(temp);
                Files.deleteIfExists(temp.resolveSibling(temp.getFileName() + ".config"));
                Files.deleteIfExists(lock);
            } catch (IOException ignored) {
                // a lock left behind goes stale and is taken over
            }
            logOnce("class-data archive training for workers stopped at the pool's close (it took longer than "
                    + wait.toMillis() + " ms); the next pool trains again");
        }
        trainer = null;
    }

    /** Creates the lock file, taking over a stale one. False if another training holds it. */
    private boolean takeLock() throws IOException {
        for (int attempt = 0; attempt < 2; attempt++) {
            try {
                Files.createFile(lock);
                return true;
            } catch (FileAlreadyExistsException | AccessDeniedException held) {
                try {
                    FileTime time = Files.readAttributes(lock, BasicFileAttributes.class).lastModifiedTime();
                    if (System.currentTimeMillis() - time.toMillis() < STALE_LOCK.toMillis()) {
                        return false;
                    }
                    Files.deleteIfExists(lock); // stale: whoever else sees it stale too races us to createFile
                } catch (NoSuchFileException justReleased) {
                    // try again
                }
            }
        }
        return false;
    }

    // =============================================================================================== key

    private static String key(Kind kind, Path java, List<String> classPath, List<String> options,
                              String mainClass) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        StringBuilder text = new StringBuilder(FORMAT).append('\n').append(kind).append('\n');
        Path realJava = java.toRealPath();
        Path home = realJava.getParent().getParent();
        text.append("java ").append(realJava).append('\n');
        text.append(Files.readString(home.resolve("release"), StandardCharsets.ISO_8859_1)).append('\n');
        appendFile(text, home.resolve("lib").resolve("modules"));
        for (String entry : classPath) {
            appendFile(text, Path.of(entry).toAbsolutePath());
        }
        for (String o : options) {
            text.append("option ").append(o).append('\n');
        }
        text.append("main ").append(mainClass).append('\n');
        byte[] digest = sha.digest(text.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 12);
    }

    private static void appendFile(StringBuilder text, Path file) throws IOException {
        if (!Files.exists(file)) {
            text.append("missing ").append(file).append('\n');
            return;
        }
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        text.append("file ").append(file).append(' ').append(a.size()).append(' ')
                .append(a.lastModifiedTime().toMillis()).append('\n');
    }

    /**
     * The feature version of the JVM behind {@code java}, from the {@code JAVA_VERSION} line of the
     * {@code release} file in its home; -1 if unknown.
     */
    static int featureVersion(Path java) {
        try {
            Path home = java.toRealPath().getParent().getParent();
            for (String line : Files.readAllLines(home.resolve("release"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("JAVA_VERSION=")) {
                    String v = line.substring("JAVA_VERSION=".length()).replace("\"", "").trim();
                    if (v.startsWith("1.")) {
                        v = v.substring(2); // 1.8.0_x
                    }
                    int end = 0;
                    while (end < v.length() && Character.isDigit(v.charAt(end))) {
                        end++;
                    }
                    return end == 0 ? -1 : Integer.parseInt(v.substring(0, end));
                }
            }
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return -1;
    }

    private static void logOnce(String message) {
        if (LOGGED.add(message)) {
            LOG.info(message);
        }
    }
}
