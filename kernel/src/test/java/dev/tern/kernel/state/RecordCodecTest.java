package dev.tern.kernel.state;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordCodecTest {

    enum Mode { OFF, ON }

    record Small(byte ier, int divisor, String name) { }

    record Inner(short s, char c) { }

    record Everything(boolean flag, byte b, short s, char c, int i, long l, float f, double d, String text,
            byte[] bytes, short[] shorts, int[] ints, long[] longs, Mode mode, Inner inner, List<Inner> inners,
            List<String> strings, List<Integer> boxed, List<Mode> modes, List<List<Long>> nested) { }

    record Empty() { }

    record Node(int v, List<Node> children) { }

    record HasObject(Object o) { }

    record Guarded(int v) {
        Guarded {
            if (v < 0) {
                throw new IllegalArgumentException("negative");
            }
        }
    }

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void smallRecordHasExactBytes() {
        RecordCodec<Small> codec = RecordCodec.of(Small.class);
        assertEquals("0f" + "0000000c" + "02" + "6162", HEX.formatHex(codec.encode(new Small((byte) 15, 12, "ab"))));
        PayloadOutput schema = new PayloadOutput();
        codec.schema().write(schema);
        assertEquals("03" + "03" + "696572" + "02" + "07" + "64697669736f72" + "05" + "04" + "6e616d65" + "09",
                HEX.formatHex(schema.toByteArray()));
    }

    @Test
    void varintLengthsAndRawFloatBits() {
        record S(String s, float f) { }
        byte[] b = RecordCodec.of(S.class).encode(new S("x".repeat(200), Float.intBitsToFloat(0x7fc00001)));
        assertEquals("c801", HEX.formatHex(b, 0, 2));
        assertEquals("7fc00001", HEX.formatHex(b, 202, 206));
    }

    @Test
    void everySupportedTypeRoundTrips() throws SavedStateException {
        Everything e = new Everything(true, (byte) -2, (short) -3, '\u20ac', -4, Long.MIN_VALUE, -0.0f, Double.NaN,
                "h\u00e9llo \ud83d\ude00", new byte[] {1, -1}, new short[] {-1, 2}, new int[] {Integer.MAX_VALUE},
                new long[] {-1L, 5}, Mode.ON, new Inner((short) 7, 'x'), List.of(new Inner((short) 1, 'a')),
                List.of("a", ""), List.of(1, -1), List.of(Mode.OFF, Mode.ON), List.of(List.of(1L), List.of()));
        RecordCodec<Everything> codec = RecordCodec.of(Everything.class);
        Everything back = codec.decode(codec.encode(e));
        assertEquals(e.flag(), back.flag());
        assertEquals(e.b(), back.b());
        assertEquals(e.s(), back.s());
        assertEquals(e.c(), back.c());
        assertEquals(e.i(), back.i());
        assertEquals(e.l(), back.l());
        assertEquals(Float.floatToRawIntBits(e.f()), Float.floatToRawIntBits(back.f()));
        assertEquals(Double.doubleToRawLongBits(e.d()), Double.doubleToRawLongBits(back.d()));
        assertEquals(e.text(), back.text());
        assertArrayEquals(e.bytes(), back.bytes());
        assertArrayEquals(e.shorts(), back.shorts());
        assertArrayEquals(e.ints(), back.ints());
        assertArrayEquals(e.longs(), back.longs());
        assertEquals(e.mode(), back.mode());
        assertEquals(e.inner(), back.inner());
        assertEquals(e.inners(), back.inners());
        assertEquals(e.strings(), back.strings());
        assertEquals(e.boxed(), back.boxed());
        assertEquals(e.modes(), back.modes());
        assertEquals(e.nested(), back.nested());
        assertEquals(new Empty(), RecordCodec.of(Empty.class).decode(new byte[0]));
    }

    @Test
    void schemaNamesEveryFieldType() {
        RecordSchema s = RecordSchema.of(Everything.class);
        assertEquals(20, s.fields().size());
        assertEquals("list<list<long>>", s.field("nested").type().describe());
        assertEquals("enum", s.field("mode").type().describe());
        assertEquals(TypeTag.RECORD, s.field("inner").type().tag());
    }

    @Test
    void unsupportedAndRecursiveTypesAreRefusedByName() {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class, () -> RecordCodec.of(HasObject.class));
        assertTrue(a.getMessage().contains("component 'o'"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class, () -> RecordCodec.of(Node.class));
        assertTrue(b.getMessage().contains("contains itself"), b.getMessage());
    }

    @Test
    void nullsAndLoneSurrogatesAreRefusedOnSave() {
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> RecordCodec.of(Small.class).encode(new Small((byte) 0, 0, null)));
        assertTrue(a.getMessage().contains("'name' is null"), a.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> RecordCodec.of(Small.class).encode(new Small((byte) 0, 0, "\ud800")));
        assertTrue(b.getMessage().contains("'name'"), b.getMessage());
    }

    @Test
    void decodeRefusesLeftoverBadBooleanAndBadUtf8() {
        RecordCodec<Small> codec = RecordCodec.of(Small.class);
        byte[] extra = HEX.parseHex("0f0000000c02616200");
        assertTrue(assertThrows(SavedStateException.class, () -> codec.decode(extra)).getMessage()
                .contains("unexpected bytes"));
        byte[] utf = HEX.parseHex("0f0000000c02c328");
        assertTrue(assertThrows(SavedStateException.class, () -> codec.decode(utf)).getMessage().contains("UTF-8"));
        record B(boolean b) { }
        assertTrue(assertThrows(SavedStateException.class, () -> RecordCodec.of(B.class).decode(new byte[] {2}))
                .getMessage().contains("not 0 or 1"));
    }

    @Test
    void hugeDeclaredLengthsFailWithoutAllocating() {
        record A(long[] a) { }
        byte[] bogus = HEX.parseHex("ffffffff07");
        SavedStateException e = assertThrows(SavedStateException.class, () -> RecordCodec.of(A.class).decode(bogus));
        assertTrue(e.getMessage().contains("array length 2147483647 needs at least"), e.getMessage());
        record L(List<Empty> l) { }
        SavedStateException f = assertThrows(SavedStateException.class,
                () -> RecordCodec.of(L.class).decode(HEX.parseHex("ffffffff07")));
        assertTrue(f.getMessage().contains("exceeds limit"), f.getMessage());
        assertThrows(SavedStateException.class, () -> RecordCodec.of(A.class).decode(HEX.parseHex("8000")));
    }

    @Test
    void listsOfEmptyRecordsCannotExpandIntoMillionsOfObjects() {
        record Nest(List<List<Empty>> l) { }
        // 64 inner lists of 2^20 - 1 empty records each, in about 260 bytes
        String bomb = "40" + "ffff3f".repeat(64);
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> RecordCodec.of(Nest.class).decode(HEX.parseHex(bomb)));
        assertTrue(e.getMessage().contains("more than 1048576 values in one section"), e.getMessage());
        assertTrue(mx.getCurrentThreadAllocatedBytes() - before < (64 << 20));
        IllegalStateException w = assertThrows(IllegalStateException.class, () -> new SavedStateWriter(
                new java.io.ByteArrayOutputStream(), SnapshotLoaderTest.emptyConfig()).writeSection(new TestSection<>(
                "n", Nest.class, new Nest(List.of(java.util.Collections.nCopies(1 << 20, new Empty()))))));
        assertTrue(w.getMessage().startsWith("section 'n' instance 0: 1048578 values exceed"), w.getMessage());
    }

    @Test
    void listsOfEmptyRecordsDecodeAsOneSharedValueEach() throws SavedStateException {
        record Holder(List<Empty> some, List<List<Empty>> nested, List<Empty> none) { }
        Holder h = new Holder(List.of(new Empty(), new Empty(), new Empty()), List.of(List.of(new Empty()), List.of()),
                List.of());
        RecordCodec<Holder> codec = RecordCodec.of(Holder.class);
        assertEquals(h, codec.decode(codec.encode(h)));
    }

    @Test
    void constructorRefusalBecomesSavedStateException() {
        SavedStateException e = assertThrows(SavedStateException.class,
                () -> RecordCodec.of(Guarded.class).decode(HEX.parseHex("ffffffff")));
        assertTrue(e.getMessage().contains("refused the values") && e.getMessage().contains("negative"), e.getMessage());
    }

    @Test
    void schemaMatchingIsByNameAndStrict() throws SavedStateException {
        RecordSchema target = RecordSchema.of(Samples.Uart.class);
        RecordSchema older = RecordSchema.of(Samples.UartV1.class);
        SavedStateException missing = assertThrows(SavedStateException.class,
                () -> older.requireSameAs(target, "section 'uart16550' instance 0", 5));
        assertEquals("section 'uart16550' instance 0: field 'fcr' missing (at byte 5)", missing.getMessage());
        SavedStateException extra = assertThrows(SavedStateException.class,
                () -> target.requireSameAs(older, "s", -1));
        assertEquals("s: unknown field 'fcr'", extra.getMessage());
        record Reordered(int divisor, byte fcr, byte lcr, byte ier) { }
        RecordSchema.of(Reordered.class).requireSameAs(target, "s", -1);
        record WrongType(byte ier, byte lcr, byte fcr, long divisor) { }
        assertEquals("s: field 'divisor' is long in the stream but int is expected",
                assertThrows(SavedStateException.class,
                        () -> RecordSchema.of(WrongType.class).requireSameAs(target, "s", -1)).getMessage());
    }
}
