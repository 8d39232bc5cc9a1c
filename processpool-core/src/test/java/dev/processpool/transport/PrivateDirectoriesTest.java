package dev.processpool.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pool whose JVM was SIGKILLed leaves its private directory behind; the next pool removes it, and nothing
 * else: not a live pool's, not one holding a directory, not a name it does not give.
 */
class PrivateDirectoriesTest {

    @Test
    void onlyTheDirectoriesOfDeadOwnersHoldingOnlyFilesAreSwept(@TempDir Path base) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        long dead = gone.pid();
        Path stale = Files.createDirectory(base.resolve("processpool-" + dead + "-123"));
        Files.createFile(stale.resolve("w1.sock"));
        Path live = Files.createDirectory(base.resolve("processpool-" + ProcessHandle.current().pid() + "-456"));
        Path holding = Files.createDirectories(base.resolve("processpool-" + dead + "-789").resolve("keep"));
        Path foreign = Files.createDirectory(base.resolve("processpool-notapid-1"));
        Path other = Files.createDirectory(base.resolve("something-else"));

        PrivateDirectories.sweepStale(base);

        assertThat(stale).doesNotExist();
        assertThat(live).isDirectory();
        assertThat(holding).isDirectory();
        assertThat(foreign).isDirectory();
        assertThat(other).isDirectory();
    }

    @Test
    void aNewDirectoryIsPrivateAndNamedForItsOwner() throws Exception {
        Path dir = PrivateDirectories.create();
        try {
            assertThat(PrivateDirectories.ownerPid(dir.getFileName().toString())).isEqualTo(ProcessHandle.current().pid());
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(dir.toString().length()).as("room left for a socket's name").isLessThan(90);
        } finally {
            Files.deleteIfExists(dir);
        }
        assertThat(PrivateDirectories.ownerPid("processpool-")).isEqualTo(-1);
        assertThat(PrivateDirectories.ownerPid("processpool--1")).isEqualTo(-1);
        assertThat(PrivateDirectories.ownerPid("processpool-12x-1")).isEqualTo(-1);
        assertThat(PrivateDirectories.ownerPid("other-12-1")).isEqualTo(-1);
        assertThat(PrivateDirectories.ownerPid("processpool-12-1")).isEqualTo(12);
    }
}
