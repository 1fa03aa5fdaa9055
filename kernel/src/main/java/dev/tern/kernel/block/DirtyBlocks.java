package dev.tern.kernel.block;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One bit per block of a disk image, set by the guest's writes (any thread) and claimed by a
 * migration (one thread), as the RAM's dirty log. A claim clears each word atomically before the
 * blocks it names are read, and a write sets its bits after its bytes reach the image, so a write
 * racing a copy always leaves its block dirty for the next claim.
 */
public final class DirtyBlocks {

    /** Bytes per block: a block migration copies whole blocks (the last may be shorter). */
    public static final int BLOCK_BYTES = 64 << 10;

    private final long sizeBytes;
    private final long blocks;
    private final AtomicLongArray words;

    public DirtyBlocks(long sizeBytes) {
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("disk size must be >= 0, was " + sizeBytes);
        }
        this.sizeBytes = sizeBytes;
        this.blocks = blockCount(sizeBytes);
        long nWords = (blocks + 63) / 64;
        if (nWords > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("disk of " + sizeBytes + " bytes has too many blocks to track");
        }
        this.words = new AtomicLongArray((int) nWords);
    }

    /** How many blocks a disk of {@code sizeBytes} has. */
    public static long blockCount(long sizeBytes) {
        return (sizeBytes + BLOCK_BYTES - 1) / BLOCK_BYTES;
    }

    public long sizeBytes() {
        return sizeBytes;
    }

    public long blocks() {
        return blocks;
    }

    /** Bytes of block {@code block}: {@link #BLOCK_BYTES}, except for a shorter last block. */
    public int blockBytes(long block) {
        return (int) Math.min(BLOCK_BYTES, sizeBytes - block * BLOCK_BYTES);
    }

    /** Marks the blocks that bytes {@code offset .. offset+length} touch; out-of-range bytes are ignored. */
    public void mark(long offset, long length) {
        if (length <= 0 || offset >= sizeBytes || offset < 0) {
            return;
        }
        long first = offset / BLOCK_BYTES;
        long last = Math.min(blocks - 1, (offset + length - 1) / BLOCK_BYTES);
        for (long b = first; b <= last; b++) {
            set(b);
        }
    }

    /** Marks every block (a bulk pass). */
    public void markAll() {
        for (long b = 0; b < blocks; b++) {
            set(b);
        }
    }

    private void set(long block) {
        int w = (int) (block >>> 6);
        long bit = 1L << (block & 63);
        long old;
        do {
            old = words.get(w);
            if ((old & bit) != 0) {
                return;
            }
        } while (!words.compareAndSet(w, old, old | bit));
    }

    /** Takes every marked block out of the bitmap into {@code into} (OR-ed in; as long as the bitmap's words). */
    public void claimInto(long[] into) {
        for (int i = 0; i < words.length(); i++) {
            if (words.get(i) != 0) {
                into[i] |= words.getAndSet(i, 0);
            }
        }
    }

    /** A copy of the words, leaving them as they are (saved state). */
    public long[] copy() {
        long[] c = new long[words.length()];
        for (int i = 0; i < c.length; i++) {
            c[i] = words.get(i);
        }
        return c;
    }

    /** Sets the words to {@code bits} (a restored state); a bit past the last block is refused. */
    public void restore(long[] bits) {
        if (bits.length != words.length()) {
            throw new IllegalArgumentException("the bitmap has " + bits.length + " words, this disk needs " + words.length());
        }
        int tail = (int) (blocks & 63);
        if (tail != 0 && bits.length > 0 && (bits[bits.length - 1] >>> tail) != 0) {
            throw new IllegalArgumentException("the bitmap marks blocks past the last block " + (blocks - 1));
        }
        for (int i = 0; i < bits.length; i++) {
            words.set(i, bits[i]);
        }
    }

    /** Marked blocks now. */
    public long count() {
        long n = 0;
        for (int i = 0; i < words.length(); i++) {
            n += Long.bitCount(words.get(i));
        }
        return n;
    }

    /** How many words {@link #claimInto} fills. */
    public int words() {
        return words.length();
    }
}
