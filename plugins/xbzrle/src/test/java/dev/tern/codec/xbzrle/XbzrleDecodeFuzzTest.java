package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.spi.codec.CodecException;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * XBZRLE deltas from a hostile sender, checked against a byte-at-a-time reading of QEMU's acceptance
 * rules written here: the decoder must accept exactly the deltas the reading accepts and produce the
 * same page; a refused delta is a {@link CodecException} naming the page (and the input offset) and
 * leaves both the page and the input untouched. Seeds are real encoder deltas.
 */
class XbzrleDecodeFuzzTest {

    private static final int PAGE = 4096;
    private static final Pattern WHERE =
            Pattern.compile("^(malformed XBZRLE delta for page 0x7000 at input offset \\d+: |XBZRLE delta for page 0x7000 is )");
    private static final byte[] BEFORE = new byte[PAGE];
    /**
     * Decoding allocates nothing per page once compiled, but the Vector API boxes its vectors on
     * paths the JIT has not compiled yet (fuzzing finding 1: 21 KB for one long run), so the bound
     * is a few pages, still independent of what the delta claims.
     */
    private static final long ALLOCATION = 16L * PAGE;

    static {
        for (int i = 0; i < PAGE; i++) {
            BEFORE[i] = (byte) (i * 13 + 1);
        }
    }

    private final XbzrleDecoder decoder = new XbzrleDecoder();

    /** Real encoder deltas against {@link #BEFORE}: a counter bump, a rewritten line, scattered bytes, no change. */
    @Test
    void seedsAreRealEncoderOutput() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] counter = BEFORE.clone();
        counter[0x88] += 1;
        byte[] line = BEFORE.clone();
        byte[] words = "a line the guest rewrote".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(words, 0, line, 1000, words.length);
        byte[] scattered = BEFORE.clone();
        for (int i = 7; i < PAGE; i += 301) {
            scattered[i] = 0;
        }
        seeds.put("counter", delta(counter));
        seeds.put("line", delta(line));
        seeds.put("scattered", delta(scattered));
        seeds.put("unchanged", delta(BEFORE));
        SeedCorpus.check(XbzrleDecodeFuzzTest.class, "decode", seeds);
    }

    private static byte[] delta(byte[] cur) {
        byte[] out = new byte[PAGE];
        int n = XbzrleEncoding.encode(BEFORE, cur, PAGE, out, PAGE);
        assertTrue(n >= 0, "the encoder gives a delta for the seed page");
        return Arrays.copyOf(out, n);
    }

    @FuzzTest
    void decode(byte[] delta) {
        byte[] page = BEFORE.clone();
        ByteBuffer in = ByteBuffer.wrap(delta);
        Optional<CodecException> refused = HostileInput.parse(CodecException.class, WHERE, ALLOCATION, () -> {
            in.position(0);
            System.arraycopy(BEFORE, 0, page, 0, PAGE);
            decoder.decode(0x7000, in, MemorySegment.ofArray(page));
        });
        byte[] expected = reference(delta);
        if (refused.isPresent()) {
            assertNull(expected, "the reference reading accepts a refused delta: " + refused.get().getMessage());
            assertArrayEquals(BEFORE, page, "a refused delta changed the page");
            assertEquals(0, in.position(), "a refused delta was consumed");
        } else {
            assertArrayEquals(expected, page, "the reference reading gives another page (or refuses)");
            assertEquals(delta.length, in.position());
        }
    }

    /** The page after {@code delta}, or null where QEMU's rules refuse it. */
    private static byte[] reference(byte[] delta) {
        if (delta.length > PAGE) {
            return null;
        }
        byte[] page = BEFORE.clone();
        int i = 0;
        int d = 0;
        while (i < delta.length) {
            if (delta.length - i < 2) {
                return null;
            }
            int[] zero = uleb(delta, i);
            if (zero == null || (zero[0] == 0 && i != 0)) {
                return null;
            }
            i += zero[1];
            d += zero[0];
            if (d > PAGE || delta.length - i < 2) {
                return null;
            }
            int[] run = uleb(delta, i);
            if (run == null || run[0] == 0) {
                return null;
            }
            i += run[1];
            if (d + run[0] > PAGE || i + run[0] > delta.length) {
                return null;
            }
            for (int k = 0; k < run[0]; k++) {
                page[d++] = delta[i++];
            }
        }
        return page;
    }

    /** {value, bytes} of the unsigned LEB128 at {@code at}, or null if it needs more than two bytes. */
    private static int[] uleb(byte[] b, int at) {
        int first = b[at] & 0xff;
        if (first < 0x80) {
            return new int[] {first, 1};
        }
        int second = b[at + 1] & 0xff;
        return second < 0x80 ? new int[] {(first & 0x7f) | (second << 7), 2} : null;
    }
}
