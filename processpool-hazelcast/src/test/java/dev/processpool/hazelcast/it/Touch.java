package dev.processpool.hazelcast.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A task that leaves a trace: it creates the file it is given. ClusterCliIT names it from input lines, to see
 * whether a line's "task" ran on a member (the file exists) or was refused before it reached one.
 */
public class Touch {

    public static String touch(String path) throws IOException {
        Files.writeString(Path.of(path), "ran");
        return "touched";
    }
}
