package dev.tern.kernel.ram;

import dev.tern.kernel.memory.DirtyPages;

/** A mutable set of page frame numbers: the pages a round still has to send. */
public final class PageSet {

    private final long[] words;
    private final long pageCount;

    public PageSet(long pageCount) {
        this.pageCount = pageCount;
        this.words = new long[(int) ((pageCount + 63) >>> 6)];
    }

    /** The pages of {@code dirty}. */
    public static PageSet of(DirtyPages dirty) {
        PageSet s = new PageSet(dirty.pageCount());
        s.addAll(dirty);
        return s;
    }

    /** Adds pages {@code from} (inclusive) to {@code to} (exclusive), clipped to this set's range. */
    public void addRange(long from, long to) {
        for (long p = Math.max(0, from); p < Math.min(to, pageCount); ) {
            int bit = (int) (p & 63);
            long n = Math.min(64 - bit, Math.min(to, pageCount) - p);
            long mask = n == 64 ? -1L : ((1L << n) - 1) << bit;
            words[(int) (p >>> 6)] |= mask;
            p += n;
        }
    }

    /**
     * The pages of this set that fall to multifd channel {@code index} of {@code count}: those of
     * every 64-page block (one word of the set) whose block number modulo {@code count} is
     * {@code index}. A page therefore always travels on the same channel, so each channel's codec
     * sessions (an XBZRLE cache, LZ4) stay consistent with its receiver's.
     */
    public PageSet share(int index, int count) {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("channel " + index + " of " + count);
        }
        PageSet s = new PageSet(pageCount);
        for (int i = index; i < words.length; i += count) {
            s.words[i] = words[i];
        }
        return s;
    }

    /** How many pages the set ranges over (in it or not). */
    public long pageCount() {
        return pageCount;
    }

    /** Adds every page of {@code dirty} (pages beyond this set's range are ignored). */
    public void addAll(DirtyPages dirty) {
        dirty.forEach(pfn -> {
            if (pfn < pageCount) {
                words[(int) (pfn >>> 6)] |= 1L << pfn;
            }
        });
    }

    /** Adds every page of {@code other} (pages beyond this set's range are ignored). */
    public void addAll(PageSet other) {
        for (int i = 0; i < Math.min(words.length, other.words.length); i++) {
            words[i] |= other.words[i];
        }
        int tail = (int) (pageCount & 63);
        if (tail != 0 && words.length > 0) {
            words[words.length - 1] &= (1L << tail) - 1; // the bits past the last page stay clear
        }
    }

    /** Keeps only the pages that are also in {@code other}. */
    public void retainAll(DirtyPages other) {
        for (int i = 0; i < words.length; i++) {
            words[i] &= other.word(i);
        }
    }

    /** Empties the set. */
    public void clear() {
        java.util.Arrays.fill(words, 0L);
    }

    /** How many pages are in the set. */
    public long count() {
        long c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        return c;
    }

    /**
     * How many pages from {@code pfn} on are in the set without a gap, at most {@code max}
     * ({@code pfn} itself must be in the set).
     */
    public long runFrom(long pfn, long max) {
        long n = 0;
        long p = pfn;
        while (n < max && p < pageCount) {
            int bit = (int) (p & 63);
            long ones = Long.numberOfTrailingZeros(~(words[(int) (p >>> 6)] >>> bit));
            long take = Math.min(Math.min(ones, 64 - bit), max - n);
            n += take;
            p += take;
            if (ones < 64 - bit) {
                break;
            }
        }
        return Math.min(n, pageCount - pfn);
    }

    /** The lowest page at or above {@code from}, or -1 when there is none. */
    public long next(long from) {
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
