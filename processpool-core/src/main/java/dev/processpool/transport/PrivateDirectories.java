package dev.processpool.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A transport's private directory, which holds its workers' sockets (each deleted once connected) and their
 * fatal error reports: created mode 0700 in a short temporary directory (a Unix socket's path has at most
 * ~107 bytes), named for the owner's pid, and swept when its owner died without removing it.
 */
final class PrivateDirectories {

    private PrivateDirectories() {
    }

    /** Prefix of the private directories: {@code processpool-<owner pid>-<random>}. */
    static final String PREFIX = "processpool-";

    /** Creates this pool's private directory (mode 0700), after sweeping those of dead pools. */
    static Path create() throws IOException {
        // Unix socket paths are limited to ~107 bytes: prefer a short temp directory.
        Path base = Paths.get(System.getProperty("java.io.tmpdir"));
        if (base.toString().length() > 60 && Files.isDirectory(Paths.get("/tmp"))) {
            base = Paths.get("/tmp");
        }
        sweepStale(base);
        return Files.createTempDirectory(base, PREFIX + ProcessHandle.current().pid() + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /**
     * Removes the private directories that pools of dead processes left in {@code base}: a pool whose JVM was
     * SIGKILLed never removes its own. Only directories named for an owner pid that no process has now, owned
     * by this user, holding nothing but files (stale sockets), are removed; anything else is left alone. A pid
     * that was reused by another process keeps its dead owner's directory until that process is gone too.
     */
    static void sweepStale(Path base) {
        String me = System.getProperty("user.name");
        try (var entries = Files.newDirectoryStream(base, PREFIX + "*")) {
            for (Path dir : entries) {
                long owner = ownerPid(dir.getFileName().toString());
                if (owner <= 0 || ProcessHandle.of(owner).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                try {
                    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            || !Files.getOwner(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS).getName().equals(me)) {
                        continue;
                    }
                    try (var files = Files.list(dir)) {
                        for (Path f : (Iterable<Path>) files::iterator) {
                            if (!Files.isDirectory(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                                Files.deleteIfExists(f);
                            }
                        }
                    }
                    Files.deleteIfExists(dir); // fails, and stays, if anything else is in it
                } catch (IOException | RuntimeException busy) {
                    // another pool sweeping at the same time, or not ours to remove
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable temp directory: nothing to sweep
        }
    }

    /** The owner pid in a private directory's name, or -1 (not a name this version gives). */
    static long ownerPid(String name) {
        int end = name.indexOf('-', PREFIX.length());
        if (!name.startsWith(PREFIX) || end <= PREFIX.length()) {
            return -1;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), end));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
