package dev.processpool;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rooms' direction, read off the main sources (comments and string literals aside): a room knows nothing
 * of the rooms above it, the lower rooms name the public API's vocabulary but never its entry points, and
 * every class of the project is named through an import, never by a fully-qualified name that would hide a
 * dependency in the middle of the code.
 */
class RoomsTest {

    private static final Path SOURCES = Paths.get("src/main/java/dev/processpool");

    /** The rooms each room may use ("api": the vocabulary of dev.processpool, restricted further below). */
    private static final Map<String, Set<String>> MAY_USE = Map.of(
            "logging", Set.of(),
            "protocol", Set.of(),
            "transport", Set.of("protocol", "logging", "api"),
            "worker", Set.of("protocol", "api"),
            "internal", Set.of("transport", "protocol", "logging", "api"));

    /** Of the public API, the only classes these rooms name. */
    private static final Map<String, Set<String>> API_ALLOWED = Map.of(
            "transport", Set.of("WorkerOutputListener"),
            "worker", Set.of("TaskFunction"));

    /** The public API's entry points: the rooms below never name them. */
    private static final Set<String> ENTRY_POINTS = Set.of("ProcessPool", "ProcessPoolExecutor", "ExecutorFuture",
            "ExecutorTask", "ExecutorBatches", "TaskPayloads", "MapRunner", "PoolMBean", "ProcessPoolMXBean",
            "TaskContext", "TaskPool");

    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.processpool\\.(?:([a-z]+)\\.)?([A-Z]\\w*)");

    /** The source without comments, string and character literals (their places kept blank). */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("//", i)) {
                i = source.indexOf('\n', i) < 0 ? source.length() : source.indexOf('\n', i);
            } else if (source.startsWith("/*", i)) {
                i = source.indexOf("*/", i + 2) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                i = source.indexOf("\"\"\"", i + 3) + 3;
                out.append("\"\"");
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (source.charAt(j) != c) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
                out.append(c).append(c);
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static Map<Path, String> sources() throws IOException {
        Map<Path, String> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                all.put(SOURCES.relativize(p), code(Files.readString(p)));
            }
        }
        assertThat(all).as("main sources under %s", SOURCES.toAbsolutePath()).hasSizeGreaterThan(50);
        return all;
    }

    private static String roomOf(Path relative) {
        return relative.getNameCount() == 1 ? "api" : relative.getName(0).toString();
    }

    @Test
    void aRoomKnowsNothingOfTheRoomsAboveIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<Path, String> e : sources().entrySet()) {
            String room = roomOf(e.getKey());
            if (room.equals("api")) {
                continue;
            }
            Matcher m = REFERENCE.matcher(e.getValue());
            while (m.find()) {
                String target = m.group(1) == null ? "api" : m.group(1);
                String type = m.group(2);
                if (target.equals(room)) {
                    continue;
                }
                boolean allowed = MAY_USE.get(room).contains(target)
                        && (!target.equals("api") || !ENTRY_POINTS.contains(type)
                            && API_ALLOWED.getOrDefault(room, Set.of(type)).contains(type));
                if (!allowed) {
                    wrong.add(e.getKey() + " (" + room + ") uses " + m.group());
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    @Test
    void theProjectsClassesAreNamedThroughImportsOnly() throws IOException {
        List<String> hidden = new ArrayList<>();
        for (Map.Entry<Path, String> e : sources().entrySet()) {
            for (String line : e.getValue().split("\n")) {
                String t = line.strip();
                if (t.startsWith("import ") || t.startsWith("package ") || t.startsWith("exports ")
                        || t.startsWith("module ")) {
                    continue;
                }
                Matcher m = REFERENCE.matcher(t);
                if (m.find()) {
                    hidden.add(e.getKey() + ": " + t);
                }
            }
        }
        assertThat(hidden).isEmpty();
    }

    @Test
    void theCodeStripperKeepsCodeAndDropsCommentsAndStrings() {
        assertThat(code("a /* dev.processpool.internal.X */ b // dev.processpool.worker.Y\nc \"dev.processpool.Z\" 'q'"))
                .isEqualTo("a  b \nc \"\" ''");
    }
}
