package dev.processpool.cli.testtasks;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test tasks whose results are not data (and two that are, for contrast). */
public final class NotData {

    /** A record is data: its components are its properties. */
    public record Point(int x, int y) {
    }

    private NotData() {
    }

    public static Thread thread() {
        return Thread.currentThread();
    }

    public static ClassLoader classLoader() {
        return NotData.class.getClassLoader();
    }

    public static InputStream stream() {
        return new ByteArrayInputStream(new byte[] {1, 2, 3});
    }

    public static Object object() {
        return new Object();
    }

    /** A thread deep inside a map and a list: the result is not data either. */
    public static Map<String, Object> nested() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fine", 1);
        m.put("workers", List.of("a", Thread.currentThread()));
        return m;
    }

    public static Point point() {
        return new Point(1, 2);
    }

    public static Map<String, Object> map() {
        return Map.of("a", List.of(1, 2.5, "x"));
    }
}
