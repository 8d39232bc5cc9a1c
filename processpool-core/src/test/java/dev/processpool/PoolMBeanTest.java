package dev.processpool;

import org.junit.jupiter.api.Test;

import javax.management.Attribute;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The pool's MXBean, read and driven through the platform MBean server as a JMX client would: its name,
 * its attributes against the pool's getters while a task runs and one waits, the {@code shutdown}
 * operation, and unregistration at shutdown.
 */
class PoolMBeanTest {

    private static final Duration AWAIT = Duration.ofSeconds(45);
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    void theAttributesAreThePoolsGettersAndShutdownOverJmxUnregistersIt() throws Exception {
        Path gate = Files.createTempFile("pool-mbean-gate", ".txt");
        Files.delete(gate);
        ProcessPool pool = new ProcessPool(PoolConfig.builder().name("orders").minSize(1).maxSize(1)
                .maxQueuedRequests(5).build());
        try {
            ObjectName name = pool.registerMBean();
            assertThat(name).isEqualTo(new ObjectName("dev.processpool:type=ProcessPool,name=orders"));
            assertThat(pool.registerMBean()).as("idempotent").isEqualTo(name);
            assertThat(SERVER.isRegistered(name)).isTrue();
            assertThat(JMX.isMXBeanInterface(ProcessPoolMXBean.class)).isTrue();

            ProcessTask running = pool.createAndQueueTask(TestTasks.waitForGate(), gate.toString(), 60_000, "done");
            ProcessTask waiting = pool.createAndQueueTask(TestTasks.echo(), "next");
            await().atMost(AWAIT).until(() -> pool.getNumWorkingProcesses() == 1);

            assertThat(SERVER.getAttribute(name, "Name")).isEqualTo("orders");
            assertThat(SERVER.getAttribute(name, "State")).isEqualTo("RUNNING");
            assertThat(SERVER.getAttribute(name, "MinSize")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "MaxSize")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "MaxQueuedRequests")).isEqualTo(5);
            assertThat(SERVER.getAttribute(name, "NumWorkingProcesses")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "NumIdleProcesses")).isEqualTo(0);
            assertThat(SERVER.getAttribute(name, "NumProcesses")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "NumPendingTasks")).isEqualTo(1);
            assertThat(SERVER.getAttribute(name, "FreeSlots")).isEqualTo(0);
            assertThat(SERVER.getAttribute(name, "Full")).isEqualTo(false);
            assertThat(SERVER.getAttribute(name, "Working")).isEqualTo(true);
            assertThat(SERVER.getAttribute(name, "Shutdown")).isEqualTo(false);
            assertThat(SERVER.getAttribute(name, "Terminated")).isEqualTo(false);
            long[] pids = (long[]) SERVER.getAttribute(name, "WorkerPids");
            assertThat(Arrays.stream(pids).boxed()).containsExactlyElementsOf(
                    pool.getWorkers().stream().map(WorkingProcess::pid).toList());
            assertThatThrownBy(() -> SERVER.setAttribute(name, new Attribute("MaxSize", 3)))
                    .as("read-only").isInstanceOf(javax.management.AttributeNotFoundException.class);

            // a typed proxy reads the same
            ProcessPoolMXBean proxy = JMX.newMXBeanProxy(SERVER, name, ProcessPoolMXBean.class);
            assertThat(proxy.getNumPendingTasks()).isEqualTo(1);
            assertThat(proxy.isWorking()).isTrue();

            Files.writeString(gate, "open");
            assertThat(running.future()).succeedsWithin(AWAIT).isEqualTo("done");
            assertThat(waiting.future()).succeedsWithin(AWAIT).isEqualTo("next");
            await().atMost(AWAIT).until(() -> proxy.getNumIdleProcesses() == 1 && !proxy.isWorking());

            // the shutdown operation returns at once; the pool terminates and the MBean goes
            SERVER.invoke(name, "shutdown", new Object[0], new String[0]);
            await().atMost(AWAIT).until(pool::isTerminated);
            await().atMost(AWAIT).until(() -> !SERVER.isRegistered(name));
            assertThat(pool.getNumProcesses()).isZero();
            assertThatThrownBy(pool::registerMBean).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("shut down");
        } finally {
            pool.shutdown(AWAIT);
            Files.deleteIfExists(gate);
        }
    }

    @Test
    void namesAreStableQuotedWhenNeededAndOneNameRegistersOnce() throws Exception {
        String odd = "batch \"7\", a=b: *?";
        try (ProcessPool first = new ProcessPool(PoolConfig.builder().name(odd).minSize(0).build());
             ProcessPool second = new ProcessPool(PoolConfig.builder().name(odd).minSize(0).build());
             ProcessPool unnamed = new ProcessPool(PoolConfig.builder().minSize(0).build())) {
            ObjectName name = first.registerMBean();
            assertThat(name.getKeyProperty("type")).isEqualTo("ProcessPool");
            assertThat(ObjectName.unquote(name.getKeyProperty("name"))).isEqualTo(odd);
            assertThat(name.isPattern()).isFalse();
            assertThat(SERVER.getAttribute(name, "Name")).isEqualTo(odd);
            assertThat(PoolMBean.objectName(odd)).as("the same name gives the same ObjectName").isEqualTo(name);

            assertThatThrownBy(second::registerMBean).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("registered already");
            assertThat(SERVER.getAttribute(name, "Name")).isEqualTo(odd);

            assertThat(unnamed.getName()).matches("processpool-\\d+");
            assertThat(unnamed.registerMBean().getKeyProperty("name")).isEqualTo(unnamed.getName());

            first.shutdown(AWAIT);
            assertThat(SERVER.isRegistered(name)).isFalse();
            assertThat(second.registerMBean()).as("free again once the first pool is gone").isEqualTo(name);
        }
        assertThat(SERVER.queryNames(new ObjectName("dev.processpool:type=ProcessPool,*"), null))
                .as("every pool unregisters at shutdown").isEmpty();
        assertThatThrownBy(() -> PoolConfig.builder().name(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must be");
        assertThatThrownBy(() -> PoolConfig.builder().name("a\nb").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("control characters");
    }
}
