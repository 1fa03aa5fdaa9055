package dev.tern.codec.lz4;

import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import net.jpountz.lz4.LZ4Compressor;

/**
 * One sender's LZ4 session. Stateless between pages apart from its counters: every page is
 * compressed on its own, so pages can be decoded in any order.
 *
 * <p>Stats: {@code pages} encoded (zero pages included), {@code zero-pages}, {@code incompressible}
 * (returned -1 because the encoding would not be smaller than the page), {@code compressed-size}
 * (bytes written) and {@code compression-rate}, the page bytes of encoded pages per byte written,
 * in hundredths because the map holds longs.
 */
final class Lz4Encoder implements PageEncoder {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[PAGE]);

    private final LZ4Compressor compressor;
    private final byte[] plain = new byte[PAGE];
    private final byte[] compressed;
    private long pages;
    private long zeroPages;
    private long incompressible;
    private long compressedSize;

    Lz4Encoder(LZ4Compressor compressor) {
        this.compressor = compressor;
        this.compressed = new byte[compressor.maxCompressedLength(PAGE)];
    }

    @Override
    public int encode(long gpa, MemorySegment page, ByteBuffer out) {
        check(gpa, page, out);
        if (page.mismatch(ZEROS) == -1) {
            out.put(Lz4PageFormat.ZERO_PAGE);
            pages++;
            zeroPages++;
            compressedSize++;
            return 1;
        }
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, plain, 0, PAGE);
        int n = compressor.compress(plain, 0, PAGE, compressed, 0, compressed.length);
        if (1 + n >= PAGE) {
            incompressible++;
            return -1;
        }
        out.put(Lz4PageFormat.BLOCK);
        out.put(compressed, 0, n);
        pages++;
        compressedSize += 1 + n;
        return 1 + n;
    }

    private static void check(long gpa, MemorySegment page, ByteBuffer out) {
        if (page.byteSize() != PAGE) {
            throw new IllegalArgumentException("page at 0x" + Long.toHexString(gpa) + " is " + page.byteSize()
                    + " bytes, expected " + PAGE);
        }
        if (out.remaining() < PAGE) {
            throw new IllegalArgumentException("output buffer has " + out.remaining() + " bytes free, needs "
                    + PAGE + " (one page) to encode 0x" + Long.toHexString(gpa));
        }
    }

    @Override
    public Map<String, Long> stats() {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("pages", pages);
        stats.put("zero-pages", zeroPages);
        stats.put("incompressible", incompressible);
        stats.put("compressed-size", compressedSize);
        stats.put("compression-rate", compressedSize == 0 ? 0 : (long) (pages * (double) PAGE * 100 / compressedSize));
        return stats;
    }
}
