package dev.processpool.cli;

import dev.processpool.PoolConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code processpool member}: a cluster member running tasks of {@code run --cluster} clients in its workers. */
@Command(name = "member", sortOptions = false, mixinStandardHelpOptions = true, usageHelpAutoWidth = true,
        versionProvider = Main.Version.class,
        headerHeading = "%n",
        header = "Run a cluster member: tasks of 'processpool run --cluster' clients run in its worker JVMs.",
        synopsisHeading = "%nUsage: ",
        descriptionHeading = "%n",
        description = {
            "Starts a Hazelcast member bound to one address (loopback unless --bind says otherwise) that joins"
                + " the members listed with --join (TCP-IP only, no multicast, no phone-home), and runs until"
                + " SIGINT or SIGTERM. It takes a task from the cluster whenever one of its --max workers is free."
                + " Tasks come from the clients' input; their classes come from this member's --classpath.",
            "",
            "There is no authentication or encryption (Hazelcast's open-source edition): anyone who reaches the"
                + " port can run code in the workers. Run members on a private network only.",
        },
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {
            "SIGINT or SIGTERM: stop taking tasks, let those held finish (up to",
            "--shutdown-timeout; the rest run again on other members), leave the",
            "cluster. A member that dies instead takes its workers with it; its tasks",
            "run again on the others (at least once: make tasks idempotent).",
            "",
            "Example (two machines on a private network):",
            "  processpool member --cluster-name batch --bind 10.0.0.1 --port 5701 --max 8",
            "  processpool member --cluster-name batch --bind 10.0.0.2 --port 5701 \\",
            "      --join 10.0.0.1:5701 --max 8",
        })
final class MemberCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--cluster-name", required = true, paramLabel = "NAME",
            description = "The cluster's name; members and clients must use the same.")
    private String clusterName;

    @Option(names = "--port", required = true, paramLabel = "PORT", description = "The member's port.")
    private int port;

    @Option(names = "--join", paramLabel = "HOST:PORT", split = ",",
            description = "Members to join (default: none, this one forms the cluster).")
    private List<String> join = new ArrayList<>();

    @Option(names = "--bind", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
            description = "The one address to listen on and be reached at (default: ${DEFAULT-VALUE}).")
    private String bind;

    @Option(names = "--max", required = true, paramLabel = "N", description = "Most workers (tasks) at once.")
    private int max;

    @Option(names = "--min", paramLabel = "N", defaultValue = "0",
            description = "Workers kept alive even when idle (default: ${DEFAULT-VALUE}).")
    private int min;

    @Option(names = {"-cp", "--classpath", "--class-path"}, paramLabel = "PATH",
            description = "Jars or class directories holding the task classes (repeatable, or joined with '"
                    + "${sys:path.separator}'); dir/* takes every jar in dir.")
    private List<String> classPath = new ArrayList<>();

    @Option(names = "--max-tasks-per-worker", paramLabel = "N", defaultValue = "0",
            description = "Replace a worker after this many tasks (default: never).")
    private int maxTasksPerWorker;

    @Option(names = "--worker-heap", paramLabel = "SIZE",
            description = "Each worker's heap limit, e.g. 512m or 2g (default: 256m).")
    private String workerHeap;

    @Option(names = "--jvm-opt", paramLabel = "OPTION",
            description = "An extra option for each worker JVM (repeatable).")
    private List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--class-data-cache", paramLabel = "DIR",
            description = "Keep class-data archives of the worker JVMs in DIR (default: none).")
    private Path classDataCache;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", converter = RunCommand.DurationConverter.class,
            defaultValue = "30s",
            description = "On SIGINT/SIGTERM, how long held tasks may take to finish (default: ${DEFAULT-VALUE}).")
    private Duration shutdownTimeout;

    @Option(names = {"-q", "--quiet"}, description = "Only errors on standard error.")
    private boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (max < 1 || min < 0 || min > max) {
            throw new ParameterException(spec.commandLine(), "--max must be 1 or more and --min 0.." + max
                    + ", were " + max + " and " + min);
        }
        if (maxTasksPerWorker < 0) {
            throw new ParameterException(spec.commandLine(), "--max-tasks-per-worker must be 0 or more");
        }
        List<String> jvm = RunCommand.workerJvmOptions(spec.commandLine(), workerHeap, jvmOptions, classDataCache);
        RunCommand.TaskClassPath tasks = RunCommand.taskClassPath(spec.commandLine(), classPath);
        Main.configureLogging(quiet);
        Console console = new Console(System.err);
        PoolConfig pool = Runner.workerPool(min, max, 0, maxTasksPerWorker, tasks.workerClassPath(), jvm,
                classDataCache, quiet, console).build();
        ClusterSupport support;
        ClusterSupport.Member member;
        try {
            support = ClusterSupport.load();
            member = support.startMember(clusterName, bind, port, join, pool, shutdownTimeout);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("processpool member: " + e.getMessage());
            return Runner.EXIT_USAGE;
        }
        AtomicInteger signal = new AtomicInteger();
        Runnable leave = () -> {
            if (signal.get() != 0) {
                new Thread(member::close, "processpool-member-leave").start();
            }
        };
        Signals.onInterrupt(() -> {
            signal.compareAndSet(0, Runner.EXIT_INTERRUPTED);
            leave.run();
        });
        Signals.onTerminate(() -> {
            signal.compareAndSet(0, Runner.EXIT_TERMINATED);
            leave.run();
        });
        if (!quiet) {
            console.message("processpool member " + member.address() + " of cluster '" + clusterName + "', " + max
                    + " worker(s); members: " + member.members());
        }
        while (!member.awaitStopped(Duration.ofSeconds(1))) {
            // until SIGINT/SIGTERM, or Hazelcast stops
        }
        if (!quiet) {
            console.message("processpool member " + member.address() + " left the cluster");
        }
        return signal.get() == 0 ? Runner.EXIT_FAILED : Runner.EXIT_OK;
    }
}
