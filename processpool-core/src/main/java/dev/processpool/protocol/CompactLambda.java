package dev.processpool.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * A serialisable lambda that captures nothing, sent as the fields of its {@link SerializedLambda} instead of
 * a Java serialisation stream. The worker rebuilds it the way {@code SerializedLambda.readResolve} does, by
 * calling the capturing class's {@code $deserializeLambda$}, so it gets the same function; what it skips is
 * {@link java.io.ObjectInputStream} itself, whose first use (stream and class-descriptor machinery, the
 * serial filter's set-up, a generated constructor accessor) costs a fresh worker JVM about 10 ms before its
 * first task.
 * <pre>
 *   byte   {@link #MARK} ('L'; a Java stream starts with 0xAC)
 *   UTF    capturing class, functional interface class, its method name and signature
 *   int    implementation method kind
 *   UTF    implementation class, method name and signature, instantiated method type
 * </pre>
 * Class names are in internal form ({@code a/b/C}), as {@link SerializedLambda} has them.
 */
public final class CompactLambda {

    /** First byte of a compact lambda among a task's function bytes. */
    public static final byte MARK = 'L';

    private CompactLambda() {
    }

    /**
     * The compact form of {@code function}, or null when it has none: not a lambda, one that captures
     * something, or one whose {@code writeReplace} cannot be reached (a lambda of a named module that is not
     * open to this one); such functions go through Java serialisation.
     */
    public static byte[] encode(Object function) {
        Class<?> cls = function.getClass();
        if (!cls.isSynthetic() || !cls.getName().contains("$$Lambda")) {
            return null;
        }
        SerializedLambda sl;
        try {
            Method writeReplace = cls.getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            Object replaced = writeReplace.invoke(function);
            if (!(replaced instanceof SerializedLambda)) {
                return null;
            }
            sl = (SerializedLambda) replaced;
        } catch (ReflectiveOperationException | RuntimeException notReachable) {
            return null;
        }
        if (sl.getCapturedArgCount() != 0) {
            return null;
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(MARK);
            out.writeUTF(sl.getCapturingClass());
            out.writeUTF(sl.getFunctionalInterfaceClass());
            out.writeUTF(sl.getFunctionalInterfaceMethodName());
            out.writeUTF(sl.getFunctionalInterfaceMethodSignature());
            out.writeInt(sl.getImplMethodKind());
            out.writeUTF(sl.getImplClass());
            out.writeUTF(sl.getImplMethodName());
            out.writeUTF(sl.getImplMethodSignature());
            out.writeUTF(sl.getInstantiatedMethodType());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException | RuntimeException tooLong) {
            return null; // a UTF field over 64 KiB: not worth a special case
        }
    }

    /** Whether function bytes are in this form (else they are a Java serialisation stream). */
    public static boolean isCompact(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == MARK;
    }

    /** Rebuilds the lambda, resolving its classes through {@code loader}. */
    public static Object decode(byte[] bytes, ClassLoader loader) throws IOException, ClassNotFoundException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        SerializedLambda sl;
        Class<?> capturing;
        try {
            if (in.readByte() != MARK) {
                throw new ProtocolException("not a compact lambda");
            }
            String capturingName = in.readUTF();
            capturing = Class.forName(capturingName.replace('/', '.'), false, loader);
            sl = new SerializedLambda(capturing, in.readUTF(), in.readUTF(), in.readUTF(), in.readInt(),
                    in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(), new Object[0]);
        } catch (java.io.EOFException | java.io.UTFDataFormatException e) {
            throw new ProtocolException("malformed compact lambda: " + e);
        }
        try {
            Method deserialize = capturing.getDeclaredMethod("$deserializeLambda$", SerializedLambda.class);
            deserialize.setAccessible(true);
            return deserialize.invoke(null, sl);
        } catch (InvocationTargetException e) {
            // $deserializeLambda$ throws IllegalArgumentException for a lambda it does not know
            throw invalid(capturing, e.getCause());
        } catch (NoSuchMethodException e) {
            throw invalid(capturing, e);
        } catch (IllegalAccessException | RuntimeException notOpen) {
            // Not open to this module: let Java serialisation resolve it, as it would have anyway.
            return JavaSerialization.deserialize(JavaSerialization.serialize(sl), 0, loader, null);
        }
    }

    private static java.io.InvalidObjectException invalid(Class<?> capturing, Throwable cause) {
        java.io.InvalidObjectException e = new java.io.InvalidObjectException(
                "cannot rebuild a lambda of " + capturing.getName() + ": " + cause);
        e.initCause(cause);
        return e;
    }
}
