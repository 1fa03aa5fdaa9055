package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The wire format: hand-derived vectors, QEMU's overflow decisions, decoding rules and round trips. */
class XbzrleEncodingTest {

    private static final int PAGE = 4096;
    private static final HexFormat HEX = HexFormat.of();

    /** Encodes {@code cur} against {@code old} with QEMU's page-sized limit. */
    private static byte[] encode(byte[] old, byte[] cur) {
        return encode(old, cur, PAGE);
    }

    private static byte[] encode(byte[] old, byte[] cur, int dlen) {
        byte[] dst = new byte[Math.max(dlen, 1)];
        int n = XbzrleEncoding.encode(old, cur, old.length, dst, dlen);
        return n < 0 ? null : Arrays.copyOf(dst, n);
    }

    private static byte[] withChanges(byte[] old, int... offsets) {
        byte[] cur = old.clone();
        for (int off : offsets) {
            cur[off] ^= 0x5a;
        }
        return cur;
    }

    @Test
    void oneChangedByteAt1234() {
        // zero run 1234 = 0x4d2 -> 0xd2 0x09; changed run 1 -> 0x01; the new byte; trailing run omitted
        byte[] cur = withChanges(new byte[PAGE], 1234);
        assertEquals("d209015a", HEX.formatHex(encode(new byte[PAGE], cur)));
    }

    @Test
    void changedFirstByteStartsWithAZeroLengthZeroRun() {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        cur[0] = 0x11;
        assertEquals("000111", HEX.formatHex(encode(old, cur)));
    }

    @Test
    void changedLastByteEndsThePage() {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        cur[4095] = 0x22;
        // zero run 4095 = 0xfff -> 0xff 0x1f
        assertEquals("ff1f0122", HEX.formatHex(encode(old, cur)));
    }

    @Test
    void severalRunsCarryTheNewBytesNotTheXor() {
        byte[] old = new byte[PAGE];
        Arrays.fill(old, (byte) 0x10);
        byte[] cur = old.clone();
        cur[10] = 1;
        cur[11] = 2;
        cur[12] = 3;
        cur[200] = 4;
        // zrun 10, nzrun 3 "010203", zrun 187 = 0xbb -> 0xbb 0x01, nzrun 1 "04"
        assertEquals("0a03010203bb010104", HEX.formatHex(encode(old, cur)));
    }

    @Test
    void runLengthsCross127To128() {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        cur[127] = 1;
        assertEquals("7f0101", HEX.formatHex(encode(old, cur)));
        byte[] cur2 = old.clone();
        cur2[128] = 1;
        assertEquals("80010101", HEX.formatHex(encode(old, cur2)));
        byte[] cur3 = old.clone();
        Arrays.fill(cur3, 0, 128, (byte) 7);
        byte[] enc = encode(old, cur3);
        assertEquals("008001", HEX.formatHex(Arrays.copyOf(enc, 3)));
        assertEquals(3 + 128, enc.length);
    }

    @Test
    void identicalPageEncodesToNothing() {
        byte[] old = new byte[PAGE];
        new SplittableRandom(1).nextBytes(old);
        assertEquals(0, encode(old, old.clone()).length);
    }

    @Test
    void fullyChangedPageOverflows() {
        byte[] old = new byte[PAGE];
        byte[] cur = new byte[PAGE];
        Arrays.fill(cur, (byte) 1);
        assertEquals(null, encode(old, cur));
    }

