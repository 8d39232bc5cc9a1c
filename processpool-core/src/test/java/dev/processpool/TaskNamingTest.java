package dev.processpool;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** One spelling for the Java names (taskId, timeout); DIRAC's spellings stay as aliases. */
class TaskNamingTest {

    @Test
    void theJavaNamesAndDiracsAliasesAgree() {
        ProcessTask t = ProcessTask.builder(TestTasks.echo()).taskId("a").timeout(Duration.ofSeconds(2)).build();
        assertThat(t.getTaskId()).isEqualTo("a");
        assertThat(t.getTaskID()).isEqualTo("a");
        assertThat(t.getTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(t.getTimeOut()).isEqualTo(Duration.ofSeconds(2));
        t.setTimeout(Duration.ofSeconds(3));
        assertThat(t.getTimeOut()).isEqualTo(Duration.ofSeconds(3));
        t.setTimeOut(Duration.ofSeconds(4));
        assertThat(t.getTimeout()).isEqualTo(Duration.ofSeconds(4));
        assertThat(t.hasTimeout()).isTrue().isEqualTo(t.hasTimeOutSet());
    }
}
