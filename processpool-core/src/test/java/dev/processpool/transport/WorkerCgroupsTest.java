package dev.processpool.transport;

import dev.processpool.testing.CapturingProvider;
import dev.processpool.testing.CapturingProvider.Entry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.event.Level;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WorkerCgroups} against plain directories that stand in for a cgroup v2 tree: where the pool finds its
 * own cgroup, which limits it writes, and which directories it removes as left behind by dead pools (only its
 * own kind). The real kill is {@link CgroupKillTest}'s.
 */
class WorkerCgroupsTest {

    /** No process has this pid (above any pid_max). */
    private static final long DEAD_PID = Integer.MAX_VALUE - 1;

    @Test
    void theOwnCgroupIsFoundBelowTheCgroup2MountAlsoInACgroupNamespace(@TempDir Path dir) throws Exception {
        Path mountinfo = dir.resolve("mountinfo");
        Path cgroup = dir.resolve("cgroup");
        Files.writeString(mountinfo, "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                + "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
                + "40 30 0:37 / /sys/fs/cgroup/unified\\040v2 rw,relatime shared:9 - cgroup2 cgroup2 rw\n");
        Files.writeString(cgroup, "4:memory:/elsewhere\n0::/user.slice/app.scope\n");
        assertThat(WorkerCgroups.ownCgroup(mountinfo, cgroup))
                .isEqualTo(Paths.get("/sys/fs/cgroup/unified v2/user.slice/app.scope"));

        // a container's mount shows the host path as its root
        Files.writeString(mountinfo, "40 30 0:37 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
        Files.writeString(cgroup, "0::/docker/abc/inner\n");
        assertThat(WorkerCgroups.ownCgroup(mountinfo, cgroup)).isEqualTo(Paths.get("/sys/fs/cgroup/inner"));

        Files.writeString(cgroup, "1:name=systemd:/\n"); // v1 only
        assertThat(WorkerCgroups.ownCgroup(mountinfo, cgroup)).isNull();
        Files.writeString(cgroup, "0::/x\n");
        Files.writeString(mountinfo, "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
        assertThat(WorkerCgroups.ownCgroup(mountinfo, cgroup)).as("no cgroup2 mount").isNull();
    }

    /**
     * "Where it is not available, keep today's process-group kill and say so once in the log": the first pool
     * of a JVM says at INFO whether its workers get cgroups and, if not, why; the pools after it do not repeat
     * it at INFO. Here with a mountinfo that has no cgroup2 mount, then with one whose hierarchy is a plain
     * directory this test owns.
     */
    @Test
    void whetherWorkersGetCgroupsIsSaidOnceInTheLogWithTheReason(@TempDir Path dir) throws Exception {
        Path mountinfo = dir.resolve("mountinfo");
        Path cgroup = dir.resolve("cgroup");
        Files.writeString(mountinfo, "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
        Files.writeString(cgroup, "4:memory:/\n0::/\n");
        Queue<Entry> log = CapturingProvider.tap();
        try {
            AtomicBoolean told = new AtomicBoolean();
            assertThat(WorkerCgroups.open(mountinfo, cgroup, 0, 0, told)).as("no cgroup2 mount").isNull();
            assertThat(WorkerCgroups.open(mountinfo, cgroup, 0, 0, told)).isNull();
            assertThat(said(log)).singleElement().satisfies(m -> assertThat(m)
                    .contains("cgroup kill off: no cgroup v2 hierarchy is mounted")
                    .contains("killed by process group").contains("setsid"));

            log.clear();
            Path hierarchy = Files.createDirectory(dir.resolve("hierarchy"));
            Files.writeString(hierarchy.resolve("cgroup.procs"), "");
            Files.writeString(mountinfo, "40 30 0:37 / " + hierarchy + " rw - cgroup2 cgroup2 rw\n");
            AtomicBoolean toldOn = new AtomicBoolean();
            try (WorkerCgroups first = WorkerCgroups.open(mountinfo, cgroup, 0, 0, toldOn);
                 WorkerCgroups second = WorkerCgroups.open(mountinfo, cgroup, 0, 0, toldOn)) {
                assertThat(first).isNotNull();
                assertThat(second).isNotNull();
                assertThat(said(log)).singleElement().satisfies(m -> assertThat(m)
                        .contains("cgroup kill on").contains(first.directory().toString()));
            }
        } finally {
            CapturingProvider.untap(log);
        }
    }

    /** What {@link WorkerCgroups} logged at INFO or above. */
    private static List<String> said(Queue<Entry> log) {
        return log.stream().filter(e -> e.logger().equals(WorkerCgroups.class.getName()))
                .filter(e -> e.level().toInt() >= Level.INFO.toInt()).map(Entry::message).toList();
    }

    @Test
    void limitsAreWrittenOnlyWhereTheControllersAreOffered(@TempDir Path own) throws Exception {
        Files.writeString(own.resolve("cgroup.procs"), "");
        Files.writeString(own.resolve("cgroup.subtree_control"), "cpu memory pids\n");
        try (WorkerCgroups cgroups = WorkerCgroups.create(own, 512L << 20, 200)) {
            WorkerCgroups.Group g = cgroups.newGroup(7);
            assertThat(g.directory()).isEqualTo(cgroups.directory().resolve("worker-7"));
            assertThat(cgroups.directory().getFileName().toString())
                    .startsWith("processpool-" + ProcessHandle.current().pid() + "-");
            assertThat(Files.readString(cgroups.directory().resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids");
            assertThat(Files.readString(g.directory().resolve("memory.max"))).isEqualTo(Long.toString(512L << 20));
            assertThat(Files.readString(g.directory().resolve("memory.oom.group"))).isEqualTo("1");
            assertThat(Files.readString(g.directory().resolve("pids.max"))).isEqualTo("200");
        }

        Files.writeString(own.resolve("cgroup.subtree_control"), "cpu\n");
        try (WorkerCgroups cgroups = WorkerCgroups.create(own, 512L << 20, 200)) {
            WorkerCgroups.Group g = cgroups.newGroup(1);
            assertThat(cgroups.directory().resolve("cgroup.subtree_control")).doesNotExist();
            assertThat(g.directory().resolve("memory.max")).doesNotExist();
            assertThat(g.directory().resolve("pids.max")).doesNotExist();
        }
    }

    @Test
    void onlyDirectoriesOfDeadPoolsHoldingOnlyWorkerGroupsAreSwept(@TempDir Path own) throws Exception {
        ProcessHandle me = ProcessHandle.current();
        long myStart = me.info().startInstant().orElseThrow().toEpochMilli();
        Path dead = Files.createDirectories(own.resolve("processpool-" + DEAD_PID + "-123-1/worker-1")).getParent();
        Path reused = Files.createDirectories(own.resolve("processpool-" + me.pid() + "-" + (myStart - 5000) + "-1/worker-2"))
                .getParent();
        Path alive = Files.createDirectories(own.resolve("processpool-" + me.pid() + "-" + myStart + "-99/worker-1"))
                .getParent();
        Path foreignChild = Files.createDirectories(own.resolve("processpool-" + DEAD_PID + "-123-2/system.slice"))
                .getParent();
        Path otherName = Files.createDirectories(own.resolve("processpool-" + DEAD_PID + "/worker-1")).getParent();
        Path unrelated = Files.createDirectories(own.resolve("someone-else/worker-1")).getParent();

        WorkerCgroups.sweepStale(own);

        assertThat(dead).as("a dead owner's").doesNotExist();
        assertThat(reused).as("an owner whose pid another process has now").doesNotExist();
        assertThat(alive).as("this JVM's").isDirectory();
        assertThat(foreignChild).as("holds a cgroup the pool does not make").isDirectory();
        assertThat(otherName).as("not a name the pool gives").isDirectory();
        assertThat(unrelated).isDirectory();
    }
}
