package dev.processpool.cli;

import dev.processpool.PoolConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** {@code processpool member}: a cluster member running tasks of {@code run --cluster} clients in its workers. */
@Command(name = "member",
        header = "Run a cluster member: tasks of 'processpool run --cluster' clients run in its worker JVMs.",
        description = {
            "Starts a Hazelcast member bound to one address (loopback unless --bind says otherwise) that joins"
                + " the members listed with --join (TCP-IP only, no multicast, no phone-home), and runs until"
                + " SIGINT or SIGTERM. It takes a task from the cluster whenever one of its --max workers is free."
                + " Tasks come from the clients' input; their classes come from this member's --classpath.",
            "",
            "There is no authentication or encryption (Hazelcast's open-source edition): anyone who reaches the"
                + " port can run code in the workers. Run members on a private network only.",
        },
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
final class MemberCommand extends Subcommand {

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

    /** --classpath, --min, --max-tasks-per-worker, --worker-heap, --jvm-opt, --class-data-cache: as run has them. */
    @Mixin
    private WorkerOptions workers;

    @Option(names = "--shutdown-timeout", paramLabel = "DURATION", converter = RunCommand.DurationConverter.class,
            defaultValue = "30s",
            description = "On SIGINT/SIGTERM, how long held tasks may take to finish (default: ${DEFAULT-VALUE}).")
    private Duration shutdownTimeout;

    @Option(names = {"-q", "--quiet"}, description = "Only errors on standard error.")
    private boolean quiet;

    @Override
    public Integer call() throws Exception {
        workers.checkSizes(max);
        List<String> jvm = workers.jvmOptions();
        WorkerOptions.TaskClassPath tasks = workers.taskClassPath();
        Main.configureLogging(quiet);
        Console console = new Console(System.err);
        PoolConfig pool = Runner.workerPool(workers.min, max, 0, workers.maxTasksPerWorker, tasks.workerClassPath(),
                jvm, workers.classDataCache(), quiet, console, true).build();
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
