package dev.tern.codec.xbzrle;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Runs found from SIMD compares, 64 bytes per block (one AVX-512 compare, or two AVX2 ones): each
 * block's compare yields a 64-bit mask of equal bytes, and every run boundary inside the block is
 * a trailing-zero count on that mask, so each byte is loaded and compared once however many runs
 * the block holds; a stretch of whole unchanged blocks is skipped with the JDK's mismatch intrinsic,
 * which needs no per-block mask. The page's last partial block reuses an overlapping load that ends at the page
 * end, so pages of at least 64 bytes never take a byte loop; shorter ones go to the scalar scan.
 *
 * <p>This class links against the incubating {@code jdk.incubator.vector} module; {@link RunScan}
 * loads it only reflectively and only when that module is in the boot layer.
 */
final class VectorRunScan implements RunScan {

    private static final VectorSpecies<Byte> SPECIES =
            ByteVector.SPECIES_PREFERRED.length() >= 64 ? ByteVector.SPECIES_512 : ByteVector.SPECIES_256;
    private static final int BLOCK = Long.SIZE;

    private VectorRunScan() {
    }

    /** The scan, or null when the CPU's preferred vectors are narrower than 256 bits (the JDK would emulate them). */
    static RunScan create() {
        return ByteVector.SPECIES_PREFERRED.length() >= 32 ? new VectorRunScan() : null;
    }

    @Override
    public int encode(MemorySegment old, byte[] cur, int length, byte[] dst, int dlen) {
        if (length < BLOCK) {
            return ScalarRunScan.INSTANCE.encode(old, cur, length, dst, dlen);
        }
        // The same rounds and the same three overflow checks as the scalar scan (see XbzrleEncoding).
        int d = 0;
        int i = 0;
        int base = 0;
        long equal = blockBits(old, cur, 0, length);
        while (i < length) {
            if (d + 2 > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            int zeroStart = i;
            long differ = ~equal & (-1L << (i - base)); // bits past the page end count as differing
            while (differ == 0) {
                base += BLOCK;
                if (base >= length) {
                    return d; // the page ends unchanged: 0 for an unchanged page, else the last zero run is omitted
                }
                equal = blockBits(old, cur, base, length);
                differ = ~equal;
                if (differ == 0 && base + 2 * BLOCK <= length) {
                    // A long unchanged stretch: the JDK's mismatch intrinsic strides through it
                    // without a mask per block, then the block holding the change is reloaded.
                    long m = MemorySegment.mismatch(old, base + BLOCK, length, MemorySegment.ofArray(cur), base + BLOCK,
                            length);
                    if (m < 0) {
                        return d;
                    }
                    base = (base + BLOCK + (int) m) & -BLOCK;
                    equal = blockBits(old, cur, base, length);
                    differ = ~equal;
                }
            }
            i = base + Long.numberOfTrailingZeros(differ);
            if (i >= length) {
                return d;
            }
            d += ShortUleb128.write(dst, d, i - zeroStart);
            if (d + 2 > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            int changedStart = i;
            long same = equal & (-1L << (i - base)); // bits past the page end are 0: no stop there
            while (same == 0) {
                base += BLOCK;
                if (base >= length) {
                    break;
                }
                equal = blockBits(old, cur, base, length);
                same = equal;
            }
            i = same == 0 ? length : base + Long.numberOfTrailingZeros(same);
            int n = i - changedStart;
            d += ShortUleb128.write(dst, d, n);
            if (d + n > dlen) {
                return XbzrleEncoding.OVERFLOW;
            }
            System.arraycopy(cur, changedStart, dst, d, n);
            d += n;
        }
        return d;
    }

    /** Runs move a vector at a time, the last part with a masked load and store, which never touch bytes past the run. */
    @Override
    public void copyRun(byte[] src, int at, MemorySegment page, long offset, int n) {
        int width = SPECIES.length();
        int k = 0;
        for (; k + width <= n; k += width) {
            ByteVector.fromArray(SPECIES, src, at + k).intoMemorySegment(page, offset + k, ByteOrder.LITTLE_ENDIAN);
        }
        if (k < n) {
            VectorMask<Byte> tail = SPECIES.indexInRange(0, n - k);
            ByteVector.fromArray(SPECIES, src, at + k, tail).intoMemorySegment(page, offset + k, ByteOrder.LITTLE_ENDIAN, tail);
        }
    }

    /**
     * Bit k set when the pages agree at byte {@code base + k}, for the block at {@code base} (a
     * multiple of 64 below {@code length}, which is at least 64); bits past the page end are 0.
     */
    private static long blockBits(MemorySegment old, byte[] cur, int base, int length) {
        if (base + BLOCK <= length) {
            return equalBits(old, cur, base);
        }
        int tail = length - BLOCK;
        return equalBits(old, cur, tail) >>> (base - tail);
    }

    /** Bit k set when the pages agree at byte {@code at + k}, for the 64 bytes at {@code at}. */
    private static long equalBits(MemorySegment old, byte[] cur, int at) {
        if (SPECIES.length() == BLOCK) {
            return load(old, at).eq(ByteVector.fromArray(SPECIES, cur, at)).toLong();
        }
        int half = SPECIES.length();
        long low = load(old, at).eq(ByteVector.fromArray(SPECIES, cur, at)).toLong();
        long high = load(old, at + half).eq(ByteVector.fromArray(SPECIES, cur, at + half)).toLong();
        return low | (high << half);
    }

    private static ByteVector load(MemorySegment page, int at) {
        return ByteVector.fromMemorySegment(SPECIES, page, at, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public String toString() {
        return "vector (" + SPECIES.vectorBitSize() + "-bit compares, 64-byte blocks)";
    }
}
