package dev.processpool.protocol;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProtocolTest {

    @Test
    void sequencedFramesRoundTrip() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        writer.writeSequenced(Protocol.FRAME_RESULT, 0x0102030405060708L, new byte[] {9, 8, 7}, true);
        writer.writeEmpty(Protocol.FRAME_SHUTDOWN);

        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1024);
        Frame result = reader.read();
        assertThat(result.type()).isEqualTo(Protocol.FRAME_RESULT);
        assertThat(result.sequence()).isEqualTo(0x0102030405060708L);
        assertThat(Arrays.copyOfRange(result.body(), 8, result.body().length)).containsExactly(9, 8, 7);
        Frame shutdown = reader.read();
        assertThat(shutdown.type()).isEqualTo(Protocol.FRAME_SHUTDOWN);
        assertThat(shutdown.body()).isEmpty();
        assertThat(reader.read()).as("clean end of stream between frames").isNull();
    }

    @Test
    void oversizeFrameIsRejectedBeforeAllocating() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new DataOutputStream(bytes).writeInt(Integer.MAX_VALUE);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        assertThatThrownBy(reader::read).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds the limit");
    }

    @Test
    void zeroAndNegativeLengthsAreRejected() throws IOException {
        for (int length : new int[] {0, -5}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            new DataOutputStream(bytes).writeInt(length);
            FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
            assertThatThrownBy(reader::read).isInstanceOf(ProtocolException.class).hasMessageContaining("invalid");
        }
    }

    @Test
    void truncatedFrameIsAProtocolError() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(100);
        out.writeByte(Protocol.FRAME_RESULT);
        out.write(new byte[10]);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        assertThatThrownBy(reader::read).isInstanceOf(ProtocolException.class).hasMessageContaining("truncated");
    }

    @Test
    void remoteFailureKeepsTypesMessagesAndFramesOfTheWholeCauseChain() throws IOException {
        Exception root = new IllegalStateException("root cause");
        Exception top = new RuntimeException("top", root);
        RemoteFailure failure = RemoteFailure.of(RemoteFailure.TASK_THREW, top);

        RemoteFailure decoded = RemoteFailure.decode(new java.io.DataInputStream(
                new ByteArrayInputStream(failure.encode())));
        assertThat(decoded.kind()).isEqualTo(RemoteFailure.TASK_THREW);
        assertThat(decoded.levels()).extracting(RemoteFailure.Level::type)
                .containsExactly(RuntimeException.class.getName(), IllegalStateException.class.getName());
        assertThat(decoded.levels()).extracting(RemoteFailure.Level::message).containsExactly("top", "root cause");
        assertThat(decoded.levels().get(0).frames()).isNotEmpty();
        assertThat(decoded.levels().get(0).frames()[0].getMethodName())
                .isEqualTo("remoteFailureKeepsTypesMessagesAndFramesOfTheWholeCauseChain");
        assertThat(decoded.printedStackTrace()).contains("Caused by: java.lang.IllegalStateException: root cause");
        assertThat(decoded.serialized()).isNotNull();
    }

    @Test
    void remoteFailureOfAnUnserialisableExceptionCarriesTextOnly() throws IOException {
        RemoteFailure failure = RemoteFailure.of(RemoteFailure.TASK_THREW, new Unserialisable());
        assertThat(failure.serialized()).isNull();
        RemoteFailure decoded = RemoteFailure.decode(new java.io.DataInputStream(
                new ByteArrayInputStream(failure.encode())));
        assertThat(decoded.levels().get(0).type()).isEqualTo(Unserialisable.class.getName());
        assertThat(decoded.serialized()).isNull();
    }

    @Test
    void malformedFailureBodyIsAProtocolError() {
        byte[] garbage = {RemoteFailure.TASK_THREW, 0, 0, 0, 1, 'x', 0x7f, 0, 0, 0};
        assertThatThrownBy(() -> RemoteFailure.decode(new java.io.DataInputStream(new ByteArrayInputStream(garbage))))
                .isInstanceOf(IOException.class);
    }

    @Test
    void serializationNamesTheClassThatIsNotSerialisable() {
        assertThatThrownBy(() -> JavaSerialization.serialize(new Object()))
                .isInstanceOf(NotSerializableException.class).hasMessageContaining("java.lang.Object");
    }

    static final class Unserialisable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        @SuppressWarnings("unused")
        private final Object notSerialisable = new Object();

        Unserialisable() {
            super("cannot travel");
        }
    }
}
