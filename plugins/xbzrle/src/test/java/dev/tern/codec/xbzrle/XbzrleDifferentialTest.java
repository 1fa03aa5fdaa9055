package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tern.spi.codec.CodecException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The optimized codec agrees with the byte-wise model on output, overflow decisions and acceptance. */
class XbzrleDifferentialTest {

    private static final int PAGE = 4096;

    @Test
    void encoderMatchesTheModelForAnyOutputLimit() {
        SplittableRandom random = new SplittableRandom(555);
        byte[] fast = new byte[PAGE];
        byte[] model = new byte[PAGE];
        int overflows = 0;
        for (int round = 0; round < 4000; round++) {
            byte[] old = new byte[PAGE];
            random.nextBytes(old);
            byte[] cur = old.clone();
            int density = 1 + random.nextInt(8);
            int edits = random.nextInt(1 << (2 * density));
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(PAGE);
                cur[at] = (byte) random.nextInt(256); // sometimes unchanged: equal runs of any length
            }
            int dlen = random.nextInt(3) == 0 ? random.nextInt(PAGE + 1) : PAGE;
            int expected = ByteWiseXbzrleModel.encode(old, cur, PAGE, model, dlen);
            int actual = XbzrleEncoding.encode(old, cur, PAGE, fast, dlen);
            assertEquals(expected, actual, "round " + round + " with limit " + dlen);
            if (expected > 0) {
                assertArrayEquals(Arrays.copyOf(model, expected), Arrays.copyOf(fast, actual), "round " + round);
            } else if (expected < 0) {
                overflows++;
            }
        }
        assertEquals(true, overflows > 100, "the generator must reach the overflow paths, got " + overflows);
    }

    @Test
    void decoderAcceptsExactlyWhatTheModelAccepts() {
        SplittableRandom random = new SplittableRandom(556);
        int accepted = 0;
        for (int round = 0; round < 20000; round++) {
            byte[] delta = new byte[random.nextInt(24)];
            for (int k = 0; k < delta.length; k++) {
                int pick = random.nextInt(6);
                delta[k] = (byte) switch (pick) {
                    case 0 -> 0;
                    case 1 -> 1 + random.nextInt(4);
                    case 2 -> 0x80 | random.nextInt(0x80);
                    case 3 -> random.nextInt(0x40);
                    default -> random.nextInt(256);
                };
            }
            byte[] modelPage = new byte[PAGE];
            int modelEnd = ByteWiseXbzrleModel.decode(delta, delta.length, modelPage, PAGE);
            byte[] page = new byte[PAGE];
            if (modelEnd < 0) {
                assertThrows(CodecException.class,
                        () -> XbzrleEncoding.decode(ByteBuffer.wrap(delta), MemorySegment.ofArray(page), "r"),
                        "round " + round);
                assertArrayEquals(new byte[PAGE], page, "round " + round + ": untouched on error");
            } else {
                try {
                    assertEquals(modelEnd, XbzrleEncoding.decode(ByteBuffer.wrap(delta), MemorySegment.ofArray(page), "r"));
                } catch (CodecException e) {
                    throw new AssertionError("round " + round + ": refused a delta QEMU accepts: " + e.getMessage(), e);
                }
                assertArrayEquals(modelPage, page, "round " + round);
                accepted++;
            }
        }
        assertEquals(true, accepted > 500, "the generator must produce valid deltas too, got " + accepted);
    }
}
