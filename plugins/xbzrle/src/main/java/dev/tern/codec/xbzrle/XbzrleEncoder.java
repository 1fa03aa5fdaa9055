package dev.tern.codec.xbzrle;

import dev.tern.spi.codec.PageEncoder;
import dev.tern.spi.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One sender's XBZRLE session, following QEMU's {@code save_xbzrle_page}.
 *
 * <p>Per page: a cache miss inserts the page (unless a fresh page holds the slot) and returns -1;
 * a hit snapshots the page, encodes the snapshot against the cached copy, and, unless the page was
 * unchanged, stores the snapshot as the new cached copy even on overflow, because the caller then
 * sends the page raw and the destination will hold exactly that. An unchanged page returns 0 and
 * writes nothing: the destination's copy is current, and QEMU sends nothing for it (it still counts
 * in {@code pages}). A delta as long as the page, which QEMU would send, is reported as overflow
 * here: a raw page is three bytes cheaper on the wire and the SPI asks for -1.
 *
 * <p>When encode returns -1 the destination must receive exactly the bytes the cache now holds.
 * A caller whose guest may write the page concurrently should send {@link #rawPage()} rather than
 * re-reading guest memory, as QEMU sends from its cache.
 *
 * <p>Generations: QEMU ages cache entries by dirty-bitmap sync count, which the SPI does not carry.
 * Callers that know it call {@link #dirtySync()}; until the first such call, a new generation is
 * assumed whenever a page address is not above the previous one, since each migration pass walks
 * the dirty bitmap in ascending order.
 *
 * <p>Stats use the keys of QEMU's {@code info migrate} xbzrle block. {@code bytes} counts as QEMU
 * does: delta plus the 3 bytes of XBZRLE page framing (flag and 16-bit length) per sent delta, a
 * full page per overflow. The two rates are cumulative over the session and, because the map holds
 * longs, in hundredths (QEMU prints both with two decimals): {@code cache-miss-rate} = misses per
 * page offered, {@code encoding-rate} = page bytes of cache hits per byte accounted
 * ({@link Long#MAX_VALUE} when hits cost nothing, as QEMU's {@code UINT64_MAX}).
 *
 * <p>One thread encodes, but a monitor may resize the cache or read stats meanwhile, as QEMU's
 * {@code migrate_set_cache_size} and {@code info migrate} do under its cache lock: the public
 * methods are synchronized (an uncontended lock per page is noise next to a page copy).
 */
public final class XbzrleEncoder implements PageEncoder {

    private static final int PAGE = GuestMemory.PAGE_SIZE;
    private static final int FRAMING = 3;

    private final PageCache cache;
    private final byte[] current = new byte[PAGE];
    private final byte[] encoded = new byte[PAGE];
    private long generation;
    private long lastAddress = -1;
    private boolean explicitSync;
    private boolean lastStage;
    private long lastRawAddress = -1;
    private long bytes;
    private long pages;
    private long cacheMisses;
    private long overflows;

    /** A session with an empty cache of {@code cacheSizeBytes} (rounded down to a power-of-two page count). */
    public XbzrleEncoder(long cacheSizeBytes) {
        this.cache = new PageCache(cacheSizeBytes, PAGE);
    }

    @Override
    public synchronized int encode(long gpa, MemorySegment page, ByteBuffer out) {
        check(gpa, page, out);
        advanceGeneration(gpa);
        lastRawAddress = -1;
        if (!cache.isCached(gpa, generation)) {
            cacheMisses++;
            if (!lastStage && cache.insert(gpa, page, generation)) {
                lastRawAddress = gpa;
            }
            return -1;
        }
        pages++;
        MemorySegment cached = cache.live(gpa);
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, current, 0, PAGE);
        int length = XbzrleEncoding.encode(cached, current, PAGE, encoded, PAGE);
        if (length == 0) {
            return 0;
        }
        if (!lastStage) {
            MemorySegment.copy(current, 0, cached, ValueLayout.JAVA_BYTE, 0, PAGE);
        }
        if (length == XbzrleEncoding.OVERFLOW || length >= PAGE) {
            overflows++;
            bytes += PAGE;
            lastRawAddress = lastStage ? -1 : gpa;
            return -1;
        }
        out.put(encoded, 0, length);
        bytes += length + FRAMING;
        return length;
    }

    private static void check(long gpa, MemorySegment page, ByteBuffer out) {
        if (gpa < 0 || (gpa & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("guest address 0x" + Long.toHexString(gpa) + " is not a page address");
        }
        if (page.byteSize() != PAGE) {
            throw new IllegalArgumentException("page at 0x" + Long.toHexString(gpa) + " is " + page.byteSize()
                    + " bytes, expected " + PAGE);
        }
        if (out.remaining() < PAGE) {
            throw new IllegalArgumentException("output buffer has " + out.remaining() + " bytes free, needs "
                    + PAGE + " (one page) to encode 0x" + Long.toHexString(gpa));
        }
    }

    private void advanceGeneration(long gpa) {
        if (!explicitSync) {
            // One more generation when the addresses start over (a new round), without a branch:
            // it happens once a round, so the profile calls such a branch never taken, and its
            // first taking, in the switch-over pause, sent the whole compiled encoder back to the
            // interpreter there (172 ms for the rewriter's 16384 deltas instead of ~25).
            generation += 1 - ((lastAddress - gpa) >>> 63);
        }
        lastAddress = gpa;
    }

    /** Starts a new generation: call at each dirty-bitmap sync, as QEMU's sync count advances. */
    public synchronized void dirtySync() {
        explicitSync = true;
        generation++;
    }

    /**
     * Enters the final, stop-and-copy pass: as QEMU's last stage, the cache is no longer filled or
     * updated, since it will never be used again and the stopped guest cannot change a page between
     * encoding and sending it ({@link #rawPage()} is then empty: send the page itself).
     */
    public synchronized void lastStage() {
        lastStage = true;
    }

    /** The current generation. */
    public synchronized long generation() {
        return generation;
    }

    /**
     * What to send raw after the last {@link #encode} returned -1: a read-only view of the copy the
     * cache now holds for that page, or empty when the cache does not track it (a miss refused by a
     * fresh slot), in which case any current copy of the page may be sent.
     */
    public synchronized Optional<MemorySegment> rawPage() {
        if (lastRawAddress < 0) {
            return Optional.empty();
        }
        MemorySegment copy = cache.live(lastRawAddress);
        return copy == null ? Optional.empty() : Optional.of(copy.asReadOnly());
    }

    /** Resizes the cache at run time, keeping what fits (QEMU's {@code migrate_set_cache_size}). */
    public synchronized void resizeCache(long sizeBytes) {
        cache.resize(sizeBytes);
    }

    /** Empties the page cache, so its off-heap pages are freed once nothing holds them. */
    @Override
    public synchronized void close() {
        cache.close();
    }

    /** The page cache, for inspection from the encoding thread only. */
    public PageCache cache() {
        return cache;
    }

    @Override
    public synchronized Map<String, Long> stats() {
        Map<String, Long> stats = new LinkedHashMap<>();
        stats.put("cache-size", cache.sizeBytes());
        stats.put("bytes", bytes);
        stats.put("pages", pages);
        stats.put("cache-miss", cacheMisses);
        stats.put("cache-miss-rate", hundredths(cacheMisses, pages + cacheMisses));
        stats.put("encoding-rate", encodingRate());
        stats.put("overflow", overflows);
        return stats;
    }

    private long encodingRate() {
        if (pages == 0) {
            return 0;
        }
        return bytes == 0 ? Long.MAX_VALUE : hundredths(pages * PAGE, bytes);
    }

    private static long hundredths(long numerator, long denominator) {
        return denominator == 0 ? 0 : (long) (numerator * 100.0 / denominator);
    }
}
