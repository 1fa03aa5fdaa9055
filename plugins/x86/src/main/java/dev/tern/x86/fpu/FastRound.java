package dev.tern.x86.fpu;

/**
 * Rounding of a 128-bit significand held in two longs, the fast path used when the exponent
 * is safely inside the destination's normal range (no underflow or overflow possible before
 * the carry check). Callers fall back to the exact {@link RealFormat#round} otherwise.
 */
final class FastRound {

    private FastRound() {
    }

    /**
     * Rounds hi:lo (bit 63 of hi set) to {@code precision} bits. Returns the result left-aligned
     * (integer bit at bit 63), or 0 when rounding carried into the next power of two.
     */
    static long round(boolean negative, long hi, long lo, int precision, Rounding rc) {
        int shift = 64 - precision;
        long kept;
        boolean half;
        boolean sticky;
        if (shift == 0) {
            kept = hi;
            half = lo < 0;
            sticky = (lo << 1) != 0;
        } else {
            kept = hi >>> shift;
            half = (hi >>> (shift - 1) & 1) != 0;
            sticky = (hi & ((1L << (shift - 1)) - 1)) != 0 || lo != 0;
        }
        if (rc.increments(negative, (kept & 1) != 0, half, sticky)) {
            kept++;
            if (shift == 0 ? kept == 0 : kept == 1L << precision) {
                return 0;
            }
        }
        return kept << shift;
    }

    /** Whether bits below {@code precision} are non-zero. */
    static boolean inexact(long hi, long lo, int precision) {
        return precision == 64 ? lo != 0 : (hi << precision) != 0 || lo != 0;
    }

    /** hi with the bits below {@code precision} cleared: the truncated result. */
    static long truncated(long hi, int precision) {
        return precision == 64 ? hi : hi & -(1L << (64 - precision));
    }
}
