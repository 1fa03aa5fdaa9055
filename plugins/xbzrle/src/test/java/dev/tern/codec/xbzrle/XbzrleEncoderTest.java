package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.spi.ConfigException;
import dev.tern.spi.codec.CodecException;
import dev.tern.spi.codec.PageEncoder;
import dev.tern.testkit.codec.ProviderConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The sender session: QEMU's save_xbzrle_page flow, accounting and cache handling. */
class XbzrleEncoderTest {

    private static final int PAGE = 4096;

    private static MemorySegment page(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }

    @Test
    void missThenUnchangedThenDelta() throws CodecException {
        XbzrleEncoder encoder = new XbzrleEncoder(64L << 20);
        byte[] ram = new byte[PAGE];
        new SplittableRandom(3).nextBytes(ram);
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        assertEquals(-1, encoder.encode(0x7000, page(ram), out), "first sight is a cache miss");
        assertArrayEquals(ram, encoder.rawPage().orElseThrow().toArray(ValueLayout.JAVA_BYTE));
        byte[] receiver = ram.clone();
        assertEquals(0, encoder.encode(0x7000, page(ram), out), "unchanged: nothing to send");
        assertEquals(0, out.position());
        ram[100] ^= 1;
        ram[4000] ^= 2;
        int n = encoder.encode(0x7000, page(ram), out);
        assertEquals(1 + 1 + 1 + 2 + 1 + 1, n); // zrun 100 (1), nz 1, byte; zrun 3899 (2), nz 1, byte
        new XbzrleDecoder().decode(0x7000, out.flip(), page(receiver));
        assertArrayEquals(ram, receiver);
        Map<String, Long> stats = encoder.stats();
        assertEquals(List.of("cache-size", "bytes", "pages", "cache-miss", "cache-miss-rate", "encoding-rate", "overflow"),
                List.copyOf(stats.keySet()));
        assertEquals(64L << 20, stats.get("cache-size"));
        assertEquals(2, stats.get("pages"), "a skipped unchanged page still counts");
        assertEquals(1, stats.get("cache-miss"));
        assertEquals(n + 3, stats.get("bytes"));
        assertEquals(33, stats.get("cache-miss-rate"));
        assertEquals(2 * PAGE * 100 / (n + 3), stats.get("encoding-rate"));
        assertEquals(0, stats.get("overflow"));
    }

    @Test
    void overflowUpdatesTheCacheToWhatIsSentRaw() {
        XbzrleEncoder encoder = new XbzrleEncoder(PAGE);
        byte[] ram = new byte[PAGE];
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        encoder.encode(0, page(ram), out);
        Arrays.fill(ram, (byte) 0x31);
        assertEquals(-1, encoder.encode(0, page(ram), out));
        assertEquals(0, out.position());
        assertArrayEquals(ram, encoder.rawPage().orElseThrow().toArray(ValueLayout.JAVA_BYTE));
        assertEquals(0, encoder.encode(0, page(ram), out), "the cache now holds the raw-sent version");
        Map<String, Long> stats = encoder.stats();
        assertEquals(1, stats.get("overflow"));
        assertEquals(PAGE, stats.get("bytes"), "an overflow costs a full page, as QEMU accounts it");
    }

    @Test
    void aPageSizedDeltaIsReportedAsOverflow() {
        XbzrleEncoder encoder = new XbzrleEncoder(PAGE);
        byte[] ram = new byte[PAGE];
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        encoder.encode(0, page(ram), out);
        Arrays.fill(ram, 3, PAGE, (byte) 0x44); // QEMU would send this 4096-byte delta
        assertEquals(-1, encoder.encode(0, page(ram), out));
        assertEquals(1, encoder.stats().get("overflow"));
    }

