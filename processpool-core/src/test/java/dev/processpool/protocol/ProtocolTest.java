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
    void aLoneByteArrayResultIsReadIntoItsOwnArrayAndOtherResultsKeepTheirBody() throws Exception {
        byte[] big = new byte[300_000];
        new java.util.Random(1).nextBytes(big);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        writer.writeSequenced(Protocol.FRAME_RESULT, 1, ValueCodec.encode(big), true);
        writer.writeBytesResult(2, new byte[0], false);
        writer.writeBytesResult(6, new byte[] {4, 5}, true);
        writer.writeSequenced(Protocol.FRAME_RESULT, 3, ValueCodec.encode("text"), true);
        writer.writeSequenced(Protocol.FRAME_RESULT, 4, ValueCodec.encode(null), true);
        // A BYTES tag whose count does not cover the body is not a lone byte[]: decoding must refuse it.
        byte[] lying = ValueCodec.encode(new byte[] {1, 2, 3});
        writer.writeSequenced(Protocol.FRAME_RESULT, 5, Arrays.copyOf(lying, lying.length + 2), true);

        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        Frame one = reader.read();
        assertThat(one.sequence()).isEqualTo(1);
        assertThat(one.bytesValue()).as("read apart").isEqualTo(big);
        assertThat(ValueCodec.decodeResult(one, null, null)).isEqualTo(big);
        Frame two = reader.read();
        assertThat(two.sequence()).isEqualTo(2);
        assertThat((byte[]) ValueCodec.decodeResult(two, null, null)).isEmpty();
        Frame six = reader.read();
        assertThat(six.sequence()).isEqualTo(6);
        assertThat(six.bytesValue()).containsExactly(4, 5);
        Frame three = reader.read();
        assertThat(three.bytesValue()).isNull();
        assertThat(ValueCodec.decodeResult(three, null, null)).isEqualTo("text");
        Frame four = reader.read();
        assertThat(four.sequence()).isEqualTo(4);
        assertThat(ValueCodec.decodeResult(four, null, null)).isNull();
        Frame five = reader.read();
        assertThat(five.bytesValue()).isNull();
        assertThatThrownBy(() -> ValueCodec.decodeResult(five, null, null)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("left over");
        assertThat(reader.read()).isNull();
    }

    @Test
    void aTaskFrameIsWrittenFromItsPartsAndItsArgumentsAreReadInPlace() throws Exception {
        byte[] function = {(byte) 0xAC, (byte) 0xED, 0, 5, 1, 2, 3};
        byte[] big = new byte[200_000];
        new java.util.Random(2).nextBytes(big);
        java.util.List<Object> args = java.util.List.of(big, "x", 7);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        writer.writeTask(42, new TaskPayload(function, null, TaskPayload.encodeArguments(args, java.util.Map.of())),
                false);
        writer.writeTask(43, new TaskPayload(null, "some.Callable",
                TaskPayload.encodeArguments(java.util.List.of(1), java.util.Map.of("k", 2))), true);

        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        Frame first = reader.read();
        assertThat(first.type()).isEqualTo(Protocol.FRAME_TASK);
        assertThat(first.sequence()).isEqualTo(42);
        TaskPayload p = TaskPayload.decode(first.body(), 8);
        assertThat(p.functionBytes()).containsExactly(function);
        assertThat(p.className()).isNull();
        Object[] both = p.decodeArguments(null);
        assertThat((java.util.List<?>) both[0]).hasSize(3).element(0).isEqualTo(big);
        assertThat((java.util.List<?>) both[0]).element(1).isEqualTo("x");
        assertThat((java.util.Map<?, ?>) both[1]).isEmpty();
        TaskPayload q = TaskPayload.decode(reader.read().body(), 8);
        assertThat(q.className()).isEqualTo("some.Callable");
        Object[] qBoth = q.decodeArguments(null);
        assertThat(qBoth[0]).isEqualTo(java.util.List.of(1));
        assertThat(qBoth[1]).isEqualTo(java.util.Map.of("k", 2));

        byte[] body = Arrays.copyOf(first.body(), first.body().length + 1);
        assertThatThrownBy(() -> TaskPayload.decode(body, 8)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("left over");
        byte[] cut = Arrays.copyOf(first.body(), 20);
        assertThatThrownBy(() -> TaskPayload.decode(cut, 8)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void aTaskFrameCarriesItsAttemptAndSoftTimeoutOnlyWhenTheyAreNotTheDefaults() throws Exception {
        TaskPayload first = new TaskPayload(new byte[] {9}, null, TaskPayload.encodeArguments(java.util.List.of(1),
                java.util.Map.of()));
        TaskPayload third = first.with(3, 250_000_000L);
        assertThat(first.with(1, 0)).isSameAs(first);
        assertThat(third.encode()).hasSize(first.encode().length + 13);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FrameWriter writer = new FrameWriter(bytes);
        writer.writeTask(7, first, false);
        writer.writeTask(8, third, true);
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes.toByteArray()), 1 << 20);
        TaskPayload p = TaskPayload.decode(reader.read().body(), 8);
        assertThat(p.attempt()).isEqualTo(1);
        assertThat(p.softTimeoutNanos()).isZero();
        byte[] body = reader.read().body();
        TaskPayload q = TaskPayload.decode(body, 8);
        assertThat(q.attempt()).isEqualTo(3);
        assertThat(q.softTimeoutNanos()).isEqualTo(250_000_000L);
        assertThat(q.functionBytes()).containsExactly(9);
        assertThat(q.decodeArguments(null)[0]).isEqualTo(java.util.List.of(1));

        byte[] forged = body.clone();
        java.nio.ByteBuffer.wrap(forged).putInt(9, 0); // attempt 0
        assertThatThrownBy(() -> TaskPayload.decode(forged, 8)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("out of range");
    }

    @Test
    void aProgressReportIsBoundedAndAMalformedOneIsAViolation() throws Exception {
        TaskProgress.Report r = new TaskProgress.Report(0.25, "step 1 é");
        byte[] body = java.nio.ByteBuffer.allocate(8 + r.encode().length).putLong(5).put(r.encode()).array();
        assertThat(TaskProgress.Report.decode(body, 8)).isEqualTo(r);
        assertThat(TaskProgress.Report.decode(new byte[8], 8)).as("a plain sign of progress").isNull();

        String huge = "é".repeat(TaskProgress.MAX_MESSAGE_BYTES); // two bytes each
        byte[] cut = new TaskProgress.Report(1, huge).encode();
        assertThat(cut.length - 12).isEqualTo(TaskProgress.MAX_MESSAGE_BYTES);
        assertThat(TaskProgress.Report.decode(cut, 0).message()).isEqualTo(huge.substring(0,
                TaskProgress.MAX_MESSAGE_BYTES / 2));
        Protocol.checkFromWorker(Protocol.FRAME_PROGRESS, 8 + cut.length);
        assertThatThrownBy(() -> Protocol.checkFromWorker(Protocol.FRAME_PROGRESS, 8 + cut.length + 1))
                .isInstanceOf(ProtocolException.class);

        byte[] nan = new TaskProgress.Report(0.5, "x").encode();
        java.nio.ByteBuffer.wrap(nan).putDouble(0, Double.NaN);
        assertThatThrownBy(() -> TaskProgress.Report.decode(nan, 0)).isInstanceOf(ProtocolException.class);
        byte[] lying = new TaskProgress.Report(0.5, "xy").encode();
        java.nio.ByteBuffer.wrap(lying).putInt(8, 1000);
        assertThatThrownBy(() -> TaskProgress.Report.decode(lying, 0)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> TaskProgress.Report.decode(new byte[11], 0)).isInstanceOf(ProtocolException.class);
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
