package dev.processpool;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The flight-recorder events are optional: on a runtime without the {@code jdk.jfr} module (a jlinked one; here
 * this JDK with {@code --limit-modules}) a pool starts, runs a task and shuts down, without them.
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

    @Test
    void aPoolRunsOnARuntimeWithoutTheJfrModule() throws Exception {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--limit-modules", "java.base,java.management,jdk.management,jdk.unsupported",
                "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .redirectErrorStream(true).start();
        try {
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ended).as(out).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("jdk.jfr in the boot layer: false", "ran without jdk.jfr")
                    .doesNotContain("NoClassDefFoundError");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
