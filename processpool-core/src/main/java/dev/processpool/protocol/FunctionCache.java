package dev.processpool.protocol;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The worker's cache of deserialised task functions, keyed by their serialised bytes: the same bytes always
 * give an equal function, so a pool that sends one function many times pays for its deserialisation
 * (reflection on a lambda's capturing class) once. Least recently used entries go first.
 */
public final class FunctionCache {

    private static final int CAPACITY = 64;

    private final Map<Key, Object> entries = new LinkedHashMap<>(CAPACITY, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, Object> eldest) {
            return size() > CAPACITY;
        }
    };

    /** The function for these bytes, deserialised on first use. Not thread-safe (one task at a time). */
    public Object get(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        Key key = new Key(bytes);
        Object f = entries.get(key);
        if (f == null) {
            f = CompactLambda.isCompact(bytes) ? CompactLambda.decode(bytes, loader)
                    : JavaSerialization.deserialize(bytes, 0, loader, null);
            entries.put(key, f);
        }
        return f;
    }

    private static final class Key {
        private final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && Arrays.equals(k.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
