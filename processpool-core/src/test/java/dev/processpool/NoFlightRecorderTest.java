package dev.processpool;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flight-recorder events are optional: on a runtime without the {@code jdk.jfr} module (a jlinked one; here
 * this JDK with {@code --limit-modules}) a pool starts, runs a task and shuts down, without them; and with it,
 * while nothing records, a pool loads none of them.
 */
class NoFlightRecorderTest {

    /** Runs one task in a pool and prints its result; the test runs it in a JVM without jdk.jfr. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            System.out.println("jdk.jfr in the boot layer: " + ModuleLayer.boot().findModule("jdk.jfr").isPresent());
            try (ProcessPool pool = new ProcessPool(PoolConfig.builder().minSize(1).maxSize(1).build())) {
                ProcessTask t = pool.createAndQueueTask(TestTasks.echo(), "ran without jdk.jfr");
                System.out.println(t.future().get(60, TimeUnit.SECONDS));
            }
        }
    }

    private static String run(String... javaOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(javaOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            return out;
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    void aPoolRunsOnARuntimeWithoutTheJfrModule() throws Exception {
        String out = run("--limit-modules", "java.base,java.management,jdk.management,jdk.unsupported");
        assertThat(out).contains("jdk.jfr in the boot layer: false", "ran without jdk.jfr")
                .doesNotContain("NoClassDefFoundError");
    }

    /** Loading the first event class sets the recorder up (about half a second): a pool never does it unasked. */
    @Test
    void withNoRecordingAPoolLoadsNoEventClass() throws Exception {
        String out = run("-Xlog:class+load=info");
        assertThat(out).contains("jdk.jfr in the boot layer: true", "ran without jdk.jfr",
                "dev.processpool.internal.FlightEvents ");
        assertThat(out).doesNotContain("FlightEvents$TaskExecuted", "FlightEvents$Types", "jdk.jfr.Event ");
    }
}
