package dev.processpool.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a dead worker JVM left behind to say why: its fatal error report ({@code hs_err_pid<pid>.log}, written
 * where the transport pointed {@code -XX:ErrorFile}) with the first lines of its header, and its heap dump
 * (written where {@code -XX:HeapDumpPath} pointed). Each is null when there is none.
 *
 * @param errorFile     the JVM's fatal error report, or null
 * @param errorFileHead the report's header lines that say something (the signal, the JVM, the problematic
 *                      frame), without the bare {@code #} lines and the boilerplate (greeting, core dump
 *                      notes, bug report advice); empty when there is no report
 * @param heapDump      the heap dump, or null
 */
public record CrashReport(Path errorFile, List<String> errorFileHead, Path heapDump) {

    /** Most header lines kept from an error report. */
    static final int HEAD_LINES = 8;
    /** Most bytes read from an error report (it is the JVM's, but sits where task code could write too). */
    private static final int HEAD_BYTES = 8192;
    /** Most characters kept of one line. */
    private static final int LINE_CHARS = 300;

    public CrashReport {
        errorFileHead = List.copyOf(errorFileHead);
    }

    /** Whether there is anything to report. */
    public boolean isEmpty() {
        return errorFile == null && heapDump == null;
    }

    /**
     * Looks for the files a worker may have left.
     *
     * @param errorFile where its fatal error report would be, or null
     * @param heapDump  where its heap dump would be, or null
     */
    static CrashReport find(Path errorFile, Path heapDump) {
        Path report = regularFile(errorFile);
        return new CrashReport(report, report == null ? List.of() : head(report), regularFile(heapDump));
    }

    private static Path regularFile(Path p) {
        return p != null && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    /** The report's first comment lines that say something, each cut to {@value #LINE_CHARS} characters. */
    static List<String> head(Path report) {
        List<String> head = new ArrayList<>();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(report, LinkOption.NOFOLLOW_LINKS)) {
            bytes = in.readNBytes(HEAD_BYTES);
        } catch (IOException | RuntimeException e) {
            return head;
        }
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            if (head.size() == HEAD_LINES || (!line.startsWith("#") && !line.isBlank())) {
                break; // the header ends where the report's sections begin
            }
            String text = line.replaceFirst("^#\\s*", "").strip();
            if (text.startsWith("If you would like to submit a bug report")) {
                break; // what follows is advice, not evidence
            }
            if (!text.isEmpty() && !text.startsWith("A fatal error has been detected") && !text.contains("core")) {
                head.add(text.length() > LINE_CHARS ? text.substring(0, LINE_CHARS) + "..." : text);
            }
        }
        return head;
    }
}
