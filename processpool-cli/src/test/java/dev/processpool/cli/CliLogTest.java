package dev.processpool.cli;

import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The pool's words in the command's: {@link CliLog#plain}. */
class CliLogTest {

    @Test
    void noPoolNameLeadsAMessageNorNamesOneOfThePoolsThreadsInAnotherLibrarysMessage() {
        assertThat(CliLog.plain("clusterpool-3: member 127.0.0.1:5701 left the cluster"))
                .isEqualTo("member 127.0.0.1:5701 left the cluster");
        assertThat(CliLog.plain("processpool-12: worker 2 (pid 77) exited"))
                .isEqualTo("worker 2 (pid 77) exited");
        // Hazelcast's closed connection names the thread that wrote when the pipe broke
        assertThat(CliLog.plain("hz.client_1 ClientConnection{alive=false} closed. Reason: Exception in"
                + " ClientConnection{alive=true}, thread=clusterpool-1-housekeeper: java.io.IOException: Broken pipe"))
                .isEqualTo("hz.client_1 ClientConnection{alive=false} closed. Reason: Exception in"
                        + " ClientConnection{alive=true}, thread=housekeeper: java.io.IOException: Broken pipe")
                .doesNotContain("clusterpool-");
        assertThat(CliLog.plain("thread=processpool-2-timer")).isEqualTo("thread=timer");
        // a path that happens to hold the prefix is left alone
        assertThat(CliLog.plain("cannot read /tmp/processpool-812-4471/w1.sock"))
                .isEqualTo("cannot read /tmp/processpool-812-4471/w1.sock");
        assertThat(CliLog.plain("task line-42 timed out")).isEqualTo("the task of line 42 timed out");
    }

    @Test
    void aWarningsExceptionNamesNoPoolThreadEither() {
        CliLog.hold(); // from whatever mode another test left: shown from now on, what it held goes out now
        CliLog.release();
        CliLog.quiet(false);
        List<String> lines = new CopyOnWriteArrayList<>();
        CliLog.to(lines::add);
        try {
            CliLog.log(Level.WARN, "clusterpool-1: checking whether members can start workers failed",
                    new IllegalStateException("Exception in ClientConnection{alive=true},"
                            + " thread=clusterpool-1-housekeeper: java.io.IOException: Broken pipe"));
        } finally {
            CliLog.to(line -> System.err.println(line));
        }
        assertThat(lines).containsExactly("processpool: warning: checking whether members can start workers failed:"
                + " java.lang.IllegalStateException: Exception in ClientConnection{alive=true},"
                + " thread=housekeeper: java.io.IOException: Broken pipe");
    }
}
