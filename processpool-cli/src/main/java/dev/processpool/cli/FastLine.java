package dev.processpool.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The worker's quick way through the common line of a chunk ({@link LineChunk}): reading
 * {@code {"id": <id>, "args": [<scalars>]}} (or a bare {@code [<scalars>]}) without Jackson's tree, and
 * writing the output line of a simple result without building one.
 *
 * <p>It takes only what it can read exactly as the full way ({@link InputParser}, Jackson's tree, then
 * {@link LineTasks#outcomeRecord} written by the mapper) does, and gives up on anything else, which then takes
 * the full way: so the outcome and the bytes of the output line never depend on the way a line took. Taken:
 * the fields {@code id} and {@code args}, each at most once, in either order; an id that is a whole number
 * of at most 18 digits, a plain string or null; arguments that are such whole numbers, plain strings,
 * {@code true}, {@code false} or {@code null}; spaces and tabs between tokens. A plain string holds only
 * printable ASCII other than {@code "} and {@code \} (no escapes), at most {@code maxStringLength}
 * characters. Everything else gives up: other fields ({@code task}, {@code kwargs}, {@code timeout}, unknown
 * ones), a field twice, fractions, exponents, leading zeros, {@code -0}, longer numbers, escapes, other
 * characters, nested values, anything after the value.
 *
 * <p>Numbers read as Jackson's tree reads them: an {@code Integer} when it fits one, else a {@code Long}
 * (an id: {@code IntNode} or {@code LongNode}). Stateless and thread-safe.
 */
final class FastLine {

    /** The longest whole number taken: 18 digits always fit a {@code long}. */
    private static final int MAX_DIGITS = 18;

    /**
     * A line read the quick way: its id (null for none) and how the output line writes it (null: the line
     * number is written instead), and its arguments.
     */
    record Parsed(JsonNode id, String idJson, List<Object> args) {
    }

    private FastLine() {
    }

    // ============================================================================================= input

    /** The line read the quick way, or null if it must take the full way. */
    static Parsed parse(String s, int maxStringLength) {
        int n = s.length();
        int i = spaces(s, 0);
        if (i >= n) {
            return null;
        }
        Parsed parsed;
        if (s.charAt(i) == '[') {
            List<Object> args = new ArrayList<>();
            i = array(s, i, maxStringLength, args);
            if (i < 0) {
                return null;
            }
            parsed = new Parsed(null, null, args);
        } else if (s.charAt(i) == '{') {
            JsonNode id = null;
            String idJson = null;
            boolean seenId = false;
            List<Object> args = null;
            i = spaces(s, i + 1);
            if (i < n && s.charAt(i) == '}') {
                i++;
            } else {
                while (true) {
                    int end = plainString(s, i, maxStringLength);
                    if (end < 0) {
                        return null;
                    }
                    boolean isId = end - i == 4 && s.startsWith("\"id\"", i);
                    boolean isArgs = end - i == 6 && s.startsWith("\"args\"", i);
                    i = spaces(s, end);
                    if (!(isId || isArgs) || i >= n || s.charAt(i) != ':') {
                        return null;
                    }
                    i = spaces(s, i + 1);
                    if (isId) {
                        if (seenId) {
                            return null;
                        }
                        seenId = true;
                        int valueEnd = scalarEnd(s, i, maxStringLength);
                        if (valueEnd < 0) {
                            return null;
                        }
                        char c = s.charAt(i);
                        if (c == '"') {
                            id = TextNode.valueOf(s.substring(i + 1, valueEnd - 1));
                            idJson = s.substring(i, valueEnd);
                        } else if (c == '-' || c >= '0' && c <= '9') {
                            long v = Long.parseLong(s, i, valueEnd, 10);
                            id = v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
                            idJson = s.substring(i, valueEnd);
                        } else if (!s.startsWith("null", i)) {
                            return null; // true or false: an error of the full way
                        }
                        i = valueEnd;
                    } else {
                        if (args != null) {
                            return null;
                        }
                        args = new ArrayList<>();
                        if (s.startsWith("null", i) && delimiter(s, i + 4)) {
                            i += 4;
                        } else {
                            i = array(s, i, maxStringLength, args);
                            if (i < 0) {
                                return null;
                            }
                        }
                    }
                    i = spaces(s, i);
                    if (i >= n) {
                        return null;
                    }
                    if (s.charAt(i) == '}') {
                        i++;
                        break;
                    }
                    if (s.charAt(i) != ',') {
                        return null;
                    }
                    i = spaces(s, i + 1);
                }
            }
            parsed = new Parsed(id, idJson, args == null ? new ArrayList<>() : args);
        } else {
            return null;
        }
        return spaces(s, i) == n ? parsed : null;
    }

    /** Reads {@code [scalars]} from {@code i} into {@code into}; the index after it, or -1. */
    private static int array(String s, int i, int maxStringLength, List<Object> into) {
        int n = s.length();
        if (i >= n || s.charAt(i) != '[') {
            return -1;
        }
        i = spaces(s, i + 1);
        if (i < n && s.charAt(i) == ']') {
            return i + 1;
        }
        while (true) {
            int end = scalarEnd(s, i, maxStringLength);
            if (end < 0) {
                return -1;
            }
            char c = s.charAt(i);
            if (c == '"') {
                into.add(s.substring(i + 1, end - 1));
            } else if (c == 't') {
                into.add(Boolean.TRUE);
            } else if (c == 'f') {
                into.add(Boolean.FALSE);
            } else if (c == 'n') {
                into.add(null);
            } else {
                long v = Long.parseLong(s, i, end, 10);
                into.add(v == (int) v ? (Object) (int) v : (Object) v);
            }
            i = spaces(s, end);
            if (i >= n) {
                return -1;
            }
            if (s.charAt(i) == ']') {
                return i + 1;
            }
            if (s.charAt(i) != ',') {
                return -1;
            }
            i = spaces(s, i + 1);
        }
    }

    /** The end of a plain string, a whole number or a literal starting at {@code i}, or -1. */
    private static int scalarEnd(String s, int i, int maxStringLength) {
        if (i >= s.length()) {
            return -1;
        }
        char c = s.charAt(i);
        if (c == '"') {
            return plainString(s, i, maxStringLength);
        }
        if (c == '-' || c >= '0' && c <= '9') {
            return wholeNumber(s, i);
        }
        for (String literal : LITERALS) {
            if (s.startsWith(literal, i)) {
                int end = i + literal.length();
                return delimiter(s, end) ? end : -1;
            }
        }
        return -1;
    }

    private static final String[] LITERALS = {"true", "false", "null"};

    /** The end of {@code "printable ASCII without \ or quotes"} starting at {@code i}, or -1. */
    private static int plainString(String s, int i, int maxStringLength) {
        int n = s.length();
        if (i >= n || s.charAt(i) != '"') {
            return -1;
        }
        for (int j = i + 1; j < n; j++) {
            char c = s.charAt(j);
            if (c == '"') {
                return j - i - 1 <= maxStringLength ? j + 1 : -1;
            }
            if (c < 0x20 || c > 0x7E || c == '\\') {
                return -1;
            }
        }
        return -1;
    }

    /** The end of {@code -?(0|[1-9][0-9]*)} of at most {@value #MAX_DIGITS} digits, not {@code -0}, or -1. */
    private static int wholeNumber(String s, int i) {
        int n = s.length();
        int j = i;
        if (s.charAt(j) == '-') {
            j++;
        }
        int first = j;
        while (j < n && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
            j++;
        }
        int digits = j - first;
        if (digits == 0 || digits > MAX_DIGITS || s.charAt(first) == '0' && (digits > 1 || first > i)) {
            return -1;
        }
        return delimiter(s, j) ? j : -1;
    }

    /** Whether a value may end before index {@code i}: a space, tab, comma, closing bracket or the end follows. */
    private static boolean delimiter(String s, int i) {
        if (i >= s.length()) {
            return true;
        }
        char c = s.charAt(i);
        return c == ' ' || c == '\t' || c == ',' || c == ']' || c == '}';
    }

    private static int spaces(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    // ============================================================================================ output

    /**
     * Whether the mapper's own JSON of a result is written unchanged into the output line (the full way
     * reads it into a tree and writes that): {@code true}, {@code false}, {@code null}, a whole number of
     * at most {@value #MAX_DIGITS} digits (not {@code -0}) or a plain string of at most
     * {@code maxStringLength} characters.
     */
    static boolean simpleResult(String json, int maxStringLength) {
        int n = json.length();
        if (n == 0) {
            return false;
        }
        char c = json.charAt(0);
        if (c == '"') {
            return plainString(json, 0, maxStringLength) == n;
        }
        if (c == '-' || c >= '0' && c <= '9') {
            return wholeNumber(json, 0) == n;
        }
        return json.equals("true") || json.equals("false") || json.equals("null");
    }

    /**
     * Appends the output line of a line whose task returned the simple result {@code resultJson}
     * ({@link #simpleResult}), as the full way writes it, without its {@code \n}.
     *
     * @param idJson the id as the output line writes it, or null to write the line number
     */
    static void appendOk(LineChunk.Bytes out, long line, String idJson, String resultJson, long pid, long ms) {
        out.put(ID, 0, ID.length);
        if (idJson != null) {
            out.putAscii(idJson);
        } else {
            out.putDecimal(line);
        }
        out.put(LINE, 0, LINE.length).putDecimal(line).put(RESULT, 0, RESULT.length).putAscii(resultJson)
                .put(PID, 0, PID.length).putDecimal(pid).put(MS, 0, MS.length).putDecimal(ms).put((byte) '}');
    }

    private static final byte[] ID = ascii("{\"id\":");
    private static final byte[] LINE = ascii(",\"line\":");
    private static final byte[] RESULT = ascii(",\"status\":\"ok\",\"result\":");
    private static final byte[] PID = ascii(",\"workerPid\":");
    private static final byte[] MS = ascii(",\"durationMs\":");

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
