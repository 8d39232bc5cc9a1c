package dev.processpool.protocol;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValueCodecTest {

    private static Object roundTrip(Object v) throws Exception {
        return ValueCodec.decode(ValueCodec.encode(v), 0, ValueCodecTest.class.getClassLoader(), null);
    }

    @Test
    void plainValuesRoundTripWithTheirClass() throws Exception {
        ArrayList<Object> nested = new ArrayList<>(Arrays.asList(1, 2L, 3.5, "x", null, true, false, new byte[] {7}));
        nested.add(new ArrayList<>(List.of("inner", Integer.MIN_VALUE, Long.MAX_VALUE, Double.NaN)));
        for (Object v : new Object[] {null, 0, -1, Long.MIN_VALUE, -0.0, "", "héllo ✓", true, nested}) {
            assertThat(ValueCodec.isPlain(v)).as("%s", v).isTrue();
            Object back = roundTrip(v);
            if (v != null) {
                assertThat(back).isInstanceOf(v.getClass());
            }
            assertThat(back).usingRecursiveComparison().withEqualsForType(Double::equals, Double.class).isEqualTo(v);
        }
        assertThat((byte[]) roundTrip(new byte[] {1, 2, 3})).containsExactly(1, 2, 3);
    }

    @Test
    void otherClassesGoThroughJavaSerialisationAndKeepTheirClass() throws Exception {
        List<Integer> immutable = List.of(1, 2);
        assertThat(ValueCodec.isPlain(immutable)).isFalse();
        assertThat(ValueCodec.encode(immutable)[0]).isEqualTo((byte) 0xAC);
        assertThat(roundTrip(immutable)).isEqualTo(immutable).isNotInstanceOf(ArrayList.class);
        ArrayList<Object> mixed = new ArrayList<>(List.of(1, new java.util.Date(0)));
        assertThat(ValueCodec.isPlain(mixed)).isFalse();
        assertThat(roundTrip(mixed)).isEqualTo(mixed);
    }

    @Test
    void hostileInputIsRejectedWithoutAllocatingWhatItAnnounces() {
        byte[] hugeList = {ValueCodec.LIST, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        byte[] hugeBytes = {ValueCodec.BYTES, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2};
        byte[] unknownTag = {99};
        byte[] truncatedInt = {ValueCodec.INT, 1, 2};
        byte[] trailing = {ValueCodec.NULL, 0};
        for (byte[] bad : List.of(hugeList, hugeBytes, unknownTag, truncatedInt, trailing)) {
            assertThatThrownBy(() -> ValueCodec.decode(bad, 0, null, null)).isInstanceOf(IOException.class);
        }
        byte[] deep = new byte[(ValueCodec.MAX_DEPTH + 2) * 5];
        for (int i = 0; i < ValueCodec.MAX_DEPTH + 2; i++) {
            deep[i * 5] = ValueCodec.LIST;
            deep[i * 5 + 4] = 1;
        }
        assertThatThrownBy(() -> ValueCodec.decode(deep, 0, null, null)).hasMessageContaining("nested");
    }
}
