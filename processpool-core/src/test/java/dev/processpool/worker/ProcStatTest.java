package dev.processpool.worker;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProcStatTest {

    @Test
    void readsTheParentPidWithoutAllocating() {
        ParentWatch.ProcStat stat = ParentWatch.ProcStat.open();
        assumeTrue(stat != null, "no /proc/self/stat here");
        long expected = ProcessHandle.current().parent().orElseThrow().pid();
        assertThat(stat.parentPid()).isEqualTo(expected);

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            stat.parentPid(); // compiled, so that what is left is what the code allocates
        }
        long before = mx.getThreadAllocatedBytes(id);
        for (int i = 0; i < 1_000; i++) {
            stat.parentPid();
        }
        long perCall = (mx.getThreadAllocatedBytes(id) - before) / 1_000;
        assertThat(perCall).as("bytes allocated per check").isLessThan(8);
    }
}
