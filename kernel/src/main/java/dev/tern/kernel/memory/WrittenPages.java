package dev.tern.kernel.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The pages written at all since the RAM was allocated (all zeros then): a page outside this set
 * still holds only zeros, so a RAM stream's first pass counts it as zero without reading it. Fed by
 * every mark that reaches the {@link DirtyLog}, logging enabled or not — the contract live migration
 * already rests on: every write to RAM is marked — and by the receivers that write RAM directly
 * ({@link DirtyLog#noteWritten}).
 *
 * <p>Bits are never cleared, so a bit seen set stays set: a plain read may skip the atomic OR (which
 * a harvested bitmap cannot, see {@link PageBits#set}). A reader that must see every write made
 * before a point takes its {@link #snapshot} after an all-vCPU rendezvous, as a sync does.
 */
final class WrittenPages {

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(long[].class);

    private final long[] words;
    private final long pageCount;

    WrittenPages(long pageCount) {
        this.pageCount = pageCount;
        this.words = new long[PageBits.wordsFor(pageCount)];
    }

    void set(long pfn) {
        int i = (int) (pfn >>> 6);
        long bit = 1L << pfn;
        if (((long) WORD.getOpaque(words, i) & bit) == 0) {
            WORD.getAndBitwiseOr(words, i, bit);
        }
    }

    void setAll() {
        for (int i = 0; i < words.length; i++) {
            long pagesHere = pageCount - ((long) i << 6);
            WORD.getAndBitwiseOr(words, i, pagesHere >= 64 ? -1L : (1L << pagesHere) - 1);
        }
    }

    /** The pages written so far. */
    DirtyPages snapshot() {
        long[] copy = new long[words.length];
        for (int i = 0; i < words.length; i++) {
            copy[i] = (long) WORD.getVolatile(words, i);
        }
        return new DirtyPages(copy, pageCount);
    }
}
