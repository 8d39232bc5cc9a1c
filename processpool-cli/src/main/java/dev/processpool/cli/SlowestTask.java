package dev.processpool.cli;

import dev.processpool.ProcessTask;
import dev.processpool.ProgressListener;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The second line of the progress display: of the tasks running now, the one that has run longest (the
 * slowest), with its run time and what it last reported by {@code TaskContext.reportProgress(fraction,
 * message)}. Exists only while the display is shown: the run gives each task this listener and feeds it
 * the workers' running tasks then, and not otherwise, so a run without the display pays nothing for it.
 *
 * <p>A task's run time counts from when the monitor first saw a worker run it (it looks every 25 ms). The
 * message is the task's own text: {@link #fit} makes it safe for the terminal and cuts it to its width.
 * Thread-safe: the pool's progress thread reports, the monitor observes, the display's thread renders.
 */
final class SlowestTask implements ProgressListener {

    /** A report kept this long after its task was last seen running (it may be heard just before it is seen). */
    private static final long KEEP_NANOS = TimeUnit.SECONDS.toNanos(2);

    private record Heard(double fraction, String message, long atNanos) {
    }

    /** Task id to when it was first seen running; guarded by this. */
    private final Map<String, Long> running = new HashMap<>();
    private final Map<String, Heard> heard = new ConcurrentHashMap<>();

    @Override
    public void onProgress(ProcessTask task, double fraction, String message) {
        String id = task.getTaskID();
        if (id != null) {
            heard.put(id, new Heard(fraction, message == null ? "" : message, System.nanoTime()));
        }
    }

    /** The ids of the tasks the workers run now, seen at {@code nowNanos}. */
    synchronized void observe(Collection<String> runningIds, long nowNanos) {
        running.keySet().retainAll(runningIds);
        for (String id : runningIds) {
            running.putIfAbsent(id, nowNanos);
        }
        heard.entrySet().removeIf(e -> !running.containsKey(e.getKey()) && nowNanos - e.getValue().atNanos > KEEP_NANOS);
    }

    /** The display's second line at {@code nowNanos}, at most {@code columns} wide; empty when no task runs. */
    synchronized String line(int columns, long nowNanos) {
        String slowest = null;
        long since = Long.MAX_VALUE;
        for (Map.Entry<String, Long> e : running.entrySet()) {
            if (e.getValue() < since || e.getValue() == since && e.getKey().compareTo(slowest) < 0) {
                slowest = e.getKey();
                since = e.getValue();
            }
        }
        if (slowest == null) {
            return "";
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(Math.max(0, nowNanos - since));
        StringBuilder sb = new StringBuilder("slowest: ").append(label(slowest)).append(", ")
                .append(ms < 60_000 ? String.format(Locale.ROOT, "%.1f s", ms / 1000.0) : Durations.formatMillis(ms));
        Heard h = heard.get(slowest);
        if (h != null) {
            sb.append(String.format(Locale.ROOT, ", %.0f%%", h.fraction() * 100));
            if (!h.message().isEmpty()) {
                sb.append(": ").append(h.message(), 0, Math.min(h.message().length(), 4 * columns + 64));
            }
        }
        return fit(sb, columns);
    }

    /** "line-17" as "line 17"; a chunk's "chunk-5" as "lines from 5" (its lines run in one task). */
    private static String label(String taskId) {
        if (taskId.startsWith("line-")) {
            return "line " + taskId.substring(5);
        }
        if (taskId.startsWith("chunk-")) {
            return "lines from " + taskId.substring(6);
        }
        return taskId;
    }

    /**
     * Text made safe for one line of a terminal and cut to {@code columns}: control characters (an escape
     * sequence could rewrite the screen, a newline or carriage return would break the display), format
     * characters (bidirectional overrides and isolates reorder what is shown), line and paragraph separators
     * and unpaired surrogates become {@code \\uXXXX} (whitespace controls a space). Wide characters count two
     * columns, combining marks none; a cut is never inside a character (a surrogate pair stays whole) and is
     * marked with an ellipsis. Looks at no more of the text than the width needs, however long it is.
     */
    static String fit(CharSequence text, int columns) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), columns) + 8);
        int used = 0;
        int looked = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = Character.codePointAt(text, i);
            String piece;
            int width;
            if (isUnsafe(cp)) {
                piece = cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == 0x0B ? " "
                        : String.format(Locale.ROOT, "\\u%04X", cp);
                width = piece.length();
            } else {
                piece = null;
                width = columnsOf(cp);
            }
            // room for the ellipsis unless this is the last character; a run of marks is not looked at for ever
            boolean last = i + Character.charCount(cp) >= text.length();
            if (used + width > columns - (last ? 0 : 1) || ++looked > 4 * columns + 64) {
                if (!last || used + width > columns) {
                    return out.append('\u2026').toString();
                }
            }
            if (piece == null) {
                out.appendCodePoint(cp);
            } else {
                out.append(piece);
            }
            used += width;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static boolean isUnsafe(int cp) {
        int type = Character.getType(cp);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR || type == Character.SURROGATE;
    }

    /** Columns a printable code point takes in a terminal: 0 for a combining mark, 2 for a wide one, else 1. */
    static int columnsOf(int cp) {
        int type = Character.getType(cp);
        if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK) {
            return 0;
        }
        boolean wide = cp >= 0x1100 && cp <= 0x115F || cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F
                || cp >= 0xAC00 && cp <= 0xD7A3 || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0xFE30 && cp <= 0xFE4F
                || cp >= 0xFF00 && cp <= 0xFF60 || cp >= 0xFFE0 && cp <= 0xFFE6 || cp >= 0x1F300 && cp <= 0x1F64F
                || cp >= 0x1F900 && cp <= 0x1F9FF || cp >= 0x20000 && cp <= 0x3FFFD;
        return wide ? 2 : 1;
    }
}