    /** The XBZRLE series' load generator: 64 pages, the byte at 1234 + i of page i incremented. */
    @Test
    void loadGeneratorPatternCostsFourBytesAPage() throws CodecException {
        XbzrleEncoder encoder = new XbzrleEncoder(64L << 20);
        byte[][] ram = new byte[64][PAGE];
        byte[][] receiver = new byte[64][PAGE];
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        for (int i = 0; i < 64; i++) {
            assertEquals(-1, encoder.encode((long) i * PAGE, page(ram[i]), out));
        }
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < 64; i++) {
                ram[i][1234 + i]++;
                out.clear();
                int n = encoder.encode((long) i * PAGE, page(ram[i]), out);
                assertEquals(4, n, "page " + i + " pass " + pass);
                new XbzrleDecoder().decode((long) i * PAGE, out.flip(), page(receiver[i]));
                receiver[i][1234 + i] = ram[i][1234 + i]; // receiver's earlier raw copy had the previous value
            }
        }
        Map<String, Long> stats = encoder.stats();
        assertEquals(192, stats.get("pages"));
        assertEquals(64, stats.get("cache-miss"));
        assertEquals(192 * 7, stats.get("bytes"));
        assertEquals(25, stats.get("cache-miss-rate"));
        assertEquals(192L * PAGE * 100 / (192 * 7), stats.get("encoding-rate"));
    }

    @Test
    void generationsAdvanceWithEachAscendingPass() {
        XbzrleEncoder encoder = new XbzrleEncoder(PAGE); // one slot: every page collides
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        encoder.encode(0, page(new byte[PAGE]), out);
        assertEquals(0, encoder.generation());
        assertEquals(-1, encoder.encode(PAGE, page(new byte[PAGE]), out));
        assertTrue(encoder.rawPage().isEmpty(), "a fresh page keeps the slot: nothing cached for this one");
        encoder.encode(0, page(new byte[PAGE]), out); // address went down: a new pass
        assertEquals(1, encoder.generation());
        encoder.encode(PAGE, page(new byte[PAGE]), out); // 0 was refreshed in generation 1
        assertTrue(encoder.rawPage().isEmpty());
        encoder.encode(PAGE, page(new byte[PAGE]), out); // generation 2: 1 + 2 > 2, still protected
        encoder.encode(PAGE, page(new byte[PAGE]), out); // generation 3: replaced
        assertEquals(3, encoder.generation());
        assertTrue(encoder.rawPage().isPresent());
    }

    @Test
    void explicitDirtySyncTurnsTheAddressHeuristicOff() {
        XbzrleEncoder encoder = new XbzrleEncoder(PAGE);
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        encoder.dirtySync();
        encoder.encode(PAGE, page(new byte[PAGE]), out);
        encoder.encode(0, page(new byte[PAGE]), out);
        assertEquals(1, encoder.generation());
    }

    @Test
    void lastStageNeitherFillsNorUpdatesTheCache() {
        XbzrleEncoder encoder = new XbzrleEncoder(64 * PAGE);
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        byte[] ram = new byte[PAGE];
        encoder.encode(0, page(ram), out);
        encoder.lastStage();
        assertEquals(-1, encoder.encode(PAGE, page(ram), out));
        assertTrue(encoder.rawPage().isEmpty());
        assertEquals(null, encoder.cache().cached(PAGE), "a miss in the last stage is not inserted");
        ram[5] = 1;
        assertEquals(3, encoder.encode(0, page(ram), out.clear())); // 05 01 01
        assertEquals(0, encoder.cache().cached(0)[5], "the cached copy stays as it was");
        assertEquals(2, encoder.stats().get("cache-miss"));
    }

    @Test
    void resizingAtRunTimeKeepsCachedPagesAndReportsTheNewSize() {
        XbzrleEncoder encoder = new XbzrleEncoder(64 * PAGE);
        ByteBuffer out = ByteBuffer.allocate(PAGE);
        byte[] ram = new byte[PAGE];
        encoder.encode(0, page(ram), out);
        encoder.resizeCache(3 * PAGE);
        assertEquals(2L * PAGE, encoder.stats().get("cache-size"));
        assertEquals(0, encoder.encode(0, page(ram), out), "the page survived the resize");
    }

    @Test
    void refusesBadArguments() {
        XbzrleEncoder encoder = new XbzrleEncoder(PAGE);
        MemorySegment ok = page(new byte[PAGE]);
        assertThrows(IllegalArgumentException.class, () -> encoder.encode(0x10, ok, ByteBuffer.allocate(PAGE)));
        assertThrows(IllegalArgumentException.class, () -> encoder.encode(0, page(new byte[100]), ByteBuffer.allocate(PAGE)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> encoder.encode(0, ok, ByteBuffer.allocate(PAGE - 1)));
        assertTrue(e.getMessage().contains("4095 bytes free"), e.getMessage());
    }

    @Test
    void providerReadsTheCacheSize() {
        XbzrleCodecProvider provider = new XbzrleCodecProvider();
        try (PageEncoder defaults = provider.newEncoder(ProviderConfig.defaults(provider));
             PageEncoder small = provider.newEncoder(ProviderConfig.of(provider, Map.of("cache-size", "100K")))) {
            assertEquals(64L << 20, defaults.stats().get("cache-size"));
            assertEquals(64L << 10, small.stats().get("cache-size"), "rounded down to 16 pages");
        }
        ConfigException e = assertThrows(ConfigException.class,
                () -> provider.newEncoder(ProviderConfig.of(provider, Map.of("cache-size", "1000"))));
        assertTrue(e.getMessage().contains("cache-size"), e.getMessage());
    }
}
