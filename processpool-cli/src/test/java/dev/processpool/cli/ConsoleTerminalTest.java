package dev.processpool.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Whether stderr is a terminal, told from what {@code /proc/self/fd/2} links to. */
class ConsoleTerminalTest {

    @Test
    void pseudoTerminalsConsolesAndSerialLinesAreTerminals() {
        assertThat(Console.terminalDevice("/dev/pts/3")).isTrue();
        assertThat(Console.terminalDevice("/dev/tty1")).isTrue();
        assertThat(Console.terminalDevice("/dev/ttyS0")).isTrue();
        assertThat(Console.terminalDevice("/dev/console")).isTrue();
    }

    @Test
    void pipesSocketsFilesAndOtherDevicesAreNot() {
        assertThat(Console.terminalDevice("pipe:[81734]")).isFalse();
        assertThat(Console.terminalDevice("socket:[4411]")).isFalse();
        assertThat(Console.terminalDevice("anon_inode:[eventfd]")).isFalse();
        assertThat(Console.terminalDevice("/dev/null")).isFalse();
        assertThat(Console.terminalDevice("/tmp/run.log")).isFalse();
        assertThat(Console.terminalDevice("/tmp/run.log (deleted)")).isFalse();
    }

    @Test
    void whatTheLinkCannotTellIsAskedOfTheShell() {
        assertThat(Console.terminalDevice("")).isNull();
        assertThat(Console.terminalDevice("/proc/1/fd/2")).isNull();
        assertThat(Console.terminalDevice("something")).isNull();
    }

    @Test
    void thisTestsOwnStderrIsNoTerminal() {
        // under Maven, a test JVM's stderr is a pipe or a file
        assertThat(Console.stderrIsTerminal()).isFalse();
    }
}
