package dev.tern.codec.xbzrle;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Run boundaries a SIMD register at a time (64 bytes with AVX-512, 32 with AVX2): one compare gives
 * a lane mask of equal bytes, and the run ends at the mask's first flip. A run that starts in the
 * page's last partial block is finished with one overlapping load that ends at the page end, so no
 * byte loop runs on pages of at least one vector.
 *
 * <p>This class links against the incubating {@code jdk.incubator.vector} module; {@link RunScan}
 * loads it only reflectively and only when that module is in the boot layer.
 */
final class VectorRunScan implements RunScan {

    private static final VectorSpecies<Byte> SPECIES =
            ByteVector.SPECIES_PREFERRED.length() >= 64 ? ByteVector.SPECIES_512 : ByteVector.SPECIES_256;
    private static final int WIDTH = SPECIES.length();
    private static final long LANES = WIDTH == Long.SIZE ? -1L : (1L << WIDTH) - 1;

    private VectorRunScan() {
    }

    /** The scan, or null when the CPU's preferred vectors are narrower than 256 bits (the JDK would emulate them). */
    static RunScan create() {
        return ByteVector.SPECIES_PREFERRED.length() >= 32 ? new VectorRunScan() : null;
    }

    @Override
    public int equalRunEnd(byte[] old, byte[] cur, int from, int length) {
        return runEnd(old, cur, from, length, true);
    }

    @Override
    public int changedRunEnd(byte[] old, byte[] cur, int from, int length) {
        return runEnd(old, cur, from, length, false);
    }

    private static int runEnd(byte[] old, byte[] cur, int from, int length, boolean equalRun) {
        int i = from;
        while (i + WIDTH <= length) {
            long stops = stops(old, cur, i, equalRun);
            if (stops != 0) {
                return i + Long.numberOfTrailingZeros(stops);
            }
            i += WIDTH;
        }
        if (i >= length) {
            return length;
        }
        if (length < WIDTH) {
            return equalRun ? ScalarRunScan.INSTANCE.equalRunEnd(old, cur, i, length)
                    : ScalarRunScan.INSTANCE.changedRunEnd(old, cur, i, length);
        }
        int base = length - WIDTH;
        long stops = stops(old, cur, base, equalRun) >>> (i - base);
        return stops == 0 ? length : i + Long.numberOfTrailingZeros(stops);
    }

    /** One bit per lane at {@code at} where the run kind changes: a differing byte in an equal run, or vice versa. */
    private static long stops(byte[] old, byte[] cur, int at, boolean equalRun) {
        long equal = ByteVector.fromArray(SPECIES, old, at).eq(ByteVector.fromArray(SPECIES, cur, at)).toLong();
        return equalRun ? ~equal & LANES : equal;
    }

    @Override
    public String toString() {
        return "vector (" + SPECIES.vectorBitSize() + "-bit)";
    }
}
