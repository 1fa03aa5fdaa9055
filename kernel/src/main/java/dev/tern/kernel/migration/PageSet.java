package dev.tern.kernel.migration;

import dev.tern.kernel.memory.DirtyPages;

/** A mutable set of page frame numbers: the pages a round still has to send. */
final class PageSet {

    private final long[] words;
    private final long pageCount;

    PageSet(long pageCount) {
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) >>> 6)];
    }

    /** The pages of {@code dirty}. */
    static PageSet of(DirtyPages dirty) {
        PageSet s = new PageSet(dirty.pageCount());
        s.addAll(dirty);
        return s;
    }

    /** Adds every page of {@code dirty} (pages beyond this set's range are ignored). */
    void addAll(DirtyPages dirty) {
        dirty.forEach(pfn -> {
            if (pfn < pageCount) {
                words[(int) (pfn >>> 6)] |= 1L << pfn;
            }
        });
    }

    /** Adds every page of {@code other}, which must cover the same range. */
    void addAll(PageSet other) {
        for (int i = 0; i < words.length; i++) {
            words[i] |= other.words[i];
        }
    }

    /** Empties the set. */
    void clear() {
        java.util.Arrays.fill(words, 0L);
    }

    /** How many pages are in the set. */
    long count() {
        long c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /** The lowest page at or above {@code from}, or -1 when there is none. */
    long next(long from) {
        if (from >= pageCount) {
            return -1;
        }
        int i = (int) (from >>> 6);
        long w = words[i] & (-1L << from);
        while (true) {
            if (w != 0) {
                return ((long) i << 6) + Long.numberOfTrailingZeros(w);
            }
            if (++i >= words.length) {
                return -1;
            }
            w = words[i];
        }
    }
}
