package dev.processpool.testing;

import dev.processpool.logging.Logs;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.simple.SimpleServiceProvider;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The core tests' SLF4J provider (chosen by the {@code slf4j.provider} system property that surefire sets for
 * the test JVM only; the workers keep slf4j-simple): slf4j-simple's loggers, so the tests' output is as before,
 * plus an MDC that, like logback's, is kept per thread and not inherited by new threads, and a tap that lets a
 * test see each log call with the MDC it was made with.
 */
public final class CapturingProvider implements SLF4JServiceProvider {

    /** One log call: its logger, level, formatted message, the MDC of its thread at the call, and that thread. */
    public record Entry(String logger, Level level, String message, Map<String, String> mdc, Thread thread) {
    }

    private static final List<Queue<Entry>> TAPS = new CopyOnWriteArrayList<>();

    private final SimpleServiceProvider simple = new SimpleServiceProvider();
    private final ThreadMdc mdc = new ThreadMdc();
    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private ILoggerFactory factory;

    /** Starts collecting every log call into a queue of the caller's, until {@link #untap}. */
    public static Queue<Entry> tap() {
        Queue<Entry> q = new ConcurrentLinkedQueue<>();
        TAPS.add(q);
        return q;
    }

    public static void untap(Queue<Entry> q) {
        TAPS.remove(q);
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return simple.getMarkerFactory();
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return simple.getRequestedApiVersion();
    }

    @Override
    public void initialize() {
        simple.initialize();
        ILoggerFactory inner = simple.getLoggerFactory();
        factory = name -> loggers.computeIfAbsent(name, n -> new Tapped(inner.getLogger(n), mdc));
    }

    /** Records each call, then hands it to slf4j-simple's logger, already formatted. */
    private static final class Tapped extends Logs.LevelLogger {
        private static final long serialVersionUID = 1L;
        private final transient Logger inner;
        private final transient ThreadMdc mdc;

        Tapped(Logger inner, ThreadMdc mdc) {
            super(inner.getName());
            this.inner = inner;
            this.mdc = mdc;
        }

        @Override
        protected boolean enabled(Level level) {
            return inner.isEnabledForLevel(level);
        }

        @Override
        protected void write(Level level, String text, Throwable throwable) {
            if (!TAPS.isEmpty()) {
                Entry e = new Entry(name, level, text, Map.copyOf(mdc.getCopyOfContextMap()), Thread.currentThread());
                TAPS.forEach(q -> q.add(e));
            }
            switch (level) {
                case ERROR -> inner.error(text, throwable);
                case WARN -> inner.warn(text, throwable);
                case INFO -> inner.info(text, throwable);
                case DEBUG -> inner.debug(text, throwable);
                default -> inner.trace(text, throwable);
            }
        }
    }

    /** An MDC per thread, not inherited by the threads it starts (as logback's). */
    private static final class ThreadMdc implements MDCAdapter {
        private final ThreadLocal<Map<String, String>> map = ThreadLocal.withInitial(HashMap::new);
        private final ThreadLocal<Map<String, Deque<String>>> deques = ThreadLocal.withInitial(HashMap::new);

        @Override
        public void put(String key, String val) {
            map.get().put(key, val);
        }

        @Override
        public String get(String key) {
            return map.get().get(key);
        }

        @Override
        public void remove(String key) {
            map.get().remove(key);
        }

        @Override
        public void clear() {
            map.get().clear();
        }

        @Override
        public Map<String, String> getCopyOfContextMap() {
            return new HashMap<>(map.get());
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public void setContextMap(Map contextMap) {
            map.set(new HashMap<>(contextMap));
        }

        @Override
        public void pushByKey(String key, String value) {
            deques.get().computeIfAbsent(key, k -> new ArrayDeque<>()).push(value);
        }

        @Override
        public String popByKey(String key) {
            Deque<String> d = deques.get().get(key);
            return d == null ? null : d.poll();
        }

        @Override
        public Deque<String> getCopyOfDequeByKey(String key) {
            Deque<String> d = deques.get().get(key);
            return d == null ? null : new ArrayDeque<>(d);
        }

        @Override
        public void clearDequeByKey(String key) {
            deques.get().remove(key);
        }
    }
}
