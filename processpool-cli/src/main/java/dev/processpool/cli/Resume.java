package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code --resume}: what an earlier run left in the output file, and which input lines it has done.
 *
 * <p>A line of the output file is <em>final</em> when its task ran to an outcome or its input line was
 * bad: status {@code ok}, {@code error}, {@code timeout} or {@code worker-died}, except an {@code error} of
 * type {@code dev.processpool.WorkerStartException} (no worker could be started, so the task never ran). A
 * {@code cancelled} line is not final either. Before the run, the file is put in order: a last line cut
 * short by a killed run is removed, and so are the lines that are not final, so that the run that follows
 * appends exactly one line for each input line not yet done. A line that is neither (not JSON, or not an
 * output line of this command) in the middle of the file stops the run: it is not this command's file.
 *
 * <p>An input line is done when the file holds a final line with the same {@code id}: preferably one with
 * the same {@code line} number too, so that duplicate ids and unchanged inputs match line for line; failing
 * that, any final line of that id no other input line matches exactly (the input changed: the line moved).
 * For a file input both are known before the run starts (the input is read once ahead for its ids); from
 * standard input an inexact match is taken only from earlier line numbers. Not thread-safe: the feeder
 * thread alone asks it.
 */
final class Resume {

    /** A final line of the file, by its id key: line numbers, with whether each was ok. */
    private final Map<String, TreeMap<Long, Boolean>> done = new HashMap<>();
    /** Keys with exact (id, line) matches in the input, when it was read ahead. */
    private Map<String, Set<Long>> exact;
    /** Per key, how many final lines no input line matches exactly, when the input was read ahead. */
    private Map<String, Integer> inexact;
    private final Path file;
    private long skipped;
    private long skippedNotOk;
    private long repairedTorn;
    private long droppedNotFinal;

    private Resume(Path file) {
        this.file = file;
    }

    /** Thrown when the output file is not one this command wrote. */
    static final class ForeignFileException extends Exception {
        private static final long serialVersionUID = 1L;

        ForeignFileException(String message) {
            super(message);
        }
    }

