package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * An x87 80-bit extended-precision value in its raw register encoding: a 16-bit sign/exponent
 * field and a 64-bit significand with an explicit integer bit (bit 63).
 *
 * @param signExp     bit 15 is the sign, bits 0..14 the biased exponent (bias 16383)
 * @param significand the 64-bit significand, integer bit included
 */
public record Float80(int signExp, long significand) {

    /** The exponent bias of the extended format. */
    public static final int BIAS = 16383;
    /** The largest biased exponent (infinities and NaNs). */
    public static final int MAX_EXPONENT = 0x7FFF;
    static final long INTEGER_BIT = 1L << 63;
    static final long QUIET_BIT = 1L << 62;

    public static final Float80 POSITIVE_ZERO = new Float80(0, 0);
    public static final Float80 NEGATIVE_ZERO = new Float80(0x8000, 0);
    public static final Float80 ONE = new Float80(BIAS, INTEGER_BIT);
    public static final Float80 POSITIVE_INFINITY = new Float80(MAX_EXPONENT, INTEGER_BIT);
    public static final Float80 NEGATIVE_INFINITY = new Float80(0x8000 | MAX_EXPONENT, INTEGER_BIT);
    /** The "real indefinite" QNaN every masked invalid operation produces. */
    public static final Float80 INDEFINITE = new Float80(0xFFFF, 0xC000_0000_0000_0000L);

    public Float80 {
        signExp &= 0xFFFF;
    }

    /** The classes FXAM and the arithmetic distinguish. */
    public enum Kind { ZERO, DENORMAL, NORMAL, INFINITY, QNAN, SNAN, UNSUPPORTED }

    public boolean negative() {
        return (signExp & 0x8000) != 0;
    }

    /** The biased exponent, 0..0x7FFF. */
    public int exponent() {
        return signExp & MAX_EXPONENT;
    }

    public Kind kind() {
        int e = exponent();
        boolean integerBit = significand < 0;
        if (e == 0) {
            // Pseudo-denormals (integer bit set) are accepted like denormals, as on the 387+.
            return significand == 0 ? Kind.ZERO : Kind.DENORMAL;
        }
        if (!integerBit) {
            return Kind.UNSUPPORTED; // unnormal, pseudo-infinity or pseudo-NaN
        }
        if (e == MAX_EXPONENT) {
            long fraction = significand & ~INTEGER_BIT;
            if (fraction == 0) {
                return Kind.INFINITY;
            }
            return (fraction & QUIET_BIT) != 0 ? Kind.QNAN : Kind.SNAN;
        }
        return Kind.NORMAL;
    }

    public boolean isNaN() {
        Kind k = kind();
        return k == Kind.QNAN || k == Kind.SNAN;
    }

    public boolean isZero() {
        return kind() == Kind.ZERO;
    }

    public boolean isInfinite() {
        return kind() == Kind.INFINITY;
    }

    /** Zero, denormal or normal. */
    public boolean isFinite() {
        Kind k = kind();
        return k == Kind.ZERO || k == Kind.DENORMAL || k == Kind.NORMAL;
    }

    public Float80 negate() {
        return new Float80(signExp ^ 0x8000, significand);
    }

    public Float80 abs() {
        return new Float80(signExp & MAX_EXPONENT, significand);
    }

    public Float80 withSign(boolean negative) {
        return new Float80(negative ? signExp | 0x8000 : signExp & MAX_EXPONENT, significand);
    }

    /** The same NaN with its quiet bit set. */
    Float80 quiet() {
        return new Float80(signExp, significand | QUIET_BIT);
    }

    static Float80 zero(boolean negative) {
        return negative ? NEGATIVE_ZERO : POSITIVE_ZERO;
    }

    static Float80 infinity(boolean negative) {
        return negative ? NEGATIVE_INFINITY : POSITIVE_INFINITY;
    }

    /** The exact value of a finite operand; denormals keep their (smallest) exponent. */
    Exact exact() {
        int e = Math.max(exponent(), 1);
        BigInteger magnitude = significand < 0
                ? BigInteger.valueOf(significand & Long.MAX_VALUE).setBit(63)
                : BigInteger.valueOf(significand);
        return new Exact(negative(), magnitude, e - BIAS - 63);
    }

    /** Exact conversion from a 64-bit two's-complement integer (FILD). */
    static Float80 fromLong(long v) {
        if (v == 0) {
            return POSITIVE_ZERO;
        }
        boolean negative = v < 0;
        long magnitude = negative ? -v : v; // Long.MIN_VALUE stays 2^63 as an unsigned value
        int lead = Long.numberOfLeadingZeros(magnitude);
        int exponent = BIAS + 63 - lead;
        return new Float80((negative ? 0x8000 : 0) | exponent, magnitude << lead);
    }

    /** Writes the 10-byte little-endian memory image at off. */
    void store(X87Memory mem, int off) {
        mem.writeU64(off, significand);
        mem.writeU16(off + 8, signExp);
    }

    static Float80 load(X87Memory mem, int off) {
        long sig = mem.readU64(off);
        return new Float80(mem.readU16(off + 8), sig);
    }

    @Override
    public String toString() {
        return String.format("Float80[%04x:%016x]", signExp, significand);
    }
}
