package dev.tern.codec.lz4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.testkit.codec.ProviderConfig;
import dev.tern.testkit.fuzz.HostileInput;
import dev.tern.testkit.fuzz.SeedCorpus;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * LZ4 page decoding under hostile payloads: a {@link CodecException} naming the page and the input
 * offset, or exactly one page written; a refused payload leaves the page as it was. Seeds (in
 * {@code Lz4DecodeFuzzTestInputs}) are real encoder output: a zero page, text, a page table, a
 * mostly-random page.
 */
class Lz4DecodeFuzzTest {

    private static final int PAGE = 4096;
    private static final long GPA = 0x7000;
    private static final Pattern WHERE = Pattern.compile("^malformed LZ4 page 0x7000 at input offset \\d+: ");
    private static final byte[] BEFORE = new byte[PAGE];

    static {
        for (int i = 0; i < PAGE; i++) {
            BEFORE[i] = (byte) (i * 31 + 7);
        }
    }

    /** Real encoder output: a zero page, English text, a page table, a half-random page. */
    @Test
    void seedsAreRealEncoderOutput() {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        byte[] text = new byte[PAGE];
        byte[] words = "the guest wrote this line into its page cache; ".getBytes(StandardCharsets.US_ASCII);
        byte[] table = new byte[PAGE];
        byte[] half = new byte[PAGE];
        for (int i = 0; i < PAGE; i++) {
            text[i] = words[i % words.length];
        }
        for (int i = 0; i < 300; i++) { // 300 mapped entries, the rest not present
            ByteBuffer.wrap(table).putInt(i * 4, 0x00100007 + (i << 12));
        }
        new SplittableRandom(18).nextBytes(half);
        Arrays.fill(half, PAGE / 2, PAGE, (byte) 0);
        seeds.put("zero-page", encode(new byte[PAGE]));
        seeds.put("text", encode(text));
        seeds.put("page-table", encode(table));
        seeds.put("half-random", encode(half));
        SeedCorpus.check(Lz4DecodeFuzzTest.class, "decode", seeds);
    }

    private byte[] encode(byte[] page) {
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        int n = provider.newEncoder(ProviderConfig.defaults(provider)).encode(0x7000, MemorySegment.ofArray(page), out);
        assertTrue(n > 0, "the encoder compresses the seed page");
        return Arrays.copyOf(out.array(), n);
    }

    private final Lz4CodecProvider provider = new Lz4CodecProvider();
    private final PageDecoder decoder = provider.newDecoder(ProviderConfig.defaults(provider));

    @FuzzTest
    void decode(byte[] payload) {
        byte[] page = BEFORE.clone();
        ByteBuffer in = ByteBuffer.wrap(payload);
        Optional<CodecException> refused = HostileInput.parse(CodecException.class, WHERE, 64 << 10, () -> {
            in.position(0);
            decoder.decode(GPA, in, MemorySegment.ofArray(page));
        });
        if (refused.isPresent()) {
            assertArrayEquals(BEFORE, page, "a refused payload changed the page");
            assertEquals(0, in.position(), "a refused payload was consumed");
        } else {
            assertEquals(payload.length, in.position(), "an accepted payload is consumed whole");
            if (payload.length == 1) {
                assertArrayEquals(new byte[PAGE], page, "the zero-page tag");
            } else {
                assertEquals(Lz4PageFormat.BLOCK, payload[0]);
            }
        }
    }
}
