package dev.processpool.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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
                .containsExactly("-XX:NewSize=8m", "-XX:TieredStopAtLevel=1");
        assertThat(jvmOptions(new RunCommand(), "--input", "-", "--task", "java.lang.Math::abs", "--worker-heap", "64m",
                "--jvm-opt=-XX:TieredStopAtLevel=4", "--jvm-opt", "-Dx=y"))
                .containsExactly("-XX:NewSize=8m", "-XX:TieredStopAtLevel=1", "-Xmx64m", "-XX:TieredStopAtLevel=4", "-Dx=y");
        assertThat(jvmOptions(new MemberCommand(), "--cluster-name", "c", "--port", "5701", "--max", "2"))
                .containsExactly("-XX:NewSize=8m", "-XX:TieredStopAtLevel=1");
    }

    @Test
    void fullJitLeavesTheJvmItsOwnCompilers() {
        assertThat(jvmOptions(new RunCommand(), "--input", "-", "--task", "java.lang.Math::abs", "--worker-jit", "full",
                "--jvm-opt=-Dx=y")).containsExactly("-XX:NewSize=8m", "-Dx=y");
        assertThat(jvmOptions(new MemberCommand(), "--cluster-name", "c", "--port", "5701", "--max", "2",
                "--worker-jit=full")).containsExactly("-XX:NewSize=8m");
    }
}
