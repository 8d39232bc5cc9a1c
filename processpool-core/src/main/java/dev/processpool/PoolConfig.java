package dev.processpool;

import dev.processpool.internal.Tuning;
import dev.processpool.protocol.Protocol;

import java.io.File;
import java.io.IOException;
import java.io.ObjectInputFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The settings of a {@link ProcessPool}: DIRAC's constructor parameters plus what a pool of JVMs needs.
 * Immutable; made by {@link #builder()}, which validates every value when {@link Builder#build()} is called
 * and names the offending setting.
 *
 * <table>
 *   <caption>Settings and their defaults</caption>
 *   <tr><th>setting</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code name}</td><td>{@code processpool-N}</td><td>the pool's name, in its thread names, log
 *       lines and JMX {@code ObjectName}; N counts the pools of this JVM</td></tr>
 *   <tr><td>{@code minSize}</td><td>{@value Tuning#DEFAULT_MIN_SIZE}</td><td>workers kept alive at all times (0 allowed: start on demand)</td></tr>
 *   <tr><td>{@code maxSize}</td><td>0</td><td>most workers; 0 means "same as minSize" (at least 1)</td></tr>
 *   <tr><td>{@code maxQueuedRequests}</td><td>{@value Tuning#DEFAULT_MAX_QUEUED_REQUESTS}</td><td>tasks waiting for a worker; &lt;= 0 means unbounded</td></tr>
 *   <tr><td>{@code strictLimits}</td><td>true</td><td>never more than maxSize processes alive, even while
 *       a killed worker is being replaced; false lets a replacement start before the killed process has
 *       gone</td></tr>
 *   <tr><td>{@code keepProcessesRunning}</td><td>true</td><td>keep minSize workers alive even when idle;
 *       false lets every idle worker time out (they are started again on demand)</td></tr>
 *   <tr><td>{@code poolCallback}, {@code poolExceptionCallback}</td><td>none</td><td>run after a task's own
 *       callbacks for tasks queued with {@code usePoolCallbacks}</td></tr>
 *   <tr><td>{@code idleTimeout}</td><td>{@value Tuning#DEFAULT_IDLE_TIMEOUT_SECONDS} s</td><td>an idle worker above the minimum stops after this</td></tr>
 *   <tr><td>{@code workerStartTimeout}</td><td>{@value Tuning#DEFAULT_WORKER_START_TIMEOUT_SECONDS} s</td><td>launch to completed handshake, else the launch
 *       failed</td></tr>
 *   <tr><td>{@code maxTasksPerWorker}</td><td>0</td><td>a worker is replaced after this many tasks; 0 means
 *       never</td></tr>
 *   <tr><td>{@code retries}</td><td>0</td><td>how many more times a task runs when its worker dies, times out
 *       or goes unresponsive, for tasks that do not set their own; see {@link Builder#retries(int)}</td></tr>
 *   <tr><td>{@code terminationGrace}</td><td>{@value Tuning#DEFAULT_TERMINATION_GRACE_SECONDS} s</td><td>between SIGTERM and SIGKILL when workers are stopped
 *       by force</td></tr>
 *   <tr><td>{@code javaExecutable}</td><td>this JVM's {@code bin/java}</td><td>the JVM workers run on</td></tr>
 *   <tr><td>{@code classPath}</td><td>this JVM's class path and module path</td><td>the workers' class
 *       path (a plain one, also for a modular application); it must hold the task classes and
 *       processpool-core</td></tr>
 *   <tr><td>{@code jvmOptions}</td><td>{@value #DEFAULT_JVM_OPTIONS_TEXT}</td><td>options for each worker JVM;
 *       the heap cap keeps a worker from keeping a grown heap forever</td></tr>
 *   <tr><td>{@code environment}</td><td>none</td><td>variables added to (or, with a null value, removed from)
 *       the inherited environment</td></tr>
 *   <tr><td>{@code workingDirectory}</td><td>this JVM's</td><td>the workers' working directory</td></tr>
 *   <tr><td>{@code maxFrameBytes}</td><td>{@value Tuning#DEFAULT_MAX_FRAME_MIB} MiB</td><td>largest message a worker may send (a result or an
 *       exception); a larger one breaks the protocol: the task fails and the worker is killed</td></tr>
 *   <tr><td>{@code resultMemoryBudget}</td><td>a quarter of the parent's maximum heap</td><td>how many bytes of
 *       tasks' answers (results, exceptions) the parent holds at once while it reads and decodes them; see
 *       {@link Builder#resultMemoryBudget(long)}</td></tr>
 *   <tr><td>{@code resultDecodeTimeout}</td><td>{@value Tuning#DEFAULT_RESULT_DECODE_TIMEOUT_SECONDS} s</td><td>CPU
 *       time the parent may spend rebuilding one Java-serialised answer, plus 1 s per
 *       {@value Tuning#DECODE_MIB_PER_EXTRA_SECOND} MiB of it; see {@link Builder#resultDecodeTimeout(Duration)}</td></tr>
 *   <tr><td>{@code outputListener}</td><td>slf4j</td><td>where workers' stdout/stderr lines go</td></tr>
 *   <tr><td>{@code heartbeatInterval}</td><td>{@value Tuning#DEFAULT_HEARTBEAT_MILLIS} ms</td><td>how often a worker says it is alive (one that
 *       has waited {@value Protocol#IDLE_HEARTBEAT_AFTER_MILLIS} ms for a task: every
 *       {@value Tuning#IDLE_HEARTBEAT_FACTOR} times this, at most a third of {@code unresponsiveTimeout}, unless a
 *       memory limit or budget is set); 0 turns heartbeats (and so hang detection of busy workers) off</td></tr>
 *   <tr><td>{@code unresponsiveTimeout}</td><td>{@value Tuning#DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS} s</td><td>a worker silent this long (no heartbeat, no
 *       frame) is killed and its task ends with {@link WorkerUnresponsiveException}, whatever the task's own
 *       timeout; 0 turns it off, and so do heartbeats turned off. At least twice the heartbeat
 *       interval. Silence counts only while the worker gets the CPU: where its threads' run-queue waits can be
 *       read (Linux), a worker whose threads mostly waited for a CPU is looked at again after a grace (twice the
 *       heartbeat interval, at least {@value Tuning#MIN_STARVED_GRACE_MILLIS} ms) instead, and killed after
 *       {@value Tuning#MAX_STARVED_SILENCE_FACTOR} times this silence at the latest</td></tr>
 *   <tr><td>{@code workerMemoryLimit}</td><td>0 (off)</td><td>resident bytes above which a worker is
 *       replaced after the task that made it cross</td></tr>
 *   <tr><td>{@code memoryBudget}</td><td>0 (off)</td><td>resident bytes of all workers together above which
 *       no further worker is started (tasks wait); see {@link Builder#memoryBudget(long)}</td></tr>
 *   <tr><td>{@code workerMemoryHardLimit}</td><td>0 (off)</td><td>resident bytes above which a worker is
 *       killed at once (checked at every heartbeat); its task ends with {@link ResourceLimitException}. Also
 *       each worker cgroup's {@code memory.max}, where workers run in cgroups with the memory controller</td></tr>
 *   <tr><td>{@code workerCgroups}</td><td>true</td><td>run each worker in a cgroup (v2) of its own where the
 *       machine allows it, so that a kill reaches everything the worker started; see
 *       {@link Builder#workerCgroups(boolean)}</td></tr>
 *   <tr><td>{@code workerNice}</td><td>19 when {@code maxSize} is above the cores, else 0</td><td>the workers'
 *       nice value (0 to 19): how much less CPU they get than the pool's own threads (deadlines, reading
 *       answers) when the cores are all busy, so that outcomes stay on time when the workers outnumber the
 *       cores; see {@link Builder#workerNice(int)}</td></tr>
 *   <tr><td>{@code workerPidsLimit}</td><td>0 (off)</td><td>each worker cgroup's {@code pids.max}: the most
 *       processes and threads a worker and what it starts may have, where workers run in cgroups with the pids
 *       controller; see {@link Builder#workerPidsLimit(long)}</td></tr>
 *   <tr><td>{@code heapDumpOnOutOfMemory}</td><td>none (off)</td><td>a directory where a worker that runs out
 *       of heap writes a heap dump, named in the task's outcome; see
 *       {@link Builder#heapDumpOnOutOfMemory(Path)}</td></tr>
 *   <tr><td>{@code deserializationFilter}</td><td>none</td><td>an {@link java.io.ObjectInputFilter} pattern
 *       applied to everything read from workers, after the built-in limits and the rejection of
 *       {@link #DEFAULT_REJECTED_CLASSES known gadget classes}</td></tr>
 *   <tr><td>{@code pipelineDepth}</td><td>{@value Tuning#DEFAULT_PIPELINE_DEPTH}</td><td>how many tasks a worker may hold at once (the running one
 *       included) while tasks wait and its recent tasks took under {@value Tuning#PIPELINE_TASK_MILLIS} ms on average, so that it never idles
 *       between short tasks; it is topped up, in one write, when it is down to half. Held tasks that have not
 *       started are taken back if their worker dies, or once its running task has run for
 *       {@value Tuning#RECLAIM_AFTER_MILLIS} ms, and run
 *       elsewhere. 1 turns pipelining off</td></tr>
 *   <tr><td>{@code classDataCache}</td><td>none (off)</td><td>a directory for class-data archives of the
 *       worker JVMs, which start faster with one: an AOT cache for a JDK 25+ worker JVM, an AppCDS dynamic
 *       archive for JDK 13 to 24. Created in the background by a short training JVM the first time a pool
 *       starts with a given JVM, class path, options and worker main class; until then workers start without
 *       it. The pool's close waits up to 30 s for a training still running, then kills it. Used only
 *       when every class-path entry is a jar and {@code jvmOptions} leave sharing alone (no {@code -Xshare}
 *       other than {@code auto}, no archive options); otherwise off (logged)</td></tr>
 *   <tr><td>{@code workerMainClass}</td><td>{@value Protocol#WORKER_MAIN_CLASS}</td><td>the main class
 *       of worker JVMs; only for custom workers that speak the protocol (and tests)</td></tr>
 * </table>
 *
 * <h2>When workers cannot be started</h2>
 * A launch fails when the worker JVM does not complete its handshake (a wrong java executable, class path or
 * JVM option, a start-up timeout). The pool retries with a back-off ({@value Tuning#FIRST_LAUNCH_BACKOFF_MILLIS}
 * ms, doubling up to {@value Tuning#MAX_LAUNCH_BACKOFF_MILLIS} ms), and gives
 * up when a worker can evidently never start: {@value #START_FAILURES_TO_GIVE_UP} launches in a row failed
 * and no worker of the pool has ever started, or {@value #START_FAILURES_TO_GIVE_UP} launches in a row failed
 * with the same error (the same message apart from numbers such as pids). From then on it launches nothing:
 * while no worker of it is alive, every waiting task, and every task queued later, ends at once with a
 * {@link WorkerStartException} carrying the start error (workers still alive go on running tasks). A
 * {@code WorkerStartException} always means that the pool has given up. {@link ProcessPool#startProcessing()}
 * makes it try again (with the same configuration: useful when what was wrong outside the pool, such as a
 * missing file, has been put right).
 */
public final class PoolConfig {

    // The Tier3 thresholds are ten times HotSpot's defaults: C1 compiles (with profiling) only what runs
    // often, not the hundreds of methods that a worker's start-up and first tasks touch a few hundred times.
    // That keeps an idle worker about 2 MiB smaller on JDK 17 (code cache, compiler arenas, metaspace) and
    // costs it less CPU to start; hot code still reaches C2 as before.
    static final String DEFAULT_JVM_OPTIONS_TEXT = "-Xmx256m -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto"
            + " -XX:Tier3InvocationThreshold=2000 -XX:Tier3MinInvocationThreshold=1000"
            + " -XX:Tier3CompileThreshold=20000 -XX:Tier3BackEdgeThreshold=600000";

    /**
     * Classes never deserialised from a worker, whatever {@code deserializationFilter} says: the building
     * blocks of well-known deserialisation gadget chains. A compromised worker cannot use them to run code in
     * the parent.
     */
    public static final String DEFAULT_REJECTED_CLASSES = String.join(";",
            "!org.apache.commons.collections.functors.*", "!org.apache.commons.collections4.functors.*",
            "!org.apache.commons.beanutils.*", "!org.codehaus.groovy.runtime.*", "!org.apache.xalan.xsltc.trax.*",
            "!com.sun.org.apache.xalan.internal.xsltc.trax.*", "!org.springframework.beans.factory.*",
            "!org.springframework.aop.**", "!com.mchange.v2.c3p0.**", "!com.sun.rowset.*", "!com.sun.jndi.**",
            "!javax.naming.**", "!javax.management.**", "!java.rmi.server.*", "!sun.rmi.**", "!bsh.*",
            "!org.python.**", "!clojure.**", "!org.mozilla.javascript.**", "!org.hibernate.engine.spi.*",
            "!net.sf.json.**", "!com.rometools.rome.feed.impl.*", "!com.sun.syndication.feed.impl.*");

    /**
     * The default worker JVM options: a 256 MiB heap cap with the serial collector, and C1 profiling compiles
     * later than HotSpot's default (ten times its Tier3 thresholds) so that idle workers stay small.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of(DEFAULT_JVM_OPTIONS_TEXT.split(" "));

    /** The settings: a private copy of the builder that made this configuration, never changed again. */
    private final Builder values;

    /** Failed launches in a row after which the pool gives up starting workers (see the class comment). */
    public static final int START_FAILURES_TO_GIVE_UP = 3;

    /** The default {@code resultMemoryBudget} is the parent's maximum heap divided by this. */
    public static final int DEFAULT_RESULT_BUDGET_DIVISOR = 4;

    private PoolConfig(Builder b) {
        Builder v = new Builder(b);
        v.maxSize = b.maxSize == 0 ? Math.max(1, b.minSize) : b.maxSize;
        v.classPath = List.copyOf(b.classPath);
        v.jvmOptions = List.copyOf(b.jvmOptions);
        v.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        v.resultMemoryBudget = b.resultMemoryBudget > 0 ? b.resultMemoryBudget
                : Math.max(1L << 20, Runtime.getRuntime().maxMemory() / DEFAULT_RESULT_BUDGET_DIVISOR);
        this.values = v;
    }

    /** {@return a builder with every default in place} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder that starts from this configuration's values} */
    public Builder toBuilder() {
        return new Builder(values);
    }

    /** {@return the pool's name as given, or {@code null}: the pool names itself {@code processpool-N}} */
    public String getName() { return values.name; }

    /** {@return workers kept alive at all times: DIRAC's {@code minSize}} */
    public int getMinSize() { return values.minSize; }

    /** {@return the effective maximum: never 0 (a 0 given to the builder became {@code max(1, minSize)})} */
    public int getMaxSize() { return values.maxSize; }

    /** {@return the bound on waiting tasks; {@code <= 0} means unbounded} */
    public int getMaxQueuedRequests() { return values.maxQueuedRequests; }

    /** {@return whether there are never more than {@code maxSize} worker processes, counting one being killed} */
    public boolean isStrictLimits() { return values.strictLimits; }

    /** {@return whether {@code minSize} workers are kept alive when idle} */
    public boolean isKeepProcessesRunning() { return values.keepProcessesRunning; }

    /** {@return the pool's result callback, or {@code null}} */
    public ResultCallback getPoolCallback() { return values.poolCallback; }

    /** {@return the pool's exception callback, or {@code null}} */
    public ExceptionCallback getPoolExceptionCallback() { return values.poolExceptionCallback; }

    /** {@return how long a worker above the minimum may stay idle before it stops} */
    public Duration getIdleTimeout() { return values.idleTimeout; }

    /** {@return the longest a launch may take to a completed handshake} */
    public Duration getWorkerStartTimeout() { return values.workerStartTimeout; }

    /** {@return tasks after which a worker is replaced; 0 means never} */
    public int getMaxTasksPerWorker() { return values.maxTasksPerWorker; }

    /** {@return the workers' total resident memory above which no worker is started; 0 means none} */
    public long getMemoryBudget() { return values.memoryBudget; }

    /** {@return how many retries a task has that does not set its own ({@link ProcessTask.Builder#retries(int)})} */
    public int getRetries() { return values.retries; }

    /** {@return the time between SIGTERM and SIGKILL when workers are stopped by force} */
    public Duration getTerminationGrace() { return values.terminationGrace; }

    /** {@return the {@code java} executable the workers run on} */
    public Path getJavaExecutable() { return values.javaExecutable; }

    /** {@return the workers' class path entries (unmodifiable)} */
    public List<String> getClassPath() { return values.classPath; }

    /** {@return the worker JVM options (unmodifiable)} */
    public List<String> getJvmOptions() { return values.jvmOptions; }

    /** {@return the variables added to ({@code null} value: removed from) the workers' inherited environment} */
    public Map<String, String> getEnvironment() { return values.environment; }

    /** {@return the workers' working directory} */
    public Path getWorkingDirectory() { return values.workingDirectory; }

    /** {@return the largest message, in bytes, a worker may send} */
    public int getMaxFrameBytes() { return values.maxFrameBytes; }

    /** {@return the listener for workers' output, or {@code null} for the default (slf4j)} */
    public WorkerOutputListener getOutputListener() { return values.outputListener; }

    /** {@return how often workers send a heartbeat; zero means never} */
    public Duration getHeartbeatInterval() { return values.heartbeatInterval; }

    /** {@return how long a worker may stay silent before it is killed as unresponsive; zero means forever} */
    public Duration getUnresponsiveTimeout() { return values.unresponsiveTimeout; }

    /** {@return resident bytes after which a worker is replaced once its task ends; 0 means no limit} */
    public long getWorkerMemoryLimit() { return values.workerMemoryLimit; }

    /** {@return resident bytes at which a worker is killed at once; 0 means no limit} */
    public long getWorkerMemoryHardLimit() { return values.workerMemoryHardLimit; }

    /** {@return whether each worker runs in a cgroup of its own where the machine allows it} */
    public boolean isWorkerCgroups() { return values.workerCgroups; }

    /** {@return each worker cgroup's {@code pids.max}; 0: none} */
    public long getWorkerPidsLimit() { return values.workerPidsLimit; }

    /**
     * {@return the workers' nice value (Linux): 0 for the same priority as the pool's own threads; unless set,
     * 19 when {@code maxSize} is above the machine's cores, else 0 (see {@link Builder#workerNice(int)})}
     */
    public int getWorkerNice() {
        return values.workerNice != null ? values.workerNice
                : Tuning.automaticWorkerNice(values.maxSize, Runtime.getRuntime().availableProcessors());
    }

    /** {@return the directory where workers that run out of heap write heap dumps (absolute), or {@code null}: none} */
    public Path getHeapDumpDirectory() { return values.heapDumpDirectory; }

    /** {@return the user's extra deserialisation filter pattern, or an empty string} */
    public String getDeserializationFilter() { return values.deserializationFilter; }

    /** {@return the worker JVMs' main class} */
    public String getWorkerMainClass() { return values.workerMainClass; }

    /** {@return most tasks a worker holds at once when its tasks are short; 1 means no pipelining} */
    public int getPipelineDepth() { return values.pipelineDepth; }

    /** {@return the directory of the workers' class-data cache (absolute), or {@code null}: off} */
    public Path getClassDataCache() { return values.classDataCache; }

    /**
     * {@return bytes of tasks' answers the parent may hold at once while it reads and decodes them (the default
     * was worked out from this JVM's maximum heap when the configuration was built)}
     */
    public long getResultMemoryBudget() { return values.resultMemoryBudget; }

    /**
     * {@return the CPU time the parent may spend rebuilding one Java-serialised answer (plus 1 s per
     * {@value Tuning#DECODE_MIB_PER_EXTRA_SECOND} MiB of it)}
     */
    public Duration getResultDecodeTimeout() { return values.resultDecodeTimeout; }

    @Override
    public String toString() {
        return "PoolConfig[" + (values.name == null ? "" : "name=" + values.name + ", ") + "minSize=" + values.minSize
                + ", maxSize=" + values.maxSize + ", maxQueuedRequests=" + values.maxQueuedRequests
                + ", strictLimits=" + values.strictLimits + ", keepProcessesRunning=" + values.keepProcessesRunning
                + ", idleTimeout=" + values.idleTimeout + ", workerStartTimeout=" + values.workerStartTimeout
                + ", maxTasksPerWorker=" + values.maxTasksPerWorker + ", jvmOptions=" + values.jvmOptions + "]";
    }

    /** Builds a {@link PoolConfig}. Setters check for null at once; ranges are checked by {@link #build()}. */
    public static final class Builder {
        private String name;
        private int minSize = Tuning.DEFAULT_MIN_SIZE;
        private int maxSize = 0;
        private int maxQueuedRequests = Tuning.DEFAULT_MAX_QUEUED_REQUESTS;
        private boolean strictLimits = true;
        private boolean keepProcessesRunning = true;
        private ResultCallback poolCallback;
        private ExceptionCallback poolExceptionCallback;
        private Duration idleTimeout = Duration.ofSeconds(Tuning.DEFAULT_IDLE_TIMEOUT_SECONDS);
        private Duration workerStartTimeout = Duration.ofSeconds(Tuning.DEFAULT_WORKER_START_TIMEOUT_SECONDS);
        private int maxTasksPerWorker = 0;
        private int retries = 0;
        private Duration terminationGrace = Duration.ofSeconds(Tuning.DEFAULT_TERMINATION_GRACE_SECONDS);
        private Path javaExecutable;
        private List<String> classPath;
        private List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
        private Map<String, String> environment = new LinkedHashMap<>();
        private Path workingDirectory;
        private int maxFrameBytes = Tuning.DEFAULT_MAX_FRAME_MIB << 20;
        private WorkerOutputListener outputListener;
        private Duration heartbeatInterval = Duration.ofMillis(Tuning.DEFAULT_HEARTBEAT_MILLIS);
        private Duration unresponsiveTimeout = Duration.ofSeconds(Tuning.DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS);
        private long workerMemoryLimit;
        private long workerMemoryHardLimit;
        private long memoryBudget;
        private boolean workerCgroups = true;
        private long workerPidsLimit;
        private Integer workerNice; // null: automatic
        private Path heapDumpDirectory;
        private String deserializationFilter = "";
        private String workerMainClass = Protocol.WORKER_MAIN_CLASS;
        private int pipelineDepth = Tuning.DEFAULT_PIPELINE_DEPTH;
        private Path classDataCache;
        private long resultMemoryBudget;
        private Duration resultDecodeTimeout = Duration.ofSeconds(Tuning.DEFAULT_RESULT_DECODE_TIMEOUT_SECONDS);

        /** The defaults, those of this JVM included. */
        private Builder() {
            javaExecutable = Paths.get(System.getProperty("java.home"), "bin", "java");
            classPath = defaultClassPath();
            workingDirectory = Paths.get("").toAbsolutePath();
        }

        /** A copy, with lists and maps of its own. */
        private Builder(Builder from) {
            name = from.name;
            minSize = from.minSize;
            maxSize = from.maxSize;
            maxQueuedRequests = from.maxQueuedRequests;
            strictLimits = from.strictLimits;
            keepProcessesRunning = from.keepProcessesRunning;
            poolCallback = from.poolCallback;
            poolExceptionCallback = from.poolExceptionCallback;
            idleTimeout = from.idleTimeout;
            workerStartTimeout = from.workerStartTimeout;
            maxTasksPerWorker = from.maxTasksPerWorker;
            retries = from.retries;
            terminationGrace = from.terminationGrace;
            javaExecutable = from.javaExecutable;
            classPath = new ArrayList<>(from.classPath);
            jvmOptions = new ArrayList<>(from.jvmOptions);
            environment = new LinkedHashMap<>(from.environment);
            workingDirectory = from.workingDirectory;
            maxFrameBytes = from.maxFrameBytes;
            outputListener = from.outputListener;
            heartbeatInterval = from.heartbeatInterval;
            unresponsiveTimeout = from.unresponsiveTimeout;
            workerMemoryLimit = from.workerMemoryLimit;
            workerMemoryHardLimit = from.workerMemoryHardLimit;
            memoryBudget = from.memoryBudget;
            workerCgroups = from.workerCgroups;
            workerPidsLimit = from.workerPidsLimit;
            workerNice = from.workerNice;
            heapDumpDirectory = from.heapDumpDirectory;
            deserializationFilter = from.deserializationFilter;
            workerMainClass = from.workerMainClass;
            pipelineDepth = from.pipelineDepth;
            classDataCache = from.classDataCache;
            resultMemoryBudget = from.resultMemoryBudget;
            resultDecodeTimeout = from.resultDecodeTimeout;
        }

        /**
         * This JVM's class path, then its module path: the workers run on a plain class path, where a module's
         * jar (or exploded directory) serves as it is, and a directory of modules stands for each jar in it.
         */
        private static List<String> defaultClassPath() {
            List<String> entries = new ArrayList<>();
            for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
                if (!e.isEmpty() && !entries.contains(e)) {
                    entries.add(e);
                }
            }
            for (String e : System.getProperty("jdk.module.path", "").split(File.pathSeparator)) {
                Path p = Paths.get(e);
                if (e.isEmpty() || entries.contains(e)) {
                    continue;
                }
                if (Files.isDirectory(p) && !Files.exists(p.resolve("module-info.class"))) {
                    try (Stream<Path> jars = Files.list(p)) {
                        jars.map(Path::toString).filter(j -> j.endsWith(".jar") && !entries.contains(j)).sorted()
                                .forEach(entries::add);
                    } catch (IOException | RuntimeException unreadable) {
                        // nothing of it reaches the workers
                    }
                } else {
                    entries.add(e);
                }
            }
            return entries;
        }

        /**
         * Sets the pool's name, for its thread names, log lines and JMX {@code ObjectName}. Names need not be
         * unique, but two pools of one name cannot both register an MBean.
         *
         * @param name 1 to 100 characters, no control characters; {@code null} (the default) lets the pool name
         *             itself {@code processpool-N}
         * @return this builder
         */
        public Builder name(String name) { this.name = name; return this; }

        /**
         * Sets the workers alive at all times: DIRAC's {@code minSize}.
         *
         * @param minSize the number, {@code >= 0} (default {@value Tuning#DEFAULT_MIN_SIZE})
         * @return this builder
         */
        public Builder minSize(int minSize) { this.minSize = minSize; return this; }

        /**
         * Sets the most workers alive: DIRAC's {@code maxSize}.
         *
         * @param maxSize the number, {@code >= minSize}; 0 (the default) means "same as minSize" (at least 1)
         * @return this builder
         */
        public Builder maxSize(int maxSize) { this.maxSize = maxSize; return this; }

        /**
         * Most tasks waiting for a worker (running ones not counted); {@code <= 0} means unbounded. Producers
         * wait (or are refused) at the bound; tasks given back by a worker that died before starting them
         * re-enter the queue even when it is full, so it may briefly hold a few more.
         *
         * @param maxQueuedRequests the bound (default {@value Tuning#DEFAULT_MAX_QUEUED_REQUESTS}); {@code <= 0} for none
         * @return this builder
         */
        public Builder maxQueuedRequests(int maxQueuedRequests) { this.maxQueuedRequests = maxQueuedRequests; return this; }

        /**
         * Sets whether there are never more than {@code maxSize} worker processes alive, counting one being
         * killed (default true). False lets a replacement start while the killed process is still going away,
         * which replaces faster and briefly over-commits.
         *
         * @param strictLimits whether the limit is strict
         * @return this builder
         */
        public Builder strictLimits(boolean strictLimits) { this.strictLimits = strictLimits; return this; }

        /**
         * Sets whether {@code minSize} workers are kept alive when idle (default true); false lets every idle
         * worker time out after {@code idleTimeout}, and workers start again on demand.
         *
         * @param keep whether to keep them
         * @return this builder
         */
        public Builder keepProcessesRunning(boolean keep) { this.keepProcessesRunning = keep; return this; }

        /**
         * Sets the pool's result callback, run after a task's own for tasks queued with
         * {@code usePoolCallbacks}.
         *
         * @param callback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder poolCallback(ResultCallback callback) { this.poolCallback = callback; return this; }

        /**
         * Sets the pool's exception callback, run after a task's own for tasks queued with
         * {@code usePoolCallbacks}.
         *
         * @param callback the callback, or {@code null} for none
         * @return this builder
         */
        public Builder poolExceptionCallback(ExceptionCallback callback) { this.poolExceptionCallback = callback; return this; }

        /**
         * Sets how long a worker above the minimum may stay idle before it stops.
         *
         * @param idleTimeout the time, positive (default {@value Tuning#DEFAULT_IDLE_TIMEOUT_SECONDS} s)
         * @return this builder
         */
        public Builder idleTimeout(Duration idleTimeout) {
            this.idleTimeout = Objects.requireNonNull(idleTimeout, "idleTimeout");
            return this;
        }

        /**
         * Sets the longest a launch may take, from the process start to a completed handshake; a launch that
         * takes longer has failed.
         *
         * @param timeout the time, positive (default {@value Tuning#DEFAULT_WORKER_START_TIMEOUT_SECONDS} s)
         * @return this builder
         */
        public Builder workerStartTimeout(Duration timeout) {
            this.workerStartTimeout = Objects.requireNonNull(timeout, "workerStartTimeout");
            return this;
        }

        /**
         * Sets after how many tasks a worker is replaced.
         *
         * @param max the number of tasks; 0 (the default) means never
         * @return this builder
         */
        public Builder maxTasksPerWorker(int max) { this.maxTasksPerWorker = max; return this; }

        /**
         * The pool's default for {@link ProcessTask.Builder#retries(int)}: how many more times a task runs, on
         * another worker, when an attempt ends because its worker died, was killed at the task's timeout or for
         * its memory, or went unresponsive. A task that sets its own keeps it. Retries suit tasks that are safe
         * to run twice; one that keeps killing its workers is quarantined after {@code retries + 1} attempts.
         *
         * @param retries how many more attempts after the first, at least 0 (default 0: none)
         * @return this builder
         */
        public Builder retries(int retries) { this.retries = retries; return this; }

        /**
         * Sets the time between SIGTERM and SIGKILL when workers are stopped by force.
         *
         * @param grace the time, not negative (default {@value Tuning#DEFAULT_TERMINATION_GRACE_SECONDS} s)
         * @return this builder
         */
        public Builder terminationGrace(Duration grace) {
            this.terminationGrace = Objects.requireNonNull(grace, "terminationGrace");
            return this;
        }

        /**
         * Sets the {@code java} executable the workers run on.
         *
         * @param java the executable (default: this JVM's {@code bin/java})
         * @return this builder
         */
        public Builder javaExecutable(Path java) {
            this.javaExecutable = Objects.requireNonNull(java, "javaExecutable");
            return this;
        }

        /**
         * Sets the workers' class path; it must include processpool-core and the task classes.
         *
         * @param entries the entries (default: this JVM's {@code java.class.path}, then its
         *                {@code jdk.module.path}, a directory of modules standing for each jar in it)
         * @return this builder
         */
        public Builder classPath(List<String> entries) {
            Objects.requireNonNull(entries, "classPath");
            this.classPath = new ArrayList<>(entries);
            return this;
        }

        /**
         * Replaces the worker JVM options (the default heap cap too, unless repeated).
         *
         * @param options the options (default {@link #DEFAULT_JVM_OPTIONS})
         * @return this builder
         */
        public Builder jvmOptions(List<String> options) {
            Objects.requireNonNull(options, "jvmOptions");
            this.jvmOptions = new ArrayList<>(options);
            return this;
        }

        /**
         * Adds worker JVM options after the current ones (a later {@code -Xmx} wins over the default).
         *
         * @param options the options to add
         * @return this builder
         */
        public Builder addJvmOptions(String... options) {
            this.jvmOptions.addAll(Arrays.asList(options));
            return this;
        }

        /**
         * Adds (or, with a null value, removes) a variable in the workers' environment.
         *
         * @param name  the variable's name
         * @param value its value, or {@code null} to remove it from the inherited environment
         * @return this builder
         */
        public Builder environment(String name, String value) {
            Objects.requireNonNull(name, "environment variable name");
            this.environment.put(name, value);
            return this;
        }

        /**
         * Sets the workers' working directory.
         *
         * @param dir the directory (default: this JVM's)
         * @return this builder
         */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = Objects.requireNonNull(dir, "workingDirectory");
            return this;
        }

        /**
         * Sets the largest message a worker may send (a result or an exception). The length of every message
         * is checked against it before anything is allocated; a larger one breaks the protocol: the task fails
         * with a {@link ResultTransferException} and the worker is killed (a worker announcing gigabytes is not
         * trusted to be where it says in its stream). What the parent can hold is
         * {@link #resultMemoryBudget(long)}'s business.
         *
         * @param maxFrameBytes the size in bytes, at least 1024 (default {@value Tuning#DEFAULT_MAX_FRAME_MIB} MiB)
         * @return this builder
         */
        public Builder maxFrameBytes(int maxFrameBytes) { this.maxFrameBytes = maxFrameBytes; return this; }

        /**
         * How many bytes of tasks' answers the parent holds at once while it reads and decodes them: the
         * parent's defence against results near or over its own heap. Each answer (a result or a task's
         * exception) reserves its size before its bytes are read, and gives it back once it is decoded: a
         * result is then its task's (held by its future, its callbacks and you), outside the budget. Answers
         * that do not fit now wait, in the order they arrived, while their workers wait to send them; the time
         * they wait counts neither as the worker's silence nor against their task's timeouts. An answer larger
         * than the whole budget can never fit: its task fails at once with a {@link ResultTransferException}
         * giving both sizes, its bytes are read and dropped without being kept (the worker stays, in step),
         * and the worker's next tasks run.
         *
         * <p>Default ({@code 0}): a quarter of the parent's maximum heap ({@code Runtime.maxMemory() /}
         * {@value PoolConfig#DEFAULT_RESULT_BUDGET_DIVISOR}, at least 1 MiB), worked out when {@link #build()}
         * is called. A quarter leaves the rest of the heap to the application and to the results it keeps, and
         * room for a Java-serialised answer's objects next to its bytes while it is decoded (they take one to
         * three times as much). So the largest result a pool can bring back is the smaller of this budget and
         * {@link #maxFrameBytes(int)}: with the defaults and a 1 GiB parent heap, 256 MiB; raise the parent's
         * heap (or this budget, if the application keeps little) for larger ones.
         *
         * @param bytes the budget in bytes; {@code 0} for the default
         * @return this builder
         */
        public Builder resultMemoryBudget(long bytes) { this.resultMemoryBudget = bytes; return this; }

        /**
         * The CPU time the parent may spend rebuilding one Java-serialised answer (a result, or a task's
         * exception), plus 1 s for each {@value Tuning#DECODE_MIB_PER_EXTRA_SECOND} MiB of it; default
         * {@value Tuning#DEFAULT_RESULT_DECODE_TIMEOUT_SECONDS} s. Rebuilding runs the classes' own code
         * ({@code readObject}, {@code hashCode} of hash-based collections): a hostile or unlucky graph, such
         * as hash sets nested in one another that share their elements, would take forever. It runs on a
         * decoding thread, never on a worker's channel, and is stopped when over the bound: the task fails with
         * a {@link ResultTransferException} (an exception falls back to its text form). A graph whose costly
         * part reads nothing more from the stream cannot be stopped inside a JVM: at twice the bound plus
         * {@value Tuning#DECODE_WALL_EXTRA_SECONDS} s of wall time its task fails anyway and the decoding thread
         * is abandoned (logged). Plain values
         * (numbers, strings, byte arrays, lists of them) are decoded in linear time and never bounded.
         *
         * @param timeout the CPU-time bound for a small answer (default {@value Tuning#DEFAULT_RESULT_DECODE_TIMEOUT_SECONDS} s)
         * @return this builder
         */
        public Builder resultDecodeTimeout(Duration timeout) {
            this.resultDecodeTimeout = Objects.requireNonNull(timeout, "resultDecodeTimeout");
            return this;
        }

        /**
         * Sets where the lines that workers write to stdout and stderr go.
         *
         * @param listener the listener, or {@code null} (the default) to log them through slf4j
         * @return this builder
         */
        public Builder outputListener(WorkerOutputListener listener) { this.outputListener = listener; return this; }

        /**
         * Sets how often workers send a heartbeat. A worker that has waited
         * {@value Protocol#IDLE_HEARTBEAT_AFTER_MILLIS} ms for a task sends them
         * {@value Tuning#IDLE_HEARTBEAT_FACTOR} times less often, but at least three times per
         * {@code unresponsiveTimeout} (so that it is never taken for a silent one), and at this interval still
         * where a memory limit or budget is set (memory is measured at heartbeats); a task brings it back to
         * this interval at once.
         *
         * @param interval the interval (default {@value Tuning#DEFAULT_HEARTBEAT_MILLIS} ms); {@link Duration#ZERO} turns
         *                 heartbeats off
         * @return this builder
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = Objects.requireNonNull(interval, "heartbeatInterval");
            return this;
        }

        /**
         * Sets how long a worker may be silent before it is killed as unresponsive. Silence counts only while
         * the worker gets the CPU: where its threads' run-queue waits can be read (Linux), a silent worker whose
         * threads mostly waited for a CPU (a busy host, a low priority) is starved, not unresponsive, and is
         * looked at again after a grace; it is killed after {@value Tuning#MAX_STARVED_SILENCE_FACTOR} times this
         * silence at the latest. A stopped worker does not wait for a CPU: it is killed after the first grace.
         *
         * @param timeout the time (default {@value Tuning#DEFAULT_UNRESPONSIVE_TIMEOUT_SECONDS} s), at least twice the
         *                heartbeat interval; {@link Duration#ZERO}
         *                means forever
         * @return this builder
         */
        public Builder unresponsiveTimeout(Duration timeout) {
            this.unresponsiveTimeout = Objects.requireNonNull(timeout, "unresponsiveTimeout");
            return this;
        }

        /**
         * Sets the resident memory after which a worker is replaced when its task ends (Linux).
         *
         * @param bytes the limit in bytes; 0 (the default) means none
         * @return this builder
         */
        public Builder workerMemoryLimit(long bytes) { this.workerMemoryLimit = bytes; return this; }

        /**
         * Sets the resident memory at which a worker is killed at once, checked at each heartbeat (Linux);
         * its task ends with a {@link ResourceLimitException}.
         *
         * <p>Where workers run in cgroups of their own (see the README: a writable cgroup v2 hierarchy) and the
         * {@code memory} controller is enabled for the pool's cgroup, this is also each worker cgroup's
         * {@code memory.max}, with {@code memory.oom.group} set: the kernel enforces it between heartbeats too,
         * for the worker and everything it started together (page cache included), and when it cannot reclaim
         * enough it kills the whole group; the task then ends with a {@link WorkerDiedException} (SIGKILL)
         * unless a heartbeat caught the worker first. Without the controller, only the heartbeat check applies
         * (the log line that says whether cgroups are used says so too).
         *
         * @param bytes the limit in bytes; 0 (the default) means none
         * @return this builder
         */
        public Builder workerMemoryHardLimit(long bytes) { this.workerMemoryHardLimit = bytes; return this; }

        /**
         * A pool-wide memory budget (Linux): while the workers' resident memory added up is over it, the pool
         * starts no further worker, not even to replace one or to keep {@code minSize}; tasks wait in the queue
         * for the workers alive, and {@link ProcessPool#getStartHold()} says why. Each worker's resident
         * memory is read from {@code /proc} at each of its heartbeats, so the sum is as recent as the
         * {@code heartbeatInterval} (with heartbeats off it is not known, and the budget does nothing). A worker
         * not measured yet (starting, or about to) counts as the largest worker measured, and while nothing has
         * been measured the first worker starts alone, so that a burst of tasks starts only as many workers as
         * the budget has room for. It complements the per-worker limits ({@link #workerMemoryLimit}, {@link #workerMemoryHardLimit}):
         * nothing is killed for the budget; workers that exit or are replaced make room.
         *
         * @param bytes the budget in bytes; 0 (the default) means none
         * @return this builder
         */
        public Builder memoryBudget(long bytes) { this.memoryBudget = bytes; return this; }

        /**
         * Whether each worker runs in a cgroup (v2) of its own, where the machine allows it: where this JVM may
         * create cgroups below its own (a delegated subtree, as under a systemd user session or in a container
         * with its own cgroup namespace, or as root). The pool then moves each worker into a cgroup it creates
         * for it, {@code <this JVM's cgroup>/processpool-<pid>-<start>-<n>/worker-<number>}, before the worker
         * runs any task; a kill writes the cgroup's {@code cgroup.kill}, so that every process the worker
         * started dies with it, also one that left its process group ({@code setsid}, a daemon's double fork),
         * which a process-group kill misses. A worker whose parent JVM dies kills its own cgroup. The pool
         * removes each cgroup when its worker is gone, its own directory when it is closed, and what pools of
         * dead processes left behind when it starts; it never writes to a cgroup it did not create. Where
         * cgroups cannot be had, workers are killed by process group, as with {@code false}. The pool says once
         * in the log (at INFO, logger {@code dev.processpool.transport.WorkerCgroups}) which of the two it does:
         * "cgroup kill on" or "cgroup kill off" with the reason.
         *
         * @param enabled {@code true} (the default) for a cgroup per worker where possible; {@code false} for
         *                process-group kills only
         * @return this builder
         */
        public Builder workerCgroups(boolean enabled) { this.workerCgroups = enabled; return this; }

        /**
         * Sets each worker cgroup's {@code pids.max}: the most processes and threads that a worker JVM (some
         * twenty threads of its own) and everything its tasks start may have at once; a {@code fork} or a new
         * thread beyond it fails (with an {@link OutOfMemoryError} "unable to create native thread" in Java).
         * A defence against fork bombs. Enforced only where workers run in cgroups of their own and the
         * {@code pids} controller is enabled for the pool's cgroup; elsewhere it does nothing, and the log line
         * that says whether cgroups are used says so.
         *
         * @param max the limit, at least 32 when set; 0 (the default) means none
         * @return this builder
         */
        public Builder workerPidsLimit(long max) { this.workerPidsLimit = max; return this; }

        /**
         * Sets the workers' nice value: their scheduling priority below the pool's own threads (deadlines,
         * reading answers, kills) and below other processes of the machine, while the cores are all busy. On
         * Linux each worker runs under {@code setsid}, in a session, and so a scheduler autogroup, of its own:
         * at the same priority N busy workers each weigh as much as the whole parent JVM, which then gets
         * 1/(N+1) of the cores and waits a whole round of N time slices each time it needs the CPU. That is
         * what made deadlines late: 100 workers on 2 cores starting tasks that all time out together kept the
         * cores busy for a second, and at nice 0 the worst outcome of each of four such storms came 41 to
         * 452 ms after its deadline; at nice 19 every outcome came within 21 ms (the bench's timeout storm,
         * w9, both in one run). At nice 19 a worker weighs 1/68 of the parent, at nice 10 about 1/9. Where the
         * cores are idle a worker at nice 19 runs as fast as one at nice 0; what it yields to are the pool's
         * threads and other busy processes of the machine. That has a price where the pool itself is busy: 2
         * workers on 2 cores running no-op tasks as fast as they can did some 20% fewer per second at 19
         * (the bench's w2). Hence the default: when {@code maxSize} is above the machine's cores (as
         * {@link Runtime#availableProcessors()} counts them) the workers can outnumber
         * the cores and run at 19; otherwise at the pool's own priority (0). The value is applied to the
         * worker JVM (as {@code nice(1)} does) and to its autogroup where the kernel has them; an autogroup
         * write that the kernel refuses (one per 100 ms on the whole machine for a user without
         * {@code CAP_SYS_ADMIN}) is tried again for a few seconds. Workers keep the same priority among
         * themselves. Raising a nice value needs no privilege. Whatever this setting, a worker being killed
         * drops to 19, so that many JVMs tearing down their heaps at once do not starve the pool. Elsewhere
         * than Linux, and where no {@code nice} command is installed, it does nothing.
         *
         * @param nice 0 to 19; 0 keeps the workers at the pool's own priority
         * @return this builder
         */
        public Builder workerNice(int nice) { this.workerNice = nice; return this; }

        /**
         * Has each worker JVM write a heap dump into {@code directory} when it runs out of heap
         * ({@code -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=directory}), named
         * {@code java_pid<worker pid>.hprof}. A task that then fails with the {@link OutOfMemoryError} ends with
         * a {@link TaskExecutionException} whose remote message names the dump; a worker that died of it ends
         * its task with a {@link WorkerDiedException} whose {@link WorkerDiedException#getHeapDump()} names it.
         * A JVM writes one dump at most, at its first {@code OutOfMemoryError}, and the worker is replaced after
         * it. The directory is created when the pool starts; dumps are as large as the worker's heap and are
         * never removed by the pool. Options of your own in {@link #jvmOptions(List)} that set a heap dump path
         * are overridden.
         *
         * @param directory the directory, or {@code null} (the default) for no heap dumps
         * @return this builder
         */
        public Builder heapDumpOnOutOfMemory(Path directory) {
            this.heapDumpDirectory = directory == null ? null : directory.toAbsolutePath().normalize();
            return this;
        }

        /**
         * An extra {@link java.io.ObjectInputFilter} pattern for everything read from workers, e.g.
         * {@code "com.mycorp.**;java.**;!*"} to accept only those classes. Checked at {@link #build()}.
         *
         * @param pattern the pattern; empty (the default) adds nothing to the built-in filter
         * @return this builder
         */
        public Builder deserializationFilter(String pattern) {
            this.deserializationFilter = Objects.requireNonNull(pattern, "deserializationFilter").strip();
            return this;
        }

        /**
         * Most tasks a worker may hold at once (the running one included) when its recent tasks were short
         * (under {@value Tuning#PIPELINE_TASK_MILLIS} ms on average) and tasks are waiting; 1 turns pipelining off.
         *
         * @param depth the number of tasks, at least 1 (default {@value Tuning#DEFAULT_PIPELINE_DEPTH})
         * @return this builder
         */
        public Builder pipelineDepth(int depth) { this.pipelineDepth = depth; return this; }

        /**
         * A directory for the worker JVMs' class-data archives, or {@code null} (the default) for none. The
         * directory is created when needed and may be shared by pools and processes: each archive is named
         * by a hash of the worker JVM (its path and version), the class path (each jar's size and time) and
         * the JVM options, so a changed jar or option never meets a stale archive. A missing archive is
         * created once in the background by a short training JVM (with the worker main class's training
         * mode: {@code --train}, see {@code WorkerMain.isTraining}) and used by workers launched after it is
         * ready. Nothing of the training outlives the pool: the pool's close waits up to 30 s for a training
         * still running and then kills it (the next pool trains again); a trainer whose pool's JVM died ends
         * itself. On a JDK 25+ worker JVM this is an AOT cache
         * ({@code -XX:AOTCache}; {@code -Xshare:auto} is left out, as the JVM refuses the two together),
         * on JDK 13 to 24 an AppCDS dynamic archive ({@code -XX:SharedArchiveFile}). The JVM's cds/aot log
         * messages are turned off for these workers so that a rejected archive prints nothing into the task
         * output. Off (logged once) when a class-path entry is not a jar, when {@code jvmOptions} set
         * {@code -Xshare} other than {@code auto} or an archive option of their own, or for an older JVM.
         *
         * @param directory the directory, or {@code null} for none
         * @return this builder
         */
        public Builder classDataCache(Path directory) {
            this.classDataCache = directory == null ? null : directory.toAbsolutePath().normalize();
            return this;
        }

        /**
         * Sets the worker JVMs' main class: only for custom workers that speak the protocol, and for tests.
         *
         * @param className the binary name of the class (default {@value Protocol#WORKER_MAIN_CLASS})
         * @return this builder
         */
        public Builder workerMainClass(String className) {
            this.workerMainClass = Objects.requireNonNull(className, "workerMainClass");
            return this;
        }

        /**
         * Checks every value and builds the configuration.
         *
         * @return the configuration
         * @throws IllegalArgumentException naming the first setting that is out of range
         */
        public PoolConfig build() {
            if (name != null && (name.isBlank() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl))) {
                throw new IllegalArgumentException("name must be 1 to 100 characters, not blank, without control "
                        + "characters, was \"" + name.substring(0, Math.min(name.length(), 100))
                        .replaceAll("\\p{Cntrl}", "?") + "\" (" + name.length() + " characters)");
            }
            if (minSize < 0) {
                throw new IllegalArgumentException("minSize must be >= 0, was " + minSize);
            }
            if (maxSize < 0) {
                throw new IllegalArgumentException("maxSize must be >= 0 (0 means same as minSize), was " + maxSize);
            }
            if (maxSize != 0 && maxSize < minSize) {
                throw new IllegalArgumentException("maxSize (" + maxSize + ") must be >= minSize (" + minSize
                        + ") or 0 for 'same as minSize'");
            }
            requirePositive("idleTimeout", idleTimeout);
            requirePositive("workerStartTimeout", workerStartTimeout);
            if (terminationGrace.isNegative()) {
                throw new IllegalArgumentException("terminationGrace must not be negative, was " + terminationGrace);
            }
            if (maxTasksPerWorker < 0) {
                throw new IllegalArgumentException("maxTasksPerWorker must be >= 0 (0 means unlimited), was "
                        + maxTasksPerWorker);
            }
            if (retries < 0) {
                throw new IllegalArgumentException("retries must be >= 0, was " + retries);
            }
            if (maxFrameBytes < 1024) {
                throw new IllegalArgumentException("maxFrameBytes must be >= 1024, was " + maxFrameBytes);
            }
            if (resultMemoryBudget < 0 || resultMemoryBudget > 0 && resultMemoryBudget < 1024) {
                throw new IllegalArgumentException("resultMemoryBudget must be >= 1024 bytes (0: a quarter of the"
                        + " parent's maximum heap), was " + resultMemoryBudget);
            }
            requirePositive("resultDecodeTimeout", resultDecodeTimeout);
            if (classPath.isEmpty()) {
                throw new IllegalArgumentException("classPath must not be empty: workers need processpool-core");
            }
            if (heartbeatInterval.isNegative() || unresponsiveTimeout.isNegative()) {
                throw new IllegalArgumentException("heartbeatInterval and unresponsiveTimeout must not be negative");
            }
            if (!unresponsiveTimeout.isZero() && !heartbeatInterval.isZero()
                    && unresponsiveTimeout.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("unresponsiveTimeout (" + unresponsiveTimeout
                        + ") must be at least twice the heartbeatInterval (" + heartbeatInterval + ")");
            }
            if (workerMemoryLimit < 0 || workerMemoryHardLimit < 0) {
                throw new IllegalArgumentException("worker memory limits must be >= 0 (0 means none)");
            }
            if (memoryBudget < 0) {
                throw new IllegalArgumentException("memoryBudget must be >= 0 (0 means none), was " + memoryBudget);
            }
            if (workerPidsLimit < 0 || workerPidsLimit > 0 && workerPidsLimit < 32) {
                throw new IllegalArgumentException("workerPidsLimit must be 0 (none) or at least 32 (a worker JVM"
                        + " alone has some twenty threads), was " + workerPidsLimit);
            }
            if (workerNice != null && (workerNice < 0 || workerNice > 19)) {
                throw new IllegalArgumentException("workerNice must be 0 to 19 (a worker can only be given less"
                        + " priority than the pool, never more), was " + workerNice);
            }
            if (heapDumpDirectory != null && Files.exists(heapDumpDirectory) && !Files.isDirectory(heapDumpDirectory)) {
                throw new IllegalArgumentException("heapDumpOnOutOfMemory must be a directory (or not exist yet), was "
                        + heapDumpDirectory);
            }
            if (!deserializationFilter.isEmpty()) {
                try {
                    ObjectInputFilter.Config.createFilter(deserializationFilter);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("deserializationFilter is not a valid filter pattern: "
                            + e.getMessage(), e);
                }
            }
            if (pipelineDepth < 1) {
                throw new IllegalArgumentException("pipelineDepth must be >= 1 (1 means no pipelining), was "
                        + pipelineDepth);
            }
            if (classDataCache != null && Files.exists(classDataCache)
                    && !Files.isDirectory(classDataCache)) {
                throw new IllegalArgumentException("classDataCache must be a directory (or not exist yet), was "
                        + classDataCache);
            }
            if (workerMainClass.isBlank()) {
                throw new IllegalArgumentException("workerMainClass must not be blank");
            }
            for (String o : jvmOptions) {
                if (o == null || o.isBlank()) {
                    throw new IllegalArgumentException("jvmOptions must not contain null or blank entries: " + jvmOptions);
                }
            }
            return new PoolConfig(this);
        }

        private static void requirePositive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + d);
            }
        }
    }
}
