package dev.tern.codec.lz4;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.ConfigException;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageDecoder;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.testkit.codec.ProviderConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;

/** LZ4 specifics: the zero-page marker, the incompressible cut-off, decoder validation, levels. */
class Lz4CodecTest {

    private static final int PAGE = 4096;
    private final Lz4CodecProvider provider = new Lz4CodecProvider();
    private final PageEncoder encoder = provider.newEncoder(ProviderConfig.defaults(provider));
    private final PageDecoder decoder = provider.newDecoder(ProviderConfig.defaults(provider));

    private static byte[] text() {
        byte[] page = new byte[PAGE];
        byte[] words = "the quick brown fox jumps over the lazy guest page ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < PAGE; i++) {
            page[i] = words[i % words.length];
        }
        return page;
    }

    @Test
    void zeroPageIsOneByteAndDecodesOverAnything() throws CodecException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativePage = arena.allocate(PAGE); // guest RAM is off-heap
            ByteBuffer out = ByteBuffer.allocate(PAGE);
            assertEquals(1, encoder.encode(0, nativePage, out));
            assertEquals(0, out.get(0));
            byte[] receiver = text();
            decoder.decode(0, out.flip(), MemorySegment.ofArray(receiver));
            assertArrayEquals(new byte[PAGE], receiver);
            assertEquals(1, encoder.stats().get("zero-pages"));
        }
    }

    @Test
    void compressiblePageShrinksAndRoundTrips() throws CodecException {
        byte[] page = text();
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        int n = encoder.encode(0x1000, MemorySegment.ofArray(page), out);
        assertTrue(n > 1 && n < 200, "text page encoded to " + n + " bytes");
        assertEquals(1, out.get(0), "block tag");
        byte[] receiver = new byte[PAGE];
        decoder.decode(0x1000, out.flip(), MemorySegment.ofArray(receiver));
        assertArrayEquals(page, receiver);
        assertEquals(n, encoder.stats().get("compressed-size"));
        assertEquals(PAGE * 100L / n, encoder.stats().get("compression-rate"));
    }

    @Test
    void randomPageIsRefused() {
        byte[] page = new byte[PAGE];
        new SplittableRandom(5).nextBytes(page);
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        assertEquals(-1, encoder.encode(0, MemorySegment.ofArray(page), out));
        assertEquals(0, out.position());
        assertEquals(1, encoder.stats().get("incompressible"));
    }

    @Test
    void decoderRefusesMalformedInputNamingPageAndOffset() {
        byte[] shortPage = LZ4Factory.safeInstance().fastCompressor().compress(new byte[100]);
        byte[] wrongLength = new byte[shortPage.length + 1];
        wrongLength[0] = 1;
        System.arraycopy(shortPage, 0, wrongLength, 1, shortPage.length);
        assertMalformed(new byte[0], "input offset 0: empty input");
        assertMalformed(new byte[] {7}, "input offset 0: unknown tag 0x07");
        assertMalformed(new byte[] {0, 0}, "input offset 1: zero-page tag followed by 1 bytes");
        assertMalformed(wrongLength, "decompresses to 100 bytes, expected 4096");
        assertMalformed(new byte[] {1, (byte) 0xf0, 1, 2}, "input offset 1: corrupt LZ4 block");
        byte[] tooLong = new byte[PAGE + 1];
        tooLong[0] = 1;
        assertMalformed(tooLong, "not smaller than the page");
    }

    private void assertMalformed(byte[] input, String expected) {
        byte[] page = text();
        ByteBuffer in = ByteBuffer.wrap(input);
        CodecException e = assertThrows(CodecException.class, () -> decoder.decode(0x9000, in, MemorySegment.ofArray(page)));
        assertTrue(e.getMessage().contains("page 0x9000") && e.getMessage().contains(expected), e.getMessage());
        assertArrayEquals(text(), page, "a malformed page must leave the destination untouched");
        assertEquals(0, in.position());
    }

    @Test
    void truncatedBlocksNeverDecode() {
        byte[] page = text();
        page[77] = 1;
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        int n = encoder.encode(0, MemorySegment.ofArray(page), out);
        byte[] encoded = Arrays.copyOf(out.array(), n);
        for (int cut = 1; cut < n; cut++) {
            byte[] truncated = Arrays.copyOf(encoded, cut);
            assertThrows(CodecException.class,
                    () -> decoder.decode(0, ByteBuffer.wrap(truncated), MemorySegment.ofArray(new byte[PAGE])),
                    "truncated to " + cut + " of " + n);
        }
    }

    @Test
    void highCompressionIsNoLargerOnText() {
        PageEncoder hc = provider.newEncoder(ProviderConfig.of(provider, Map.of("level", "12")));
        byte[] page = text();
        int fast = encoder.encode(0, MemorySegment.ofArray(page), ByteBuffer.allocate(PAGE));
        int high = hc.encode(0, MemorySegment.ofArray(page), ByteBuffer.allocate(PAGE));
        assertTrue(high <= fast, "HC " + high + " vs fast " + fast);
    }

    @Test
    void levelOutsideRangeIsAConfigError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider.newEncoder(ProviderConfig.of(provider, Map.of("level", "18"))));
        assertTrue(e.getMessage().contains("'level' = 18"), e.getMessage());
        assertThrows(ConfigException.class, () -> provider.newEncoder(ProviderConfig.of(provider, Map.of("level", "-1"))));
    }
}