    /**
     * Reads the output file of an earlier run (none yet is fine), and puts it in order for appending: cuts a
     * torn last line, drops lines that are not final.
     */
    static Resume load(Path file) throws IOException, ForeignFileException {
        Resume r = new Resume(file);
        if (!Files.exists(file)) {
            return r;
        }
        Set<Long> notFinal = new HashSet<>();
        long tornAt = -1;
        boolean missingNewline = false;
        try (InputLines lines = new InputLines(Files.newInputStream(file), Integer.MAX_VALUE - 16)) {
            InputLines.Line previous = null;
            for (InputLines.Line l = lines.next(); l != null; l = lines.next()) {
                if (previous != null) {
                    r.readRecord(previous, notFinal);
                }
                previous = l;
            }
            if (previous != null && !previous.terminated() && looksTorn(previous)) {
                tornAt = previous.offset();
            } else if (previous != null) {
                r.readRecord(previous, notFinal);
                missingNewline = !previous.terminated();
            }
        }
        if (!notFinal.isEmpty()) {
            r.rewriteWithout(notFinal, tornAt);
        } else if (tornAt >= 0) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.truncate(tornAt);
                ch.force(true);
            }
        } else if (missingNewline) {
            // a complete line whose \n the killed run did not write
            Files.write(file, new byte[] {'\n'}, StandardOpenOption.APPEND);
        }
        r.repairedTorn = tornAt >= 0 ? 1 : 0;
        r.droppedNotFinal = notFinal.size();
        return r;
    }

    /**
     * Reads the input once ahead (a file, not standard input) for its ids, so that lines whose id moved
     * are matched too.
     */
    void readAhead(InputStream input, long maxLineBytes) throws IOException {
        exact = new HashMap<>();
        try (InputLines lines = new InputLines(input, maxLineBytes)) {
            for (InputLines.Line l = lines.next(); l != null; l = lines.next()) {
                if (l.text() != null && l.text().isBlank()) {
                    continue;
                }
                String key = key(InputParser.outputId(l), l.number());
                TreeMap<Long, Boolean> lines2 = done.get(key);
                if (lines2 != null && lines2.containsKey(l.number())) {
                    exact.computeIfAbsent(key, k -> new HashSet<>()).add(l.number());
                }
            }
        }
        inexact = new HashMap<>();
        done.forEach((key, lines) -> {
            int n = lines.size() - exact.getOrDefault(key, Set.of()).size();
            if (n > 0) {
                inexact.put(key, n);
            }
        });
    }

    /**
     * Whether the input line {@code line} with output id {@code id} (null: the line number) is done, in
     * which case it is counted as skipped and must not run.
     */
    boolean skip(JsonNode id, long line) {
        String key = key(id, line);
        TreeMap<Long, Boolean> lines = done.get(key);
        if (lines == null || lines.isEmpty()) {
            return false;
        }
        Boolean ok = lines.remove(line);
        if (ok == null) {
            if (exact != null) {
                Integer n = inexact.get(key);
                if (n == null || n == 0) {
                    return false;
                }
                inexact.put(key, n - 1);
                Set<Long> reserved = exact.getOrDefault(key, Set.of());
                Long other = lines.keySet().stream().filter(k -> !reserved.contains(k)).findFirst().orElse(null);
                ok = other == null || lines.remove(other);
            } else {
                Long earlier = lines.lowerKey(line);
                if (earlier == null) {
                    return false;
                }
                ok = lines.remove(earlier);
            }
        }
        skipped++;
        if (!ok) {
            skippedNotOk++;
        }
        return true;
    }

    long skipped() {
        return skipped;
    }

    /** How many of the skipped lines were final but not ok (they count for the exit code). */
    long skippedNotOk() {
        return skippedNotOk;
    }

    /** What was put in order before the run, for the summary; null if nothing. */
    String repairs() {
        if (repairedTorn == 0 && droppedNotFinal == 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        if (repairedTorn > 0) {
            sb.append("removed a last line cut short");
        }
        if (droppedNotFinal > 0) {
            sb.append(sb.length() == 0 ? "" : "; ").append("removed ").append(droppedNotFinal)
                    .append(droppedNotFinal == 1 ? " line" : " lines").append(" not final (cancelled, or no worker"
                    + " could start) to run again");
        }
        return sb.append(" in ").append(file).toString();
    }

    /** Final lines of the file that no input line matched (the input changed); they stay in the file. */
    long unmatched() {
        long n = 0;
        for (TreeMap<Long, Boolean> lines : done.values()) {
            n += lines.size();
        }
        return n;
    }

    /** The key of an output id: its JSON text, as written into the output; the line number when none. */
    static String key(JsonNode id, long line) {
        if (id == null) {
            return Long.toString(line);
        }
        try {
            return Json.mapper().writeValueAsString(id);
        } catch (JsonProcessingException e) {
            return id.toString();
        }
    }

    /**
     * Whether the file's last line, which has no {@code \n}, is one a killed run did not finish: not a whole
     * output line, but the start of one (every output line starts with {@code {"id":}), or zero bytes (what
     * a file system may leave after a crash).
     */
    private static boolean looksTorn(InputLines.Line l) {
        String t = l.text() != null ? l.text() : l.lenient();
        if (t == null) {
            return false;
        }
        if (t.chars().allMatch(c -> c == 0)) {
            return true;
        }
        String start = "{\"id\":";
        boolean startsLikeOurs = t.startsWith(start) || start.startsWith(t);
        if (!startsLikeOurs) {
            return false;
        }
        try {
            JsonNode rec = Json.mapper().readTree(t);
            return rec == null || !rec.isObject();
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    /** Reads one line of the file; throws if it is not an output line: the file is not ours. */
    private void readRecord(InputLines.Line l, Set<Long> notFinal) throws ForeignFileException {
        JsonNode rec = null;
        if (l.text() != null) {
            try {
                rec = Json.mapper().readTree(l.text());
            } catch (IOException | RuntimeException e) {
                rec = null;
            }
        }
        boolean isRecord = rec != null && rec.isObject() && rec.path("line").canConvertToLong()
                && rec.path("line").isIntegralNumber() && rec.path("status").isTextual() && rec.has("id");
        if (!isRecord) {
            throw new ForeignFileException("line " + l.number() + " of " + file + " is not an output line of"
                    + " processpool run, so --resume leaves the file alone; give another --output, or remove it");
        }
        String status = rec.get("status").asText();
        boolean neverStarted = status.equals(Status.ERROR.label)
                && WORKER_START.equals(rec.path("error").path("type").asText());
        if (status.equals(Status.CANCELLED.label) || neverStarted) {
            notFinal.add(l.number());
            return;
        }
        JsonNode id = rec.get("id");
        done.computeIfAbsent(key(id.isNull() ? null : id, rec.get("line").asLong()), k -> new TreeMap<>())
                .put(rec.get("line").asLong(), status.equals(Status.OK.label));
    }

    private static final String WORKER_START = "dev.processpool.WorkerStartException";

    /** Copies the file without the given lines (and without a torn tail), then moves the copy over it. */
    private void rewriteWithout(Set<Long> drop, long tornAt) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".resume-tmp");
        try (InputLines lines = new InputLines(Files.newInputStream(file), Integer.MAX_VALUE - 16);
             OutputStream out = Files.newOutputStream(tmp)) {
            for (InputLines.Line l = lines.next(); l != null; l = lines.next()) {
                if (drop.contains(l.number()) || (tornAt >= 0 && l.offset() >= tornAt)) {
                    continue;
                }
                out.write(LineFile.bytes(l.text()));
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException | UnsupportedOperationException notOnThisSystem) {
                // the rename is durable on the next sync of the directory
            }
        }
    }
}
