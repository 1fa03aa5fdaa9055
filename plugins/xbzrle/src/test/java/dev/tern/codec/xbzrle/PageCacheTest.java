package dev.tern.codec.xbzrle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** QEMU's page cache semantics: direct mapping, power-of-two sizing, age-protected replacement, resize. */
class PageCacheTest {

    private static final int PAGE = 4096;

    private static byte[] filled(int value) {
        byte[] page = new byte[PAGE];
        Arrays.fill(page, (byte) value);
        return page;
    }

    @Test
    void sizeRoundsDownToAPowerOfTwoNumberOfPages() {
        assertEquals(16384, PageCache.slotsFor(64L << 20, PAGE));
        assertEquals(4, PageCache.slotsFor(5 * PAGE, PAGE));
        assertEquals(4, PageCache.slotsFor(8 * PAGE - 1, PAGE));
        assertEquals(1, PageCache.slotsFor(PAGE, PAGE));
        assertEquals(16, new PageCache(100 << 10, PAGE).slots());
        assertEquals(65536, new PageCache(100 << 10, PAGE).sizeBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PageCache(PAGE - 1, PAGE));
        assertTrue(e.getMessage().contains("smaller than one"), e.getMessage());
    }

    @Test
    void missInsertHitCountsAndKeepsACopy() {
        PageCache cache = new PageCache(4 * PAGE, PAGE);
        assertFalse(cache.isCached(0x3000, 0));
        byte[] page = filled(9);
        assertTrue(cache.insert(0x3000, page, 0));
        page[0] = 1;
        assertTrue(cache.isCached(0x3000, 0));
        assertArrayEquals(filled(9), cache.cached(0x3000), "the cache holds a copy, not the caller's array");
        assertEquals(1, cache.hits());
        assertEquals(1, cache.misses());
        assertEquals(1, cache.occupied());
        assertNull(cache.cached(0x4000));
    }

    @Test
    void aFreshPageIsNotReplacedByACollidingOne() {
        PageCache cache = new PageCache(4 * PAGE, PAGE);
        long a = 0x1000;
        long b = a + 4L * PAGE; // same slot in a 4-slot cache
        assertTrue(cache.insert(a, filled(1), 10));
        assertFalse(cache.insert(b, filled(2), 10));
        assertFalse(cache.insert(b, filled(2), 11), "age 10 + lifetime 2 > 11: still fresh");
        assertArrayEquals(filled(1), cache.cached(a));
        assertTrue(cache.insert(b, filled(2), 12));
        assertNull(cache.cached(a));
        assertArrayEquals(filled(2), cache.cached(b));
        assertEquals(1, cache.occupied());
    }

    @Test
    void aHitRefreshesTheAge() {
        PageCache cache = new PageCache(PAGE, PAGE);
        assertTrue(cache.insert(0, filled(1), 0));
        assertTrue(cache.isCached(0, 5));
        assertFalse(cache.insert(PAGE, filled(2), 6));
        assertTrue(cache.insert(PAGE, filled(2), 7));
    }

    @Test
    void theSameAddressIsAlwaysRewritten() {
        PageCache cache = new PageCache(PAGE, PAGE);
        assertTrue(cache.insert(0, filled(1), 3));
        assertTrue(cache.insert(0, filled(2), 3));
        assertArrayEquals(filled(2), cache.cached(0));
    }

    @Test
    void shrinkingKeepsTheMostRecentlyUsedOfCollidingPages() {
        PageCache cache = new PageCache(8 * PAGE, PAGE);
        for (int i = 0; i < 8; i++) {
            assertTrue(cache.insert((long) i * PAGE, filled(i), i));
        }
        cache.resize(2 * PAGE + 100);
        assertEquals(2, cache.slots());
        assertEquals(2, cache.occupied());
        // slot 0 held pages 0,2,4,6 (ages 0,2,4,6): 6 wins; slot 1: 7 wins
        assertArrayEquals(filled(6), cache.cached(6L * PAGE));
        assertArrayEquals(filled(7), cache.cached(7L * PAGE));
        assertNull(cache.cached(4L * PAGE));
    }

    @Test
    void growingKeepsEverything() {
        PageCache cache = new PageCache(2 * PAGE, PAGE);
        cache.insert(0, filled(1), 0);
        cache.insert(PAGE, filled(2), 0);
        cache.resize(64 * PAGE);
        assertEquals(64, cache.slots());
        assertEquals(2, cache.occupied());
        assertArrayEquals(filled(1), cache.cached(0));
        assertArrayEquals(filled(2), cache.cached(PAGE));
        assertTrue(cache.insert(2 * PAGE, filled(3), 0), "the new slot for a former collider is free");
        assertThrows(IllegalArgumentException.class, () -> cache.resize(PAGE / 2));
    }

    @Test
    void refusesPagesOfTheWrongSizeAndNegativeAddresses() {
        PageCache cache = new PageCache(PAGE, PAGE);
        assertThrows(IllegalArgumentException.class, () -> cache.insert(0, new byte[100], 0));
        assertThrows(IllegalArgumentException.class, () -> cache.insert(-PAGE, new byte[PAGE], 0));
    }

    @Test
    void pagesInSeveralSlabsKeepTheirOwnBytesThroughAResizeAndCloseEmptiesIt() {
        // a view handed out before a resize stays readable (a sender may be writing it to the wire)
        int slots = 4 * PageCache.SLAB_BYTES / PAGE;
        PageCache cache = new PageCache((long) slots * PAGE, PAGE);
        int[] used = {0, PageCache.SLAB_BYTES / PAGE - 1, PageCache.SLAB_BYTES / PAGE, slots - 1};
        for (int slot : used) {
            assertTrue(cache.insert((long) slot * PAGE, filled(slot & 0x7f), 0));
        }
        assertEquals(used.length, cache.occupied());
        var before = cache.live((long) used[3] * PAGE);
        cache.resize((long) slots * PAGE * 2);
        assertEquals(used[3] & 0x7f, before.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 100), "the old view after a resize");
        for (int slot : used) {
            assertArrayEquals(filled(slot & 0x7f), cache.cached((long) slot * PAGE), "slot " + slot);
        }
        cache.live(0).set(java.lang.foreign.ValueLayout.JAVA_BYTE, 7, (byte) 99);
        assertEquals(99, cache.cached(0)[7], "live() is the cached page itself");
        cache.close();
        assertEquals(0, cache.occupied());
        assertNull(cache.live(0), "a closed cache holds nothing");
    }
}