    /**
     * Pages of {@code equalHead} unchanged bytes, {@code changed} changed bytes, then unchanged to
     * the end; the expected result is derived by hand from QEMU's three checks (see XbzrleEncoding).
     */
    @ParameterizedTest(name = "{0} equal + {1} changed, limit {2} -> {3}")
    @CsvSource({
            // ends at the page end: no check follows the last copy, so even a page-sized delta succeeds
            "3, 4093, 4096, 4096",   // 1 + 2 + 4093
            "4, 4092, 4096, 4095",   // 1 + 2 + 4092
            "2, 4094, 4096, -1",     // check 3: 1 + 2 + 4094 > 4096
            // ends before the page end: check 1 runs once more before the omitted trailing run
            "0, 4091, 4096, 4094",   // 1 + 2 + 4091, then 4094 + 2 <= 4096
            "0, 4092, 4096, -1",     // 4095 bytes would fit, but 4095 + 2 > 4096
            "0, 4093, 4096, -1",     // 4096 bytes, then check 1 fails
            "0, 4094, 4096, -1",     // check 3
            "1234, 1, 6, 4",         // d209015a: 4 + 2 <= 6
            "1234, 1, 5, -1",        // 4 bytes would fit in 5, check 1 refuses
            "4095, 1, 4, 4",         // ff1f01xx ends at the page end: fits exactly
            "4095, 1, 3, -1",        // check 2: 2 + 2 > 3 after the zero-run length
            "0, 1, 1, -1",           // check 1 at the very start: 0 + 2 > 1
            "0, 1, 2, -1",           // check 2: 1 + 2 > 2
            "0, 1, 4, -1",           // 000111 is 3 bytes, then check 1: 3 + 2 > 4
            "0, 1, 5, 3",
    })
    void overflowDecisionsMatchQemu(int equalHead, int changed, int limit, int expected) {
        byte[] old = new byte[PAGE];
        byte[] cur = old.clone();
        Arrays.fill(cur, equalHead, equalHead + changed, (byte) 0x33);
        byte[] dst = new byte[PAGE];
        assertEquals(expected, XbzrleEncoding.encode(old, cur, PAGE, dst, limit));
    }

    @Test
    void roundTripsSeededSparsePages() throws CodecException {
        SplittableRandom random = new SplittableRandom(2026);
        for (int round = 0; round < 3000; round++) {
            byte[] old = new byte[PAGE];
            random.nextBytes(old);
            byte[] cur = old.clone();
            int edits = random.nextInt(40);
            for (int e = 0; e < edits; e++) {
                int len = 1 + random.nextInt(random.nextBoolean() ? 4 : 300);
                int at = random.nextInt(PAGE - len + 1);
                for (int i = at; i < at + len; i++) {
                    cur[i] = (byte) random.nextInt(256);
                }
            }
            if (random.nextInt(4) == 0) {
                cur[0] ^= 1;
                cur[PAGE - 1] ^= (byte) 0x80;
            }
            byte[] delta = encode(old, cur);
            if (delta == null) {
                continue;
            }
            byte[] dest = old.clone();
            XbzrleEncoding.decode(ByteBuffer.wrap(delta), MemorySegment.ofArray(dest), "round " + round);
            assertArrayEquals(cur, dest, "round " + round);
            assertTrue(delta.length <= PAGE);
        }
    }

    @Test
    void changedRunEndAgreesWithAByteScan() {
        SplittableRandom random = new SplittableRandom(77);
        for (int round = 0; round < 2000; round++) {
            int length = 1 + random.nextInt(64);
            byte[] a = new byte[length];
            byte[] b = new byte[length];
            for (int i = 0; i < length; i++) {
                a[i] = (byte) random.nextInt(4);
                b[i] = (byte) random.nextInt(random.nextInt(8) == 0 ? 4 : 256);
            }
            int from = random.nextInt(length);
            int naive = from;
            while (naive < length && a[naive] != b[naive]) {
                naive++;
            }
            assertEquals(naive, ScalarRunScan.changedRunEnd(java.lang.foreign.MemorySegment.ofArray(a), b, from, length), "round " + round);
        }
    }

    @Test
    void runsNeverExceedTheFourteenBitCap() {
        byte[] big = new byte[XbzrleEncoding.MAX_PAGE + 1];
        assertThrows(IllegalArgumentException.class, () -> XbzrleEncoding.encode(big, big, big.length, big, big.length));
        byte[] max = new byte[XbzrleEncoding.MAX_PAGE];
        byte[] cur = max.clone();
        cur[cur.length - 1] = 1;
        // zero run 0x3ffe -> 0xfe 0x7f
        assertEquals("fe7f0101", HEX.formatHex(Arrays.copyOf(encodeAny(max, cur), 4)));
    }

    private static byte[] encodeAny(byte[] old, byte[] cur) {
        byte[] dst = new byte[old.length];
        int n = XbzrleEncoding.encode(old, cur, old.length, dst, old.length);
        return Arrays.copyOf(dst, n);
    }
}
