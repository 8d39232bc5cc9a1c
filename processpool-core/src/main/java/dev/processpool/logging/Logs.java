package dev.processpool.logging;

import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPLoggerFactory;

import java.io.PrintStream;

/**
 * The pool's loggers. With an SLF4J provider on the class path they are that provider's. Without one, SLF4J
 * would drop everything, so a user with only {@code slf4j-api} (as the README's first library example has)
 * would lose what the tasks print and every warning of the pool without a trace; then these loggers write to
 * this JVM's standard error instead, from {@code fallbackLevel} up.
 *
 * <p>Every room of the parent side that logs uses these (see {@code package-info}); the CLI's provider builds
 * on {@link LevelLogger}.
 */
public final class Logs {

    private Logs() {
    }

    /**
     * The logger for {@code name}: the SLF4J provider's, or, when no provider is bound, one that prints
     * {@code fallbackLevel} and above to {@link System#err}.
     *
     * @param name          the logger's name
     * @param fallbackLevel the lowest level printed when no provider is bound
     * @return the logger
     */
    public static Logger logger(String name, Level fallbackLevel) {
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof NOPLoggerFactory) {
            return new StderrLogger(name, fallbackLevel);
        }
        return factory.getLogger(name);
    }

    /**
     * Logs, and survives the logging failing too (an OutOfMemoryError while formatting the message): the
     * threads that deliver results, read workers or run timers never die of logging.
     *
     * @param log the logging call
     */
    public static void quietly(Runnable log) {
        try {
            log.run();
        } catch (Throwable ignored) {
            // nothing left to tell it with
        }
    }

    /**
     * A logger that decides by level and writes each message formatted, for the loggers of this class and
     * of the CLI: subclasses say which levels are shown and where a message goes.
     */
    public abstract static class LevelLogger extends LegacyAbstractLogger {

        private static final long serialVersionUID = 1L;

        /**
         * A logger of this name.
         *
         * @param name the logger's name
         */
        protected LevelLogger(String name) {
            this.name = name;
        }

        /**
         * Whether messages of a level are shown.
         *
         * @param level the level
         * @return whether they are
         */
        protected abstract boolean enabled(Level level);

        /**
         * Writes one message.
         *
         * @param level     its level, one that is {@link #enabled}
         * @param text      the message, its arguments filled in
         * @param throwable the throwable logged with it, or null
         */
        protected abstract void write(Level level, String text, Throwable throwable);

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                                   Throwable throwable) {
            write(level, MessageFormatter.basicArrayFormat(pattern, arguments), throwable);
        }
    }

    /** Prints to the current {@link System#err}: {@code WARN text}, with the stack trace of a throwable. */
    static final class StderrLogger extends LevelLogger {

        private static final long serialVersionUID = 1L;

        private final Level threshold;

        StderrLogger(String name, Level threshold) {
            super(name);
            this.threshold = threshold;
        }

        @Override
        protected boolean enabled(Level level) {
            return level.toInt() >= threshold.toInt();
        }

        @Override
        protected void write(Level level, String text, Throwable throwable) {
            PrintStream err = System.err;
            synchronized (err) {
                err.println(level + " " + text);
                if (throwable != null) {
                    throwable.printStackTrace(err);
                }
            }
        }
    }
}
