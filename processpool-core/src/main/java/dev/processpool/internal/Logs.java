package dev.processpool.internal;

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

    /** Prints to the current {@link System#err}: {@code WARN text}, with the stack trace of a throwable. */
    static final class StderrLogger extends LegacyAbstractLogger {

        private static final long serialVersionUID = 1L;

        private final Level threshold;

        StderrLogger(String name, Level threshold) {
            this.name = name;
            this.threshold = threshold;
        }

        private boolean enabled(Level level) {
            return level.toInt() >= threshold.toInt();
        }

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
            String text = MessageFormatter.basicArrayFormat(pattern, arguments);
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
