package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tern.spi.codec.CodecException;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Decoding follows QEMU's acceptance rules and is safe against hostile deltas. */
class XbzrleDecodeTest {

    private static final int PAGE = 4096;
    private static final HexFormat HEX = HexFormat.of();
    private final XbzrleDecoder decoder = new XbzrleDecoder();

    @Test
    void appliesTheHandDerivedVector() throws CodecException {
        byte[] page = new byte[PAGE];
        page[7] = 9;
        ByteBuffer in = ByteBuffer.wrap(HEX.parseHex("d209015a"));
        decoder.decode(0x2000, in, MemorySegment.ofArray(page));
        byte[] expected = new byte[PAGE];
        expected[7] = 9;
        expected[1234] = 0x5a;
        assertArrayEquals(expected, page);
        assertEquals(in.limit(), in.position(), "the delta is consumed");
    }

    @Test
    void emptyDeltaChangesNothing() throws CodecException {
        byte[] page = new byte[PAGE];
        Arrays.fill(page, (byte) 3);
        decoder.decode(0, ByteBuffer.allocate(0), MemorySegment.ofArray(page));
        byte[] expected = new byte[PAGE];
        Arrays.fill(expected, (byte) 3);
        assertArrayEquals(expected, page);
    }

    @Test
    void acceptsNonMinimalLengthsAsQemuDoes() throws CodecException {
        byte[] page = new byte[PAGE];
        decoder.decode(0, ByteBuffer.wrap(HEX.parseHex("800001aa")), MemorySegment.ofArray(page));
        assertEquals((byte) 0xaa, page[0]);
    }

    @Test
    void acceptsAPageSizedDelta() throws CodecException {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        Arrays.fill(cur, 3, PAGE, (byte) 0x44);
        byte[] dst = new byte[PAGE];
        assertEquals(PAGE, XbzrleEncoding.encode(old, cur, PAGE, dst, PAGE));
        decoder.decode(0, ByteBuffer.wrap(dst), MemorySegment.ofArray(old));
        assertArrayEquals(cur, old);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
            "01, 0, at least 2 bytes left",
            "000000, 1, changed-run length 0",
            "0501aa0001bb, 3, only valid at the start",
            "808001, 0, longer than two ULEB128 bytes",
            "00808001, 1, longer than two ULEB128 bytes",
            "ff7f01aa, 2, past the 4096-byte page",
            "ff1f02aabb, 3, passes the page end",
            "0005aa, 2, only 1 input bytes remain",
            "0101aa05, 3, at least 2 bytes left",
            "0101aa0501, 4, a changed run needs at least 2 bytes left",
    })
    void refusesMalformedDeltasNamingTheOffset(String hex, int offset, String problem) {
        byte[] page = new byte[PAGE];
        Arrays.fill(page, (byte) 0x77);
        ByteBuffer in = ByteBuffer.wrap(HEX.parseHex(hex));
        CodecException e = assertThrows(CodecException.class,
                () -> decoder.decode(0x5000, in, MemorySegment.ofArray(page)));
        assertTrue(e.getMessage().contains("page 0x5000"), e.getMessage());
        assertTrue(e.getMessage().contains("at input offset " + offset + ":"), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertEquals(0, in.position(), "input not consumed on error");
        for (byte b : page) {
            assertEquals((byte) 0x77, b, "a malformed delta must leave the page untouched");
        }
    }

    @Test
    void refusesADeltaLongerThanThePage() {
        CodecException e = assertThrows(CodecException.class,
                () -> decoder.decode(0, ByteBuffer.allocate(PAGE + 1), MemorySegment.ofArray(new byte[PAGE])));
        assertTrue(e.getMessage().contains("4097 bytes"), e.getMessage());
    }

    /** Structurally plausible deltas with lengths anywhere, decoded into a slice between guard bytes. */
    @Test
    void hostileRunSequencesNeverEscapeThePage() {
        SplittableRandom random = new SplittableRandom(31337);
        byte[] arena = new byte[3 * PAGE];
        MemorySegment page = MemorySegment.ofArray(arena).asSlice(PAGE, PAGE);
        int accepted = 0;
        for (int round = 0; round < 20000; round++) {
            Arrays.fill(arena, (byte) 0xee);
            byte[] delta = plausibleDelta(random);
            try {
                decoder.decode(round, ByteBuffer.wrap(delta), page);
                accepted++;
            } catch (CodecException expected) {
                assertTrue(expected.getMessage().startsWith("malformed XBZRLE delta")
                        || expected.getMessage().startsWith("XBZRLE delta"), expected.getMessage());
            } catch (RuntimeException e) {
                fail("round " + round + " delta " + HEX.formatHex(delta) + " threw " + e, e);
            }
            for (int i = 0; i < PAGE; i++) {
                if (arena[i] != (byte) 0xee || arena[2 * PAGE + i] != (byte) 0xee) {
                    fail("round " + round + ": write outside the page near arena offset " + i);
                }
            }
        }
        assertTrue(accepted > 100, "the generator should also produce valid deltas, got " + accepted);
    }

    private static byte[] plausibleDelta(SplittableRandom random) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pairs = random.nextInt(6);
        for (int p = 0; p < pairs; p++) {
            int zrun = random.nextInt(3) == 0 ? random.nextInt(0x4000) : random.nextInt(600);
            int nzrun = random.nextInt(3) == 0 ? random.nextInt(0x4000) : random.nextInt(300);
            writeLength(out, zrun, random);
            writeLength(out, nzrun, random);
            int data = random.nextInt(8) == 0 ? random.nextInt(nzrun + 2) : nzrun;
            for (int i = 0; i < data; i++) {
                out.write(random.nextInt(256));
            }
        }
        byte[] bytes = out.toByteArray();
        return random.nextInt(5) == 0 && bytes.length > 0 ? Arrays.copyOf(bytes, random.nextInt(bytes.length)) : bytes;
    }

    private static void writeLength(ByteArrayOutputStream out, int value, SplittableRandom random) {
        if (value < 0x80 && random.nextInt(10) != 0) {
            out.write(value);
        } else {
            out.write((value & 0x7f) | 0x80);
            out.write((value >>> 7) | (random.nextInt(20) == 0 ? 0x80 : 0));
        }
    }
}
