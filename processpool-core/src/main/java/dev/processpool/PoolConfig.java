package dev.processpool;

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
 *   <tr><td>{@code minSize}</td><td>2</td><td>workers kept alive at all times (0 allowed: start on demand)</td></tr>
 *   <tr><td>{@code maxSize}</td><td>0</td><td>most workers; 0 means "same as minSize" (at least 1)</td></tr>
 *   <tr><td>{@code maxQueuedRequests}</td><td>10</td><td>tasks waiting for a worker; &lt;= 0 means unbounded</td></tr>
 *   <tr><td>{@code strictLimits}</td><td>true</td><td>never more than maxSize processes alive, even while
 *       a killed worker is being replaced; false lets a replacement start before the killed process has
 *       gone</td></tr>
 *   <tr><td>{@code keepProcessesRunning}</td><td>true</td><td>keep minSize workers alive even when idle;
 *       false lets every idle worker time out (they are started again on demand)</td></tr>
 *   <tr><td>{@code poolCallback}, {@code poolExceptionCallback}</td><td>none</td><td>run after a task's own
 *       callbacks for tasks queued with {@code usePoolCallbacks}</td></tr>
 *   <tr><td>{@code idleTimeout}</td><td>60 s</td><td>an idle worker above the minimum stops after this</td></tr>
 *   <tr><td>{@code workerStartTimeout}</td><td>30 s</td><td>launch to completed handshake, else the launch
 *       failed</td></tr>
 *   <tr><td>{@code maxTasksPerWorker}</td><td>0</td><td>a worker is replaced after this many tasks; 0 means
 *       never</td></tr>
 *   <tr><td>{@code terminationGrace}</td><td>2 s</td><td>between SIGTERM and SIGKILL when workers are stopped
 *       by force</td></tr>
 *   <tr><td>{@code javaExecutable}</td><td>this JVM's {@code bin/java}</td><td>the JVM workers run on</td></tr>
 *   <tr><td>{@code classPath}</td><td>this JVM's class path</td><td>the workers' class path; it must hold
 *       the task classes and processpool-core</td></tr>
 *   <tr><td>{@code jvmOptions}</td><td>{@value #DEFAULT_JVM_OPTIONS_TEXT}</td><td>options for each worker JVM;
 *       the heap cap keeps a worker from keeping a grown heap forever</td></tr>
 *   <tr><td>{@code environment}</td><td>none</td><td>variables added to (or, with a null value, removed from)
 *       the inherited environment</td></tr>
 *   <tr><td>{@code workingDirectory}</td><td>this JVM's</td><td>the workers' working directory</td></tr>
 *   <tr><td>{@code maxFrameBytes}</td><td>512 MiB</td><td>largest message a worker may send (a result or an
 *       exception); a larger one breaks the protocol: the task fails and the worker is killed</td></tr>
 *   <tr><td>{@code resultMemoryBudget}</td><td>a quarter of the parent's maximum heap</td><td>how many bytes of
 *       tasks' answers (results, exceptions) the parent holds at once while it reads and decodes them; see
 *       {@link Builder#resultMemoryBudget(long)}</td></tr>
 *   <tr><td>{@code resultDecodeTimeout}</td><td>2 s</td><td>CPU time the parent may spend rebuilding one
 *       Java-serialised answer, plus 1 s per 16 MiB of it; see {@link Builder#resultDecodeTimeout(Duration)}</td></tr>
 *   <tr><td>{@code outputListener}</td><td>slf4j</td><td>where workers' stdout/stderr lines go</td></tr>
 *   <tr><td>{@code heartbeatInterval}</td><td>1 s</td><td>how often a worker says it is alive; 0 turns
 *       heartbeats (and so hang detection of busy workers) off</td></tr>
 *   <tr><td>{@code unresponsiveTimeout}</td><td>15 s</td><td>a worker silent this long (no heartbeat, no
 *       frame) is killed and its task ends with {@link WorkerUnresponsiveException}, whatever the task's own
 *       timeout; 0 turns it off, and so do heartbeats turned off. At least twice the heartbeat
 *       interval</td></tr>
 *   <tr><td>{@code workerMemoryLimit}</td><td>0 (off)</td><td>resident bytes above which a worker is
 *       replaced after the task that made it cross</td></tr>
 *   <tr><td>{@code workerMemoryHardLimit}</td><td>0 (off)</td><td>resident bytes above which a worker is
 *       killed at once (checked at every heartbeat); its task ends with {@link ResourceLimitException}</td></tr>
 *   <tr><td>{@code deserializationFilter}</td><td>none</td><td>an {@link java.io.ObjectInputFilter} pattern
 *       applied to everything read from workers, after the built-in limits and the rejection of
 *       {@link #DEFAULT_REJECTED_CLASSES known gadget classes}</td></tr>
 *   <tr><td>{@code pipelineDepth}</td><td>8</td><td>how many tasks a worker may hold at once (the running one
 *       included) while tasks wait and its recent tasks took under 5 ms on average, so that it never idles
 *       between short tasks; it is topped up, in one write, when it is down to half. Held tasks that have not
 *       started are taken back if their worker dies, or once its running task has run for 25 ms, and run
 *       elsewhere. 1 turns pipelining off</td></tr>
 *   <tr><td>{@code classDataCache}</td><td>none (off)</td><td>a directory for class-data archives of the
 *       worker JVMs, which start faster with one: an AOT cache for a JDK 25+ worker JVM, an AppCDS dynamic
 *       archive for JDK 13 to 24. Created in the background by a short training JVM the first time a pool
 *       starts with a given JVM, class path and options; until then workers start without it. Used only
 *       when every class-path entry is a jar and {@code jvmOptions} leave sharing alone (no {@code -Xshare}
 *       other than {@code auto}, no archive options); otherwise off (logged)</td></tr>
 *   <tr><td>{@code workerMainClass}</td><td>{@code dev.processpool.worker.WorkerMain}</td><td>the main class
 *       of worker JVMs; only for custom workers that speak the protocol (and tests)</td></tr>
 * </table>
 *
 * <h2>When workers cannot be started</h2>
 * A launch fails when the worker JVM does not complete its handshake (a wrong java executable, class path or
 * JVM option, a start-up timeout). The pool retries with a back-off (100 ms, doubling up to 5 s), and gives
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

    private final String name;
    private final int minSize;
    private final int maxSize;
    private final int maxQueuedRequests;
    private final boolean strictLimits;
    private final boolean keepProcessesRunning;
    private final ResultCallback poolCallback;
    private final ExceptionCallback poolExceptionCallback;
    private final Duration idleTimeout;
    private final Duration workerStartTimeout;
    private final int maxTasksPerWorker;
    private final Duration terminationGrace;
    private final Path javaExecutable;
    private final List<String> classPath;
    private final List<String> jvmOptions;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final int maxFrameBytes;
    private final WorkerOutputListener outputListener;
    private final Duration heartbeatInterval;
    private final Duration unresponsiveTimeout;
    private final long workerMemoryLimit;
    private final long workerMemoryHardLimit;
    private final String deserializationFilter;
    private final String workerMainClass;
    private final int pipelineDepth;
    private final Path classDataCache;
    private final long resultMemoryBudget;
    private final Duration resultDecodeTimeout;

    /** Failed launches in a row after which the pool gives up starting workers (see the class comment). */
    public static final int START_FAILURES_TO_GIVE_UP = 3;

    /** The default {@code resultMemoryBudget} is the parent's maximum heap divided by this. */
    public static final int DEFAULT_RESULT_BUDGET_DIVISOR = 4;

    private PoolConfig(Builder b) {
        this.name = b.name;
        this.minSize = b.minSize;
        this.maxSize = b.maxSize == 0 ? Math.max(1, b.minSize) : b.maxSize;
        this.maxQueuedRequests = b.maxQueuedRequests;
        this.strictLimits = b.strictLimits;
        this.keepProcessesRunning = b.keepProcessesRunning;
        this.poolCallback = b.poolCallback;
        this.poolExceptionCallback = b.poolExceptionCallback;
        this.idleTimeout = b.idleTimeout;
        this.workerStartTimeout = b.workerStartTimeout;
        this.maxTasksPerWorker = b.maxTasksPerWorker;
        this.terminationGrace = b.terminationGrace;
        this.javaExecutable = b.javaExecutable;
        this.classPath = List.copyOf(b.classPath);
        this.jvmOptions = List.copyOf(b.jvmOptions);
        this.environment = Collections.unmodifiableMap(new LinkedHashMap<>(b.environment));
        this.workingDirectory = b.workingDirectory;
        this.maxFrameBytes = b.maxFrameBytes;
        this.outputListener = b.outputListener;
        this.heartbeatInterval = b.heartbeatInterval;
        this.unresponsiveTimeout = b.unresponsiveTimeout;
        this.workerMemoryLimit = b.workerMemoryLimit;
        this.workerMemoryHardLimit = b.workerMemoryHardLimit;
        this.deserializationFilter = b.deserializationFilter;
        this.workerMainClass = b.workerMainClass;
        this.pipelineDepth = b.pipelineDepth;
        this.classDataCache = b.classDataCache;
        this.resultMemoryBudget = b.resultMemoryBudget > 0 ? b.resultMemoryBudget
                : Math.max(1L << 20, Runtime.getRuntime().maxMemory() / DEFAULT_RESULT_BUDGET_DIVISOR);
        this.resultDecodeTimeout = b.resultDecodeTimeout;
    }

    /** {@return a builder with every default in place} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder that starts from this configuration's values} */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.minSize = minSize;
        b.maxSize = maxSize;
        b.maxQueuedRequests = maxQueuedRequests;
        b.strictLimits = strictLimits;
        b.keepProcessesRunning = keepProcessesRunning;
        b.poolCallback = poolCallback;
        b.poolExceptionCallback = poolExceptionCallback;
        b.idleTimeout = idleTimeout;
        b.workerStartTimeout = workerStartTimeout;
        b.maxTasksPerWorker = maxTasksPerWorker;
        b.terminationGrace = terminationGrace;
        b.javaExecutable = javaExecutable;
        b.classPath = new ArrayList<>(classPath);
        b.jvmOptions = new ArrayList<>(jvmOptions);
        b.environment = new LinkedHashMap<>(environment);
        b.workingDirectory = workingDirectory;
        b.maxFrameBytes = maxFrameBytes;
        b.outputListener = outputListener;
        b.heartbeatInterval = heartbeatInterval;
        b.unresponsiveTimeout = unresponsiveTimeout;
        b.workerMemoryLimit = workerMemoryLimit;
        b.workerMemoryHardLimit = workerMemoryHardLimit;
        b.deserializationFilter = deserializationFilter;
        b.workerMainClass = workerMainClass;
        b.pipelineDepth = pipelineDepth;
        b.classDataCache = classDataCache;
        b.resultMemoryBudget = resultMemoryBudget;
        b.resultDecodeTimeout = resultDecodeTimeout;
        return b;
    }

    /** {@return the pool's name as given, or {@code null}: the pool names itself {@code processpool-N}} */
    public String getName() { return name; }

    /** {@return workers kept alive at all times: DIRAC's {@code minSize}} */
    public int getMinSize() { return minSize; }

    /** {@return the effective maximum: never 0 (a 0 given to the builder became {@code max(1, minSize)})} */
    public int getMaxSize() { return maxSize; }

    /** {@return the bound on waiting tasks; {@code <= 0} means unbounded} */
    public int getMaxQueuedRequests() { return maxQueuedRequests; }

    /** {@return whether there are never more than {@code maxSize} worker processes, counting one being killed} */
    public boolean isStrictLimits() { return strictLimits; }

    /** {@return whether {@code minSize} workers are kept alive when idle} */
    public boolean isKeepProcessesRunning() { return keepProcessesRunning; }

    /** {@return the pool's result callback, or {@code null}} */
    public ResultCallback getPoolCallback() { return poolCallback; }

    /** {@return the pool's exception callback, or {@code null}} */
    public ExceptionCallback getPoolExceptionCallback() { return poolExceptionCallback; }

    /** {@return how long a worker above the minimum may stay idle before it stops} */
    public Duration getIdleTimeout() { return idleTimeout; }

    /** {@return the longest a launch may take to a completed handshake} */
    public Duration getWorkerStartTimeout() { return workerStartTimeout; }

    /** {@return tasks after which a worker is replaced; 0 means never} */
    public int getMaxTasksPerWorker() { return maxTasksPerWorker; }

    /** {@return the time between SIGTERM and SIGKILL when workers are stopped by force} */
    public Duration getTerminationGrace() { return terminationGrace; }

    /** {@return the {@code java} executable the workers run on} */
    public Path getJavaExecutable() { return javaExecutable; }

    /** {@return the workers' class path entries (unmodifiable)} */
    public List<String> getClassPath() { return classPath; }

    /** {@return the worker JVM options (unmodifiable)} */
    public List<String> getJvmOptions() { return jvmOptions; }

    /** {@return the variables added to ({@code null} value: removed from) the workers' inherited environment} */
    public Map<String, String> getEnvironment() { return environment; }

    /** {@return the workers' working directory} */
    public Path getWorkingDirectory() { return workingDirectory; }

    /** {@return the largest message, in bytes, a worker may send} */
    public int getMaxFrameBytes() { return maxFrameBytes; }

    /** {@return the listener for workers' output, or {@code null} for the default (slf4j)} */
    public WorkerOutputListener getOutputListener() { return outputListener; }

    /** {@return how often workers send a heartbeat; zero means never} */
    public Duration getHeartbeatInterval() { return heartbeatInterval; }

    /** {@return how long a worker may stay silent before it is killed as unresponsive; zero means forever} */
    public Duration getUnresponsiveTimeout() { return unresponsiveTimeout; }

    /** {@return resident bytes after which a worker is replaced once its task ends; 0 means no limit} */
    public long getWorkerMemoryLimit() { return workerMemoryLimit; }

    /** {@return resident bytes at which a worker is killed at once; 0 means no limit} */
    public long getWorkerMemoryHardLimit() { return workerMemoryHardLimit; }

    /** {@return the user's extra deserialisation filter pattern, or an empty string} */
    public String getDeserializationFilter() { return deserializationFilter; }

    /** {@return the worker JVMs' main class} */
    public String getWorkerMainClass() { return workerMainClass; }

    /** {@return most tasks a worker holds at once when its tasks are short; 1 means no pipelining} */
    public int getPipelineDepth() { return pipelineDepth; }

    /** {@return the directory of the workers' class-data cache (absolute), or {@code null}: off} */
    public Path getClassDataCache() { return classDataCache; }

    /**
     * {@return bytes of tasks' answers the parent may hold at once while it reads and decodes them (the default
     * was worked out from this JVM's maximum heap when the configuration was built)}
     */
    public long getResultMemoryBudget() { return resultMemoryBudget; }

    /** {@return the CPU time the parent may spend rebuilding one Java-serialised answer (plus 1 s per 16 MiB of it)} */
    public Duration getResultDecodeTimeout() { return resultDecodeTimeout; }

    @Override
    public String toString() {
        return "PoolConfig[" + (name == null ? "" : "name=" + name + ", ") + "minSize=" + minSize + ", maxSize=" + maxSize + ", maxQueuedRequests=" + maxQueuedRequests
                + ", strictLimits=" + strictLimits + ", keepProcessesRunning=" + keepProcessesRunning
                + ", idleTimeout=" + idleTimeout + ", workerStartTimeout=" + workerStartTimeout
                + ", maxTasksPerWorker=" + maxTasksPerWorker + ", jvmOptions=" + jvmOptions + "]";
    }

    /** Builds a {@link PoolConfig}. Setters check for null at once; ranges are checked by {@link #build()}. */
    public static final class Builder {
        private String name;
        private int minSize = 2;
        private int maxSize = 0;
        private int maxQueuedRequests = 10;
        private boolean strictLimits = true;
        private boolean keepProcessesRunning = true;
        private ResultCallback poolCallback;
        private ExceptionCallback poolExceptionCallback;
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration workerStartTimeout = Duration.ofSeconds(30);
        private int maxTasksPerWorker = 0;
        private Duration terminationGrace = Duration.ofSeconds(2);
        private Path javaExecutable = Paths.get(System.getProperty("java.home"), "bin", "java");
        private List<String> classPath = defaultClassPath();
        private List<String> jvmOptions = new ArrayList<>(DEFAULT_JVM_OPTIONS);
        private Map<String, String> environment = new LinkedHashMap<>();
        private Path workingDirectory = Paths.get("").toAbsolutePath();
        private int maxFrameBytes = 512 << 20;
        private WorkerOutputListener outputListener;
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration unresponsiveTimeout = Duration.ofSeconds(15);
        private long workerMemoryLimit;
        private long workerMemoryHardLimit;
        private String deserializationFilter = "";
        private String workerMainClass = "dev.processpool.worker.WorkerMain";
        private int pipelineDepth = 8;
        private Path classDataCache;
        private long resultMemoryBudget;
        private Duration resultDecodeTimeout = Duration.ofSeconds(2);

        private Builder() {
        }

        private static List<String> defaultClassPath() {
            String cp = System.getProperty("java.class.path", "");
            List<String> entries = new ArrayList<>();
            for (String e : cp.split(java.io.File.pathSeparator)) {
                if (!e.isEmpty()) {
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
         * @param minSize the number, {@code >= 0} (default 2)
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
         * @param maxQueuedRequests the bound (default 10); {@code <= 0} for none
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
         * @param idleTimeout the time, positive (default 60 s)
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
         * @param timeout the time, positive (default 30 s)
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
         * Sets the time between SIGTERM and SIGKILL when workers are stopped by force.
         *
         * @param grace the time, not negative (default 2 s)
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
         * @param entries the entries (default: this JVM's {@code java.class.path})
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
         * @param maxFrameBytes the size in bytes, at least 1024 (default 512 MiB)
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
         * exception), plus 1 s for each 16 MiB of it; default 2 s. Rebuilding runs the classes' own code
         * ({@code readObject}, {@code hashCode} of hash-based collections): a hostile or unlucky graph, such
         * as hash sets nested in one another that share their elements, would take forever. It runs on a
         * decoding thread, never on a worker's channel, and is stopped when over the bound: the task fails with
         * a {@link ResultTransferException} (an exception falls back to its text form). A graph whose costly
         * part reads nothing more from the stream cannot be stopped inside a JVM: at twice the bound plus 10 s
         * of wall time its task fails anyway and the decoding thread is abandoned (logged). Plain values
         * (numbers, strings, byte arrays, lists of them) are decoded in linear time and never bounded.
         *
         * @param timeout the CPU-time bound for a small answer (default 2 s)
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
         * Sets how often workers send a heartbeat.
         *
         * @param interval the interval (default 1 s); {@link Duration#ZERO} turns heartbeats off
         * @return this builder
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = Objects.requireNonNull(interval, "heartbeatInterval");
            return this;
        }

        /**
         * Sets how long a worker may be silent before it is killed as unresponsive.
         *
         * @param timeout the time (default 15 s), at least twice the heartbeat interval; {@link Duration#ZERO}
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
         * @param bytes the limit in bytes; 0 (the default) means none
         * @return this builder
         */
        public Builder workerMemoryHardLimit(long bytes) { this.workerMemoryHardLimit = bytes; return this; }

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
         * (under 5 ms on average) and tasks are waiting; 1 turns pipelining off.
         *
         * @param depth the number of tasks, at least 1 (default 8)
         * @return this builder
         */
        public Builder pipelineDepth(int depth) { this.pipelineDepth = depth; return this; }

        /**
         * A directory for the worker JVMs' class-data archives, or {@code null} (the default) for none. The
         * directory is created when needed and may be shared by pools and processes: each archive is named
         * by a hash of the worker JVM (its path and version), the class path (each jar's size and time) and
         * the JVM options, so a changed jar or option never meets a stale archive. A missing archive is
         * created once in the background by a short training JVM (with the worker main class's training
         * mode) and used by workers launched after it is ready. On a JDK 25+ worker JVM this is an AOT cache
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
         * @param className the binary name of the class (default {@code dev.processpool.worker.WorkerMain})
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
            if (!deserializationFilter.isEmpty()) {
                try {
                    java.io.ObjectInputFilter.Config.createFilter(deserializationFilter);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("deserializationFilter is not a valid filter pattern: "
                            + e.getMessage(), e);
                }
            }
            if (pipelineDepth < 1) {
                throw new IllegalArgumentException("pipelineDepth must be >= 1 (1 means no pipelining), was "
                        + pipelineDepth);
            }
            if (classDataCache != null && java.nio.file.Files.exists(classDataCache)
                    && !java.nio.file.Files.isDirectory(classDataCache)) {
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
