package dev.tern.x86.fpu;

/**
 * 128-by-64-bit unsigned division with 64-bit operations only (schoolbook division in 32-bit
 * digits with the usual two-step quotient-digit correction), for the division fast path.
 */
final class UnsignedDivision {

    private static final long DIGIT = 1L << 32;
    private static final long MASK = DIGIT - 1;

    private UnsignedDivision() {
    }

    /**
     * floor((u1 * 2^64 + u0) / v) for a normalised divisor (bit 63 set) and u1 < v, so the
     * quotient fits in 64 bits. The remainder is {@code u0 - q * v} (mod 2^64).
     */
    static long divide(long u1, long u0, long v) {
        if (v >= 0 || Long.compareUnsigned(u1, v) >= 0) {
            throw new IllegalArgumentException("divisor not normalised or quotient overflows");
        }
        long vHigh = v >>> 32;
        long vLow = v & MASK;
        long uHigh = u0 >>> 32;
        long uLow = u0 & MASK;
        long q1 = digit(u1, uHigh, vHigh, vLow);
        long partial = u1 * DIGIT + uHigh - q1 * v; // exact: the true value is below v
        long q0 = digit(partial, uLow, vHigh, vLow);
        return q1 << 32 | q0;
    }

    /** One quotient digit of (top * 2^32 + next) / v, corrected to be exact. */
    private static long digit(long top, long next, long vHigh, long vLow) {
        long q = Long.divideUnsigned(top, vHigh);
        long rhat = top - q * vHigh;
        while (Long.compareUnsigned(q, DIGIT) >= 0
                || Long.compareUnsigned(q * vLow, rhat * DIGIT + next) > 0) {
            q--;
            rhat += vHigh;
            if (Long.compareUnsigned(rhat, DIGIT) >= 0) {
                break;
            }
        }
        return q;
    }
}
