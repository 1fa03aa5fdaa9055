package dev.tern.kernel.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One bit per guest page, set concurrently by the threads that write guest memory and taken by a
 * harvester word by word atomically: the bitmap under {@link DirtyLog} and each {@link DirtyTracker}.
 */
final class PageBits {

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
    private final long pageCount;

    PageBits(long pageCount) {
        this.pageCount = pageCount;
        this.words = new long[wordsFor(pageCount)];
    }

    /** The longs a bitmap of {@code pages} bits takes. */
    static int wordsFor(long pages) {
        long n = (pages + 63) >>> 6;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many pages for a dirty log: " + pages);
        }
        return (int) n;
    }

    void set(long pfn) {
        // Always the atomic (fenced) OR, even if the bit looks set already: skipping on a plain read
        // could let the page's data store be reordered after a concurrent harvest that already
        // took this bit, and the harvester would copy stale contents with no later mark to fix it.
        WORD.getAndBitwiseOr(words, (int) (pfn >>> 6), 1L << pfn);
    }

    /** Sets the bit of every page. */
    void setAll() {
        for (int i = 0; i < words.length; i++) {
            long pagesHere = pageCount - ((long) i << 6);
            WORD.getAndBitwiseOr(words, i, pagesHere >= 64 ? -1L : (1L << pagesHere) - 1);
        }
    }

    /** Takes the set bits and clears them; a bit set meanwhile lands in this take or the next, never lost. */
    DirtyPages take() {
        long[] taken = new long[words.length];
        for (int i = 0; i < words.length; i++) {
            // The plain volatile read skips the costly swap for the (usually many) clean words; a
            // mark arriving after it simply waits for the next take.
            if ((long) WORD.getVolatile(words, i) != 0) {
                taken[i] = (long) WORD.getAndSet(words, i, 0L);
            }
        }
        return new DirtyPages(taken, pageCount);
    }

    void clear() {
        for (int i = 0; i < words.length; i++) {
            WORD.setVolatile(words, i, 0L);
        }
    }
}
