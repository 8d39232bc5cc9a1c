package dev.processpool.cli;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's standard error: messages, and the progress display below them when there is one (the progress
 * line, and a second line under it when {@link SlowestTask} has one). A message clears the display, is
 * printed, and the display is drawn again under it, so the two never garble each other. Thread-safe.
 */
final class Console {

    private static final String CLEAR_LINE = "\r\033[K";
    /** Clears the line, then goes up one line. */
    private static final String CLEAR_LINE_UP = "\r\033[K\033[1A";

    private final PrintStream err;
    private String bar;
    /** The display's second line, or null for none; never without {@link #bar}. */
    private String detail;

    Console(PrintStream err) {
        this.err = err;
    }

    /** Prints a line (or several) to stderr, above the progress line. */
    synchronized void message(String text) {
        clearDisplay();
        err.println(text);
        drawDisplay();
        err.flush();
    }

    /**
     * Draws (or redraws) the progress line and, unless {@code second} is null or empty, a second line under it.
     * Both must be terminal-safe and narrower than the terminal (see {@link SlowestTask#fit}): the display is
     * cleared by going up as many lines as it drew.
     */
    synchronized void drawBar(String rendered, String second) {
        if (bar == null) {
            err.print(CLEAR_LINE);
        }
        clearDisplay();
        bar = rendered;
        detail = second == null || second.isEmpty() ? null : second;
        drawDisplay();
        err.flush();
    }

    private void clearDisplay() {
        if (bar != null) {
            err.print(detail != null ? CLEAR_LINE_UP + CLEAR_LINE : CLEAR_LINE);
        }
    }

    private void drawDisplay() {
        if (bar != null) {
            err.print(bar);
            if (detail != null) {
                err.print('\n');
                err.print(detail);
            }
        }
    }

    /** Leaves the last progress display on the screen and moves below it. */
    synchronized void endBar() {
        if (bar != null) {
            err.println();
            err.flush();
            bar = null;
            detail = null;
        }
    }

    /**
     * A stream for {@link System#setErr}: whatever other code prints to stderr (the log) goes through
     * {@link #message}, line by line.
     */
    PrintStream asPrintStream() {
        OutputStream lines = new OutputStream() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                if (b == '\n') {
                    flushLine();
                } else {
                    buffer.write(b);
                }
            }

            @Override
            public synchronized void write(byte[] b, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    write(b[i]);
                }
            }

            private void flushLine() {
                String line = buffer.toString(StandardCharsets.UTF_8);
                buffer.reset();
                message(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            }
        };
        return new PrintStream(lines, true, StandardCharsets.UTF_8);
    }

    /**
     * Text from an input file made safe for a terminal: control characters (an escape sequence could
     * rewrite the screen) and bidirectional overrides (they reorder what is shown) become {@code \\uXXXX}.
     */
    static String printable(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = Character.getType(c) == Character.CONTROL
                    || c >= '\u202A' && c <= '\u202E' || c >= '\u2066' && c <= '\u2069';
            if (unsafe && sb == null) {
                sb = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (sb != null) {
                if (unsafe) {
                    sb.append(String.format(java.util.Locale.ROOT, "\\u%04X", (int) c));
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** Whether stderr can show Unicode block characters. */
    static boolean unicode() {
        String enc = System.getProperty("stderr.encoding", System.getProperty("sun.stderr.encoding"));
        Charset cs;
        try {
            cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
        } catch (RuntimeException e) {
            return false;
        }
        return cs.equals(StandardCharsets.UTF_8);
    }

    /**
     * Whether this process's stderr is an interactive terminal. On Linux, from what {@code /proc/self/fd/2}
     * links to; elsewhere by asking {@code test -t 2} (a process started before the run: about 20 ms of its
     * start-up and 5 ms of CPU on Linux, where the link says as much).
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM")) || File.separatorChar != '/') {
            return false;
        }
        try {
            Boolean linked = terminalDevice(Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
            if (linked != null) {
                return linked;
            }
        } catch (IOException | UnsupportedOperationException | SecurityException noProc) {
            // not Linux, or /proc is not mounted: ask the shell
        }
        try {
            Process p = new ProcessBuilder("/bin/sh", "-c", "test -t 2")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Whether a file descriptor linked to {@code target} (as {@code /proc/self/fd/N} shows it) is a terminal:
     * true for a pseudo-terminal, a console or a serial line; false for a pipe, a socket, a file or another
     * device; null if the link cannot tell (then ask {@code test -t}).
     */
    static Boolean terminalDevice(String target) {
        if (target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console")) {
            return true;
        }
        if (target.startsWith("pipe:") || target.startsWith("socket:") || target.startsWith("anon_inode:")
                || target.startsWith("/dev/") || target.startsWith("/") && !target.startsWith("/proc/")) {
            return false;
        }
        return null;
    }

    /** The terminal's width in columns: $COLUMNS, else what {@code stty} says, else 80. */
    static int terminalWidth() {
        try {
            int cols = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            if (cols > 0) {
                return cols;
            }
        } catch (NumberFormatException notSet) {
            // ask the terminal
        }
        File tty = new File("/dev/tty");
        if (tty.exists()) {
            try {
                Process p = new ProcessBuilder("stty", "size")
                        .redirectInput(ProcessBuilder.Redirect.from(tty))
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
                if (p.waitFor(2, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    String[] parts = out.split("\\s+");
                    int cols = Integer.parseInt(parts[parts.length - 1]);
                    if (cols > 0) {
                        return cols;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // fall through
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return 80;
    }
}
