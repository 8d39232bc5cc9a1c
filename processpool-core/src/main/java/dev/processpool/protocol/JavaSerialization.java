package dev.processpool.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;

/** Java serialisation helpers used on both sides of the channel. */
public final class JavaSerialization {

    private JavaSerialization() {
    }

    /**
     * Serialises a value.
     *
     * @throws java.io.NotSerializableException naming the first class that is not serialisable
     */
    public static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream(256);
        try (ObjectOutputStream out = new ObjectOutputStream(bos)) {
            out.writeObject(value);
        }
        return bos.toByteArray();
    }

    /**
     * Deserialises a value, resolving classes through {@code loader} and checking every class, depth,
     * reference count and array length against {@code filter} (may be null: no filter).
     */
    public static Object deserialize(byte[] bytes, int offset, ClassLoader loader, ObjectInputFilter filter)
            throws IOException, ClassNotFoundException {
        return deserialize(bytes, offset, bytes.length - offset, loader, filter);
    }

    /** As {@link #deserialize(byte[], int, ClassLoader, ObjectInputFilter)}, from {@code bytes[offset..offset+length)}. */
    public static Object deserialize(byte[] bytes, int offset, int length, ClassLoader loader,
                                     ObjectInputFilter filter) throws IOException, ClassNotFoundException {
        InputStream in = new ByteArrayInputStream(bytes, offset, length);
        try (ObjectInputStream ois = new LoaderObjectInputStream(in, loader)) {
            if (filter != null) {
                ois.setObjectInputFilter(filter);
            }
            return ois.readObject();
        }
    }

    /** An object stream that resolves classes through a given class loader (the task's, not the JDK's). */
    private static final class LoaderObjectInputStream extends ObjectInputStream {
        private final ClassLoader loader;

        LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
            super(in);
            this.loader = loader;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            if (loader == null) {
                return super.resolveClass(desc);
            }
            try {
                return Class.forName(desc.getName(), false, loader);
            } catch (ClassNotFoundException e) {
                return super.resolveClass(desc);
            }
        }
    }
}
