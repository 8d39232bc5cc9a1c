package dev.processpool.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The worker JVM options that {@code run} and {@code member} build from their options, in this JVM. */
class WorkerOptionsTest {

    private static List<String> jvmOptions(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        cl.parseArgs(args);
        WorkerOptions w = (WorkerOptions) cl.getMixins().get("workers");
        return w.jvmOptions();
    }

    @Test
    void quickJitIsTheDefaultAndComesBeforeTheUsersOptionsSoTheyCanOverrideIt() {
        assertThat(jvmOptions(new RunCommand(), "--input", "-", "--task", "java.lang.Math::abs"))
                .containsExactly(defaultsAnd("-XX:TieredStopAtLevel=1"));
        assertThat(jvmOptions(new RunCommand(), "--input", "-", "--task", "java.lang.Math::abs", "--worker-heap", "64m",
                "--jvm-opt=-XX:TieredStopAtLevel=4", "--jvm-opt", "-Dx=y"))
                .containsExactly(defaultsAnd("-XX:TieredStopAtLevel=1", "-Xmx64m", "-XX:TieredStopAtLevel=4", "-Dx=y"));
        assertThat(jvmOptions(new MemberCommand(), "--cluster-name", "c", "--port", "5701", "--max", "2"))
                .containsExactly(defaultsAnd("-XX:TieredStopAtLevel=1"));
    }

    @Test
    void fullJitLeavesTheJvmItsOwnCompilers() {
        assertThat(jvmOptions(new RunCommand(), "--input", "-", "--task", "java.lang.Math::abs", "--worker-jit", "full",
                "--jvm-opt=-Dx=y")).containsExactly(defaultsAnd("-Dx=y"));
        assertThat(jvmOptions(new MemberCommand(), "--cluster-name", "c", "--port", "5701", "--max", "2",
                "--worker-jit=full")).containsExactly(defaultsAnd());
    }

    /** The CLI's worker defaults, then {@code more}. */
    private static String[] defaultsAnd(String... more) {
        List<String> all = new java.util.ArrayList<>(WorkerOptions.DEFAULTS);
        all.addAll(List.of(more));
        assertThat(all).startsWith("-XX:NewSize=8m", "-XX:Tier3InvocationThreshold=500");
        return all.toArray(String[]::new);
    }

    private static WorkerOptions workers(String... args) {
        CommandLine cl = new CommandLine(new RunCommand());
        cl.parseArgs(args);
        return (WorkerOptions) cl.getMixins().get("workers");
    }

    @Test
    void theClassDataCacheIsOnByDefaultInTheUsersCacheDirectory() {
        assertThat(WorkerOptions.defaultClassDataCache(null, "/x/cache", "/home/u")).isEqualTo(Path.of("/x/cache/processpool"));
        assertThat(WorkerOptions.defaultClassDataCache(null, null, "/home/u")).isEqualTo(Path.of("/home/u/.cache/processpool"));
        assertThat(WorkerOptions.defaultClassDataCache(null, "", "/home/u")).isEqualTo(Path.of("/home/u/.cache/processpool"));
        assertThat(WorkerOptions.defaultClassDataCache(null, "relative", "/home/u"))
                .as("XDG: a relative path is invalid and ignored").isEqualTo(Path.of("/home/u/.cache/processpool"));
        assertThat(WorkerOptions.defaultClassDataCache("/pp", "/x/cache", "/home/u")).isEqualTo(Path.of("/pp"));
        assertThat(WorkerOptions.defaultClassDataCache("", "/x/cache", "/home/u")).as("an empty variable: off").isNull();
        assertThat(WorkerOptions.defaultClassDataCache(null, null, "?")).as("no home directory: off").isNull();
        assertThat(WorkerOptions.defaultClassDataCache(null, null, null)).isNull();
    }

    @Test
    void theCacheOptionsWinOverTheDefaultAndExcludeEachOther() {
        String[] base = {"--input", "-", "--task", "java.lang.Math::abs"};
        assertThat(workers(concat(base, "--class-data-cache", "/tmp/c")).classDataCache()).isEqualTo(Path.of("/tmp/c"));
        assertThat(workers(concat(base, "--no-class-data-cache")).classDataCache()).isNull();
        WorkerOptions both = workers(concat(base, "--no-class-data-cache", "--class-data-cache", "/tmp/c"));
        assertThatThrownBy(both::jvmOptions).hasMessageContaining("--class-data-cache and --no-class-data-cache");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
