package dev.tern.kernel.replay;

/**
 * The CRC32C of a concatenation {@code A || B} from the CRCs of its parts, for parts {@code B} of
 * one fixed length — so a 1 MiB chunk's CRC follows from its 256 page CRCs without reading the
 * chunk again.
 *
 * <p>Why it works: CRC32C (reflected, initial value and final XOR all ones) is affine in its
 * input, and with equal initial value and final XOR the two constants cancel:
 * {@code crc(A || B) = Z(crc(A)) ^ crc(B)}, where {@code Z} is the linear map of feeding
 * {@code |B|} zero bytes through the bare CRC register. {@code Z} is a 32×32 bit matrix, applied
 * here as four 256-entry tables (one per byte of the input CRC).
 */
final class Crc32cConcat {

    /** CRC32C's polynomial 0x1EDC6F41, bit-reversed for the reflected register. */
    private static final int POLY = 0x82F63B78;

    private final int[][] tables = new int[4][256];
    private final int length;

    /** An operator for second parts of {@code length} bytes. */
    Crc32cConcat(int length) {
        if (length <= 0) {
            throw new IllegalArgumentException("part length must be positive, was " + length);
        }
        this.length = length;
        int[] column = new int[32];
        for (int bit = 0; bit < 32; bit++) {
            column[bit] = zeros(1 << bit, length);
        }
        for (int t = 0; t < 4; t++) {
            for (int b = 0; b < 256; b++) {
                int v = 0;
                for (int k = 0; k < 8; k++) {
                    if ((b & (1 << k)) != 0) {
                        v ^= column[8 * t + k];
                    }
                }
                tables[t][b] = v;
            }
        }
    }

    /** The length of the second parts this operator joins. */
    int length() {
        return length;
    }

    /** {@code crc(A || B)} from {@code crcA} and {@code crcB}, where {@code B} has {@link #length()} bytes. */
    int concat(int crcA, int crcB) {
        return tables[0][crcA & 0xff] ^ tables[1][(crcA >>> 8) & 0xff] ^ tables[2][(crcA >>> 16) & 0xff]
                ^ tables[3][crcA >>> 24] ^ crcB;
    }

    /** The bare register {@code r} after {@code n} zero bytes, one bit at a time (only at construction). */
    private static int zeros(int r, int n) {
        for (long i = 0; i < 8L * n; i++) {
            r = (r >>> 1) ^ (-(r & 1) & POLY);
        }
        return r;
    }
}
