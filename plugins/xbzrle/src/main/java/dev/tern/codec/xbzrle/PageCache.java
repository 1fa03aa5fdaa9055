package dev.tern.codec.xbzrle;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The sender's copy of recently sent pages, against which XBZRLE deltas are computed, with the
 * semantics of QEMU's {@code migration/page_cache.c}.
 *
 * <ul>
 *   <li>Direct mapped: slot = {@code (address / pageSize) & (slots - 1)}, one page per slot, no
 *       chaining, so two pages a multiple of {@code slots} pages apart compete for one slot.</li>
 *   <li>The slot count is a power of two: a size that is not a power-of-two number of pages is
 *       rounded down, as the original XBZRLE series did ({@code pow2floor}); a size below one page is
 *       refused. (Current QEMU refuses non-power-of-two sizes instead of rounding.)</li>
 *   <li>Ages are generations (QEMU uses the dirty-bitmap sync count). A hit refreshes the slot's age.
 *       Inserting over a <em>different</em> page succeeds only if that page is at least
 *       {@value #LIFETIME} generations old ({@code age + 2 <= now}); otherwise the fresh page stays
 *       and the insert is refused, which keeps a hot page from being evicted by a stream of cold
 *       ones.</li>
 *   <li>Page buffers are allocated on first use of a slot, so a large configured cache costs memory
 *       only as it fills.</li>
 *   <li>{@link #resize} keeps what fits, as the original {@code cache_resize}: entries are rehashed
 *       into the new slots and on a collision the most recently used entry (higher age) wins.
 *       (Current QEMU drops the whole cache on resize.)</li>
 * </ul>
 * Not thread-safe; one cache per encoding session.
 */
public final class PageCache {

    /** Generations a cached page is protected from replacement by another page. */
    public static final int LIFETIME = 2;

    private static final long EMPTY = -1;
    private static final int MAX_SLOTS = 1 << 30;

    private final int pageSize;
    private long[] addresses;
    private long[] ages;
    private byte[][] pages;
    private int occupied;
    private long hits;
    private long misses;

    /**
     * Creates an empty cache of {@code sizeBytes} rounded down to a power-of-two number of pages.
     *
     * @throws IllegalArgumentException if the size is below one page or the page size is not a
     *         positive power of two
     */
    public PageCache(long sizeBytes, int pageSize) {
        if (pageSize <= 0 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size " + pageSize + " is not a positive power of two");
        }
        this.pageSize = pageSize;
        allocate(slotsFor(sizeBytes, pageSize));
    }

    /** The number of slots a cache of {@code sizeBytes} gets: pages rounded down to a power of two. */
    public static int slotsFor(long sizeBytes, int pageSize) {
        if (sizeBytes < pageSize) {
            throw new IllegalArgumentException("cache size " + sizeBytes + " is smaller than one " + pageSize + "-byte page");
        }
        long pagesFit = sizeBytes / pageSize;
        return (int) Math.min(Long.highestOneBit(pagesFit), MAX_SLOTS);
    }

    private void allocate(int slots) {
        addresses = new long[slots];
        Arrays.fill(addresses, EMPTY);
        ages = new long[slots];
        pages = new byte[slots][];
        occupied = 0;
    }

    private int slotOf(long address) {
        return (int) ((address / pageSize) & (addresses.length - 1));
    }

    /** Whether {@code address} is cached; a hit refreshes its age to {@code generation}. Counts hits and misses. */
    public boolean isCached(long address, long generation) {
        int slot = slotOf(address);
        if (addresses[slot] == address) {
            ages[slot] = generation;
            hits++;
            return true;
        }
        misses++;
        return false;
    }

    /**
     * Stores a copy of {@code page} for {@code address} at age {@code generation}.
     *
     * @return false when the slot holds another page younger than {@value #LIFETIME} generations,
     *         which is kept
     */
    public boolean insert(long address, MemorySegment page, long generation) {
        checkPage(page.byteSize());
        int slot = slotOf(address);
        if (!claim(slot, address, generation)) {
            return false;
        }
        MemorySegment.copy(page, ValueLayout.JAVA_BYTE, 0, pages[slot], 0, pageSize);
        return true;
    }

    /** As {@link #insert(long, MemorySegment, long)} from an array. */
    public boolean insert(long address, byte[] page, long generation) {
        checkPage(page.length);
        int slot = slotOf(address);
        if (!claim(slot, address, generation)) {
            return false;
        }
        System.arraycopy(page, 0, pages[slot], 0, pageSize);
        return true;
    }

    private boolean claim(int slot, long address, long generation) {
        if (address < 0) {
            throw new IllegalArgumentException("cache address " + address + " is negative");
        }
        if (pages[slot] != null && addresses[slot] != address && ages[slot] + LIFETIME > generation) {
            return false;
        }
        if (pages[slot] == null) {
            pages[slot] = new byte[pageSize];
            occupied++;
        }
        addresses[slot] = address;
        ages[slot] = generation;
        return true;
    }

    private void checkPage(long length) {
        if (length != pageSize) {
            throw new IllegalArgumentException("page of " + length + " bytes given to a cache of " + pageSize + "-byte pages");
        }
    }

    /**
     * The cached copy of {@code address}, live (the caller updates it in place after sending a new
     * version), or {@code null} when the page is not cached. Does not count as a lookup.
     */
    public byte[] cached(long address) {
        int slot = slotOf(address);
        return addresses[slot] == address ? pages[slot] : null;
    }

    /** Changes the size, keeping what fits; on collision the entry with the higher age wins. */
    public void resize(long newSizeBytes) {
        int newSlots = slotsFor(newSizeBytes, pageSize);
        if (newSlots == addresses.length) {
            return;
        }
        long[] oldAddresses = addresses;
        long[] oldAges = ages;
        byte[][] oldPages = pages;
        allocate(newSlots);
        for (int i = 0; i < oldAddresses.length; i++) {
            if (oldAddresses[i] == EMPTY) {
                continue;
            }
            int slot = slotOf(oldAddresses[i]);
            if (pages[slot] != null && ages[slot] >= oldAges[i]) {
                continue;
            }
            if (pages[slot] == null) {
                occupied++;
            }
            addresses[slot] = oldAddresses[i];
            ages[slot] = oldAges[i];
            pages[slot] = oldPages[i];
        }
    }

    /** The effective size in bytes: slots times page size. */
    public long sizeBytes() {
        return (long) addresses.length * pageSize;
    }

    /** The number of slots (a power of two). */
    public int slots() {
        return addresses.length;
    }

    /** The number of slots holding a page. */
    public int occupied() {
        return occupied;
    }

    /** Lookups that found the page. */
    public long hits() {
        return hits;
    }

    /** Lookups that did not. */
    public long misses() {
        return misses;
    }
}
