package dev.processpool.cli.testtasks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * A test task that notes each run of a line in {@code <dir>/tally.txt} ("line pid", appended), so a test
 * can tell which lines ran where and how often; then returns {@code "ran <n>"}, exits the JVM
 * ({@code "exit"}), hangs ({@code "hang"}) or throws ({@code "throw"}). Reaches the workers through
 * {@code --classpath}.
 */
public final class Tally {

    private Tally() {
    }

    public static Object run(String dir, long n, String action) throws IOException, InterruptedException {
        Files.writeString(Path.of(dir, "tally.txt"), n + " " + ProcessHandle.current().pid() + "\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        switch (action) {
            case "exit" -> Runtime.getRuntime().halt(3);
            case "hang" -> Thread.sleep(600_000);
            case "throw" -> throw new IllegalStateException("line " + n + " throws");
            case "map" -> {
                return new TreeMap<>(Map.of("n", n, "text", "caf\u00e9 \"q\" \n", "half", n + 0.5));
            }
            default -> {
            }
        }
        return "ran " + n;
    }
}
