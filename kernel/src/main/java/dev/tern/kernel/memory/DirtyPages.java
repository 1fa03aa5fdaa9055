package dev.tern.kernel.memory;

import java.util.function.LongConsumer;

/**
 * An immutable snapshot of dirty page bits taken by {@link DirtyLog#syncAndClear()}. Pages are
 * numbered by page frame number ({@code gpa >>> 12}).
 */
public final class DirtyPages {

    private final long[] words;
    private final long pageCount;
    private final long count;

    DirtyPages(long[] words, long pageCount) {
        this.words = words;
        this.pageCount = pageCount;
        long c = 0;
        for (long w : words) {
            c += Long.bitCount(w);
        }
        this.count = c;
    }

    /** A snapshot with no dirty page over {@code pageCount} pages. */
    public static DirtyPages none(long pageCount) {
        return new DirtyPages(new long[PageBits.wordsFor(pageCount)], pageCount);
    }

    /** How many pages are dirty. */
    public long count() {
        return count;
    }

    /** How many pages the snapshot covers (dirty or not). */
    public long pageCount() {
        return pageCount;
    }

    /** Whether page {@code pfn} is dirty; pages outside the covered range are not. */
    public boolean isDirty(long pfn) {
        if (pfn < 0 || pfn >= pageCount) {
            return false;
        }
        return (words[(int) (pfn >>> 6)] & (1L << pfn)) != 0;
    }

    /** The bits of pages {@code 64 * index} to {@code 64 * index + 63} (bit 0 the first); 0 past the end. */
    public long word(int index) {
        return index >= 0 && index < words.length ? words[index] : 0;
    }

    /** Calls {@code action} with every dirty page frame number, in ascending order. */
    public void forEach(LongConsumer action) {
        for (int i = 0; i < words.length; i++) {
            long w = words[i];
            while (w != 0) {
                int bit = Long.numberOfTrailingZeros(w);
                action.accept(((long) i << 6) + bit);
                w &= w - 1;
            }
        }
    }

    @Override
    public String toString() {
        return "DirtyPages[" + count + " of " + pageCount + "]";
    }
}
