package dev.processpool.cli;

import dev.processpool.logging.Logs;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * How the pool's log reaches the user of the command: in the command's words, at the right moment.
 *
 * <p>The core logs through SLF4J; this is the CLI's SLF4J provider (registered in
 * {@code META-INF/services}). Warnings and errors go to stderr through the {@link Console} as
 * {@code processpool: warning: ...}, without the pool's name and with tasks named by their input line.
 * Info and debug are not shown, nor warnings with {@code --quiet}.
 *
 * <p>Two moments change what is shown. Until a worker has started, warnings (and what starting workers
 * print) are held: if the pool then gives up starting workers, the run says so once, with the start error,
 * and they are dropped; once a worker has started they are shown, each once ({@code run --cluster} holds
 * nothing: its workers are the members', and what its client pool says is shown at once). And when the run
 * stops (Ctrl-C, SIGTERM, {@code --fail-fast}, a broken output), the pool's warnings about the workers that
 * the stop cancels and kills are its own doing and are dropped; errors are always shown.
 */
final class CliLog {

    private enum Mode { SHOW, HOLD, DROP }

    private static final int MAX_HELD = 200;

    private static volatile Level threshold = Level.WARN;
    private static volatile Consumer<String> out = line -> System.err.println(line);
    /** Guarded by CliLog.class. */
    private static Mode mode = Mode.SHOW;
    /** Held lines, each with how often it came (by its text with the numbers taken out); guarded by CliLog.class. */
    private static final Map<String, List<Object>> held = new LinkedHashMap<>();

    private CliLog() {
    }

    /** With {@code --quiet}, only errors. */
    static void quiet(boolean quiet) {
        threshold = quiet ? Level.ERROR : Level.WARN;
    }

    /** Where lines go (the console, above the progress line); stderr until this is called. */
    static void to(Consumer<String> sink) {
        out = sink;
    }

    /** From now on, hold warnings until {@link #release()} or {@link #drop()}. */
    static synchronized void hold() {
        mode = Mode.HOLD;
    }

    /** Shows what was held (each text once) and shows warnings from now on, unless they are dropped. */
    static void release() {
        List<String> lines = new ArrayList<>();
        synchronized (CliLog.class) {
            if (mode != Mode.HOLD) {
                return;
            }
            mode = Mode.SHOW;
            for (List<Object> h : held.values()) {
                int times = (Integer) h.get(1);
                lines.add(h.get(0) + (times > 1 ? " (" + times + " times)" : ""));
            }
            held.clear();
        }
        lines.forEach(out);
    }

    /** Drops what was held and every warning from now on. */
    static synchronized void drop() {
        mode = Mode.DROP;
        held.clear();
    }

    /** A line a worker printed while it started: held, shown or dropped like a warning. */
    static void startupOutput(String line) {
        emit(line, false);
    }

    static void log(Level level, String text, Throwable t) {
        if (level.toInt() < threshold.toInt()) {
            return;
        }
        boolean error = level == Level.ERROR;
        StringBuilder line = new StringBuilder("processpool: ").append(error ? "error: " : "warning: ")
                .append(plain(text));
        if (t != null) {
            if (error) {
                StringWriter trace = new StringWriter();
                t.printStackTrace(new PrintWriter(trace));
                line.append('\n').append(plain(trace.toString().stripTrailing()));
            } else {
                line.append(": ").append(plain(String.valueOf(t)));
            }
        }
        emit(line.toString(), error);
    }

    private static void emit(String line, boolean always) {
        if (!always) {
            synchronized (CliLog.class) {
                if (mode == Mode.DROP) {
                    return;
                }
                if (mode == Mode.HOLD) {
                    List<Object> h = held.get(line.replaceAll("\\d+", "#"));
                    if (h != null) {
                        h.set(1, (Integer) h.get(1) + 1);
                    } else if (held.size() < MAX_HELD) {
                        held.put(line.replaceAll("\\d+", "#"), new ArrayList<>(List.of(line, 1)));
                    }
                    return;
                }
            }
        }
        out.accept(line);
    }

    /**
     * The pool's words in the command's: no pool name (there is one: the local pool, or with {@code --cluster}
     * the client pool), also where another library's message names one of the pool's threads (Hazelcast's
     * closed connection names the thread that wrote: {@code thread=clusterpool-1-housekeeper} reads
     * {@code thread=housekeeper}); tasks by their input line.
     */
    static String plain(String text) {
        return text.replaceFirst("^(?:processpool|clusterpool)-\\d+: ", "")
                .replaceAll("(?<=thread=)(?:processpool|clusterpool)-\\d+-", "")
                .replaceAll("\\btask line-(\\d+)", "the task of line $1");
    }

    /** One logger; what it says goes through {@link CliLog#log}. */
    private static final class CliLogger extends Logs.LevelLogger {
        private static final long serialVersionUID = 1L;

        CliLogger(String name) {
            super(name);
        }

        @Override
        protected boolean enabled(Level level) {
            return level.toInt() >= Math.max(threshold.toInt(), Level.WARN.toInt());
        }

        @Override
        protected void write(Level level, String text, Throwable throwable) {
            log(level, text, throwable);
        }
    }

    /** The SLF4J provider, found by SLF4J through {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}. */
    public static final class Provider implements SLF4JServiceProvider {
        private final ILoggerFactory loggers = CliLogger::new;
        private final IMarkerFactory markers = new BasicMarkerFactory();
        private final MDCAdapter mdc = new NOPMDCAdapter();

        /** For the ServiceLoader. */
        public Provider() {
        }

        @Override
        public ILoggerFactory getLoggerFactory() {
            return loggers;
        }

        @Override
        public IMarkerFactory getMarkerFactory() {
            return markers;
        }

        @Override
        public MDCAdapter getMDCAdapter() {
            return mdc;
        }

        @Override
        public String getRequestedApiVersion() {
            return "2.0.99";
        }

        @Override
        public void initialize() {
            // nothing to set up
        }
    }
}
