package dev.tern.codec.xbzrle;

import java.lang.foreign.Arena;
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
 *   <li>Pages live off the Java heap, in slabs of up to {@value #SLAB_BYTES} bytes allocated on
 *       first use of one of their slots, so a large configured cache costs memory only as it
 *       fills. Off the heap, because a cache fills with tens of megabytes of long-lived pages in a
 *       migration's first rounds: as heap arrays every young collection then copied them, a
 *       stop-the-world pause of tens of milliseconds in the middle of the migration (and, when it
 *       fell there, of its downtime).</li>
 *   <li>{@link #resize} keeps what fits, as the original {@code cache_resize}: entries are rehashed
 *       into the new slots and on a collision the most recently used entry (higher age) wins.
 *       (Current QEMU drops the whole cache on resize.)</li>
 * </ul>
 * Not thread-safe; one cache per encoding session. The slabs belong to an automatic arena: a view
 * of a page handed out before a {@link #resize} or {@link #close} (the page a sender is writing to
 * the wire while a monitor resizes the cache) stays valid, and the memory goes when nothing holds
 * it. {@link #close()} empties the cache.
 */
public final class PageCache implements AutoCloseable {

    /** Generations a cached page is protected from replacement by another page. */
    public static final int LIFETIME = 2;

    private static final long EMPTY = -1;
    private static final int MAX_SLOTS = 1 << 30;

    /** The most one slab holds: one allocation per 256 pages of 4 KiB. */
    static final int SLAB_BYTES = 1 << 20;

    private final int pageSize;
    private Arena arena;
    private long[] addresses;
    private long[] ages;
    private MemorySegment[] slabs;
    private int slabSlots;
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
        arena = Arena.ofAuto();
        addresses = new long[slots];
        Arrays.fill(addresses, EMPTY);
        ages = new long[slots];
        slabSlots = Math.max(1, Math.min(slots, SLAB_BYTES / pageSize));
        slabs = new MemorySegment[(slots + slabSlots - 1) / slabSlots];
        occupied = 0;
    }

    /** The storage of {@code slot}, its slab allocated on first use. */
    private MemorySegment page(int slot) {
        int slab = slot / slabSlots;
        if (slabs[slab] == null) {
            slabs[slab] = arena.allocate((long) slabSlots * pageSize, 64);
        }
        return slabs[slab].asSlice((long) (slot % slabSlots) * pageSize, pageSize);
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
        MemorySegment.copy(page, 0, page(slot), 0, pageSize);
        return true;
    }

    /** As {@link #insert(long, MemorySegment, long)} from an array. */
    public boolean insert(long address, byte[] page, long generation) {
        checkPage(page.length);
        int slot = slotOf(address);
        if (!claim(slot, address, generation)) {
            return false;
        }
        MemorySegment.copy(page, 0, page(slot), ValueLayout.JAVA_BYTE, 0, pageSize);
        return true;
    }

    private boolean claim(int slot, long address, long generation) {
        if (address < 0) {
            throw new IllegalArgumentException("cache address " + address + " is negative");
        }
        if (addresses[slot] != EMPTY && addresses[slot] != address && ages[slot] + LIFETIME > generation) {
            return false;
        }
        if (addresses[slot] == EMPTY) {
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
     * version), or {@code null} when the page is not cached. Does not count as a lookup. Valid until
     * the next {@link #resize} or {@link #close} (and readable after them: the page is then no
     * longer the cache's).
     */
    public MemorySegment live(long address) {
        int slot = slotOf(address);
        return addresses[slot] == address ? page(slot) : null;
    }

    /** A copy of the cached page at {@code address}, or {@code null}; for inspection. */
    public byte[] cached(long address) {
        MemorySegment page = live(address);
        return page == null ? null : page.toArray(ValueLayout.JAVA_BYTE);
    }

    /** Changes the size, keeping what fits; on collision the entry with the higher age wins. */
    public void resize(long newSizeBytes) {
        int newSlots = slotsFor(newSizeBytes, pageSize);
        if (newSlots == addresses.length) {
            return;
        }
        long[] oldAddresses = addresses;
        long[] oldAges = ages;
        MemorySegment[] oldSlabs = slabs;
        int oldSlabSlots = slabSlots;
        allocate(newSlots);
        for (int i = 0; i < oldAddresses.length; i++) {
            if (oldAddresses[i] == EMPTY) {
                continue;
            }
            int slot = slotOf(oldAddresses[i]);
            if (addresses[slot] != EMPTY && ages[slot] >= oldAges[i]) {
                continue;
            }
            if (addresses[slot] == EMPTY) {
                occupied++;
            }
            addresses[slot] = oldAddresses[i];
            ages[slot] = oldAges[i];
            MemorySegment.copy(oldSlabs[i / oldSlabSlots], (long) (i % oldSlabSlots) * pageSize, page(slot), 0, pageSize);
        }
    }

    /**
     * Empties the cache and lets go of its pages; the collector frees them once no view handed out
     * ({@link #live}, the encoder's raw page) is still held.
     */
    @Override
    public void close() {
        Arrays.fill(addresses, EMPTY);
        Arrays.fill(slabs, null);
        occupied = 0;
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
