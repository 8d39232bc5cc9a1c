package dev.processpool.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code --joblog FILE}: one tab-separated line per output line this run writes, as GNU parallel's
 * {@code --joblog} has one per job, under a header line:
 * <pre>
 * line  id  start  runtime  worker  status  error
 * </pre>
 * {@code line} is the input line number; {@code id} the line's id as JSON (a quoted string or a number, so
 * tabs and newlines in it are escaped); {@code start} when the task started in its worker, in seconds since
 * the epoch with milliseconds ({@code 1764590000.123}; for a line that never ran, when its outcome was
 * known); {@code runtime} how long it ran, in seconds with milliseconds; {@code worker} the worker's pid or
 * {@code -}; {@code status} the output line's status; {@code error} its error type or {@code -}.
 *
 * <p>The file is appended to (a run resumed with {@code --resume} adds its own lines), the header written
 * only into an empty file, and a line cut short by a killed run is removed first. Lines are forced to the
 * disk like the output's. Thread-safe.
 */
final class JobLog implements java.io.Closeable {

    static final String HEADER = "line\tid\tstart\truntime\tworker\tstatus\terror";

    private final LineFile file;

    private JobLog(LineFile file) {
        this.file = file;
    }

    static JobLog open(Path path) throws IOException {
        LineFile.cutTornTail(path);
        boolean empty = !Files.exists(path) || Files.size(path) == 0;
        LineFile f = LineFile.open(path, true);
        if (empty) {
            f.write(HEADER);
        }
        return new JobLog(f);
    }

    /**
     * Records one output line.
     *
     * @param runMillis how long the task ran, or null if it never ran
     * @param pid       the worker's pid, or null
     * @param errorType the error's type, or null for {@code ok}
     */
    void record(long line, JsonNode id, Status status, Long runMillis, Long pid, String errorType)
            throws IOException {
        String idText;
        try {
            idText = id == null ? null : Json.mapper().writeValueAsString(id);
        } catch (JsonProcessingException e) {
            idText = null;
        }
        record(line, idText, status, runMillis, pid, errorType);
    }

    /** As {@link #record(long, JsonNode, Status, Long, Long, String)}, with the id as JSON (null: the line number). */
    void record(long line, String idJson, Status status, Long runMillis, Long pid, String errorType)
            throws IOException {
        long ran = runMillis == null ? 0 : runMillis;
        long startMillis = System.currentTimeMillis() - ran;
        String idText = idJson == null ? Long.toString(line) : idJson;
        file.write(line + "\t" + idText + "\t" + seconds(startMillis) + "\t" + seconds(ran) + "\t"
                + (pid == null ? "-" : pid.toString()) + "\t" + status.label + "\t"
                + (errorType == null ? "-" : errorType.replaceAll("\\s", "_")));
    }

    void syncIfDue() throws IOException {
        file.syncIfDue();
    }

    void sync() throws IOException {
        file.sync();
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000);
    }
}
