package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * Correctly rounded extended-precision arithmetic: every operation forms the exact result as a
 * big integer times a power of two and rounds once (precision control 24/53/64 bits, four
 * rounding modes), with the x87's special-operand rules and masked responses.
 */
final class Float80Math {

    private final int precision;
    private final Rounding rc;
    private final Flags f;

    /** @param precision significand bits from the control word's PC field */
    Float80Math(int precision, Rounding rc, Flags f) {
        this.precision = precision;
        this.rc = rc;
        this.f = f;
    }

    Float80 add(Float80 a, Float80 b) {
        Float80 special = specialOperands(a, b);
        if (special != null) {
            return special;
        }
        if (a.isInfinite() || b.isInfinite()) {
            if (a.isInfinite() && b.isInfinite() && a.negative() != b.negative()) {
                return invalid();
            }
            return a.isInfinite() ? a : b;
        }
        if (a.isZero() && b.isZero()) {
            boolean negative = a.negative() == b.negative() ? a.negative() : rc == Rounding.DOWN;
            return Float80.zero(negative);
        }
        if (a.kind() == Float80.Kind.NORMAL && b.kind() == Float80.Kind.NORMAL) {
            Float80 fast = fastAdd(a, b);
            if (fast != null) {
                return fast;
            }
        }
        return exactAdd(a, b);
    }

    /** The exact (BigInteger) addition of two finite, not both zero, operands. */
    Float80 exactAdd(Float80 a, Float80 b) {
        Exact x = a.exact();
        Exact y = b.exact();
        int base = Math.min(x.exponent(), y.exponent());
        BigInteger sum = x.alignedTo(base).add(y.alignedTo(base));
        if (sum.signum() == 0) {
            return Float80.zero(rc == Rounding.DOWN);
        }
        return round(new Exact(sum.signum() < 0, sum.abs(), base));
    }

    Float80 subtract(Float80 a, Float80 b) {
        // NaN operands keep their sign: only negate numbers.
        return add(a, b.isNaN() ? b : b.negate());
    }

    Float80 multiply(Float80 a, Float80 b) {
        Float80 special = specialOperands(a, b);
        if (special != null) {
            return special;
        }
        boolean negative = a.negative() != b.negative();
        if (a.isInfinite() || b.isInfinite()) {
            if (a.isZero() || b.isZero()) {
                return invalid();
            }
            return Float80.infinity(negative);
        }
        if (a.isZero() || b.isZero()) {
            return Float80.zero(negative);
        }
        if (a.kind() == Float80.Kind.NORMAL && b.kind() == Float80.Kind.NORMAL) {
            Float80 fast = fastMultiply(a, b, negative);
            if (fast != null) {
                return fast;
            }
        }
        return exactMultiply(a, b);
    }

    /** The exact (BigInteger) product of two finite non-zero operands. */
    Float80 exactMultiply(Float80 a, Float80 b) {
        Exact x = a.exact();
        Exact y = b.exact();
        return round(new Exact(a.negative() != b.negative(),
                x.magnitude().multiply(y.magnitude()), x.exponent() + y.exponent()));
    }

    private Float80 fastMultiply(Float80 a, Float80 b, boolean negative) {
        long sa = a.significand();
        long sb = b.significand();
        long hi = Math.unsignedMultiplyHigh(sa, sb);
        long lo = sa * sb;
        int lead = a.exponent() + b.exponent() - 2 * Float80.BIAS + 1;
        if (hi >= 0) { // product below 2^127: one normalising shift
            hi = hi << 1 | lo >>> 63;
            lo <<= 1;
            lead--;
        }
        return pack(negative, lead, hi, lo);
    }

    /** Sum of two normal operands in 128-bit arithmetic with a sticky bit; null if not safe. */
    private Float80 fastAdd(Float80 a, Float80 b) {
        if (a.exponent() < b.exponent() || a.exponent() == b.exponent()
                && Long.compareUnsigned(a.significand(), b.significand()) < 0) {
            Float80 t = a;
            a = b;
            b = t;
        }
        int d = a.exponent() - b.exponent();
        long sb = b.significand();
        long bHi;
        long bLo;
        if (d == 0) {
            bHi = sb;
            bLo = 0;
        } else if (d < 64) {
            bHi = sb >>> d;
            bLo = sb << (64 - d);
        } else if (d == 64) {
            bHi = 0;
            bLo = sb;
        } else if (d < 128) {
            bHi = 0;
            bLo = sb >>> (d - 64) | ((sb << (128 - d)) != 0 ? 1 : 0); // jam lost bits as sticky
        } else {
            bHi = 0;
            bLo = 1;
        }
        long aHi = a.significand();
        int lead = a.exponent() - Float80.BIAS;
        long hi;
        long lo;
        if (a.negative() == b.negative()) {
            lo = bLo;
            hi = aHi + bHi;
            boolean carry = Long.compareUnsigned(hi, aHi) < 0;
            if (carry) {
                lo = (lo >>> 1) | (hi << 63) | (lo & 1);
                hi = (hi >>> 1) | Float80.INTEGER_BIT;
                lead++;
            }
        } else {
            lo = -bLo;
            hi = aHi - bHi - (bLo != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                return Float80.zero(rc == Rounding.DOWN);
            }
            if (hi == 0) {
                hi = lo;
                lo = 0;
                lead -= 64;
            }
            int lz = Long.numberOfLeadingZeros(hi);
            if (lz > 0) {
                hi = hi << lz | lo >>> (64 - lz);
                lo <<= lz;
                lead -= lz;
            }
        }
        return pack(a.negative(), lead, hi, lo);
    }

    /**
     * Rounds hi:lo * 2^(lead - 127) (hi normalised) into a register when no underflow or
     * overflow is possible; returns null, touching no flags, when the exact path must decide.
     */
    private Float80 pack(boolean negative, int lead, long hi, long lo) {
        RealFormat ext = RealFormat.EXTENDED;
        if (lead < ext.emin || lead > ext.emax) {
            return null;
        }
        long sig = FastRound.round(negative, hi, lo, precision, rc);
        int exponent = lead;
        if (sig == 0) {
            sig = Float80.INTEGER_BIT;
            exponent++;
            if (exponent > ext.emax) {
                return null;
            }
        }
        if (FastRound.inexact(hi, lo, precision)) {
            f.raise(Flags.PE);
            if (exponent != lead || sig != FastRound.truncated(hi, precision)) {
                f.roundedUp = true;
            }
        }
        return new Float80((negative ? 0x8000 : 0) | (exponent + Float80.BIAS), sig);
    }

    Float80 divide(Float80 a, Float80 b) {
        Float80 special = specialOperands(a, b);
        if (special != null) {
            return special;
        }
        boolean negative = a.negative() != b.negative();
        if (a.isInfinite()) {
            return b.isInfinite() ? invalid() : Float80.infinity(negative);
        }
        if (b.isInfinite()) {
            return Float80.zero(negative);
        }
        if (b.isZero()) {
            if (a.isZero()) {
                return invalid();
            }
            f.raise(Flags.ZE);
            return Float80.infinity(negative);
        }
        if (a.isZero()) {
            return Float80.zero(negative);
        }
        if (a.kind() == Float80.Kind.NORMAL && b.kind() == Float80.Kind.NORMAL) {
            Float80 fast = fastDivide(a, b, negative);
            if (fast != null) {
                return fast;
            }
        }
        return exactDivide(a, b);
    }

    /** Quotient of normal operands by two 128/64-bit long divisions plus a sticky bit. */
    private Float80 fastDivide(Float80 a, Float80 b, boolean negative) {
        long sa = a.significand();
        long sb = b.significand();
        int lead = a.exponent() - b.exponent();
        long hi;
        long lo;
        if (Long.compareUnsigned(sa, sb) >= 0) {
            long r0 = sa - sb; // quotient in [1, 2): integer bit 1, then 64 + 63 fraction bits
            long q1 = UnsignedDivision.divide(r0, 0, sb);
            long r1 = -q1 * sb;
            long q2 = UnsignedDivision.divide(r1, 0, sb);
            long r2 = -q2 * sb;
            hi = Float80.INTEGER_BIT | q1 >>> 1;
            lo = q1 << 63 | q2 >>> 1 | ((q2 & 1) != 0 || r2 != 0 ? 1 : 0);
        } else {
            long q1 = UnsignedDivision.divide(sa, 0, sb); // quotient in [1/2, 1)
            long r1 = -q1 * sb;
            long q2 = UnsignedDivision.divide(r1, 0, sb);
            long r2 = -q2 * sb;
            hi = q1;
            lo = q2 | (r2 != 0 ? 1 : 0);
            lead--;
        }
        return pack(negative, lead, hi, lo);
    }

    /** The exact (BigInteger) quotient of two finite non-zero operands. */
    Float80 exactDivide(Float80 a, Float80 b) {
        boolean negative = a.negative() != b.negative();
        Exact x = a.exact();
        Exact y = b.exact();
        // Enough quotient bits for any precision plus guard bits; the remainder becomes a sticky
        // bit below them so one rounding of the truncated quotient is still correct.
        int shift = Math.max(0, 130 + y.magnitude().bitLength() - x.magnitude().bitLength());
        BigInteger[] qr = x.magnitude().shiftLeft(shift).divideAndRemainder(y.magnitude());
        BigInteger q = qr[0].shiftLeft(1);
        if (qr[1].signum() != 0) {
            q = q.setBit(0);
        }
        return round(new Exact(negative, q, x.exponent() - y.exponent() - shift - 1));
    }

    Float80 sqrt(Float80 a) {
        Float80 special = specialOperand(a);
        if (special != null) {
            return special;
        }
        if (a.isZero()) {
            return a;
        }
        if (a.negative()) {
            return invalid();
        }
        if (a.isInfinite()) {
            return a;
        }
        if (a.kind() == Float80.Kind.NORMAL) {
            Float80 fast = fastSqrt(a);
            if (fast != null) {
                return fast;
            }
        }
        return exactSqrt(a);
    }

    /**
     * Square root of a normal operand: N = significand * 2^(63 or 64) so the exponent halves
     * exactly, a double estimate of isqrt(N), one Newton step with 128/64 division, then a
     * final correction by comparing squares. The root of an integer is never a half-integer,
     * so "remainder > root" decides the round bit without ties.
     */
    private Float80 fastSqrt(Float80 a) {
        long sa = a.significand();
        int e = a.exponent() - Float80.BIAS;
        boolean odd = (e & 1) != 0;
        long nHi = odd ? sa : sa >>> 1;
        long nLo = odd ? 0 : sa << 63;
        double approx = Math.sqrt((double) (nHi >>> 11) * 2048.0) * 4294967296.0;
        long r = approx >= 0x1p64 ? -1L : approx < 0x1p63 ? Long.MIN_VALUE : (long) (approx - 0x1p63) ^ Long.MIN_VALUE;
        if (Long.compareUnsigned(nHi, r) >= 0) {
            return null;
        }
        long q = UnsignedDivision.divide(nHi, nLo, r);
        r = (r >>> 1) + (q >>> 1) + (r & q & 1);
        if (r >= 0) {
            r = Long.MIN_VALUE;
        }
        while (compareSquare(r, nHi, nLo) > 0) {
            r--;
        }
        while (r != -1L && compareSquare(r + 1, nHi, nLo) <= 0) {
            r++;
        }
        long sqLo = r * r;
        long remLo = nLo - sqLo;
        long remHi = nHi - Math.unsignedMultiplyHigh(r, r) - (Long.compareUnsigned(nLo, sqLo) < 0 ? 1 : 0);
        boolean half = remHi != 0 || Long.compareUnsigned(remLo, r) > 0;
        boolean sticky = remHi != 0 || remLo != 0;
        long lo = (half ? Long.MIN_VALUE : 0) | (sticky ? 1 : 0);
        int lead = odd ? (e - 1) / 2 : e / 2;
        return pack(false, lead, r, lo);
    }

    /** Compares r^2 with the 128-bit hi:lo (unsigned). */
    private static int compareSquare(long r, long hi, long lo) {
        int c = Long.compareUnsigned(Math.unsignedMultiplyHigh(r, r), hi);
        return c != 0 ? c : Long.compareUnsigned(r * r, lo);
    }

    /** The exact (BigInteger) square root of a finite positive operand. */
    Float80 exactSqrt(Float80 a) {
        Exact x = a.exact();
        int shift = Math.max(0, 140 - x.magnitude().bitLength());
        if (((x.exponent() - shift) & 1) != 0) {
            shift++;
        }
        BigInteger m = x.magnitude().shiftLeft(shift);
        BigInteger r = m.sqrt();
        BigInteger q = r.shiftLeft(1);
        if (!r.multiply(r).equals(m)) {
            q = q.setBit(0);
        }
        return round(new Exact(false, q, (x.exponent() - shift) / 2 - 1));
    }

    /** Rounds to an integer in the current rounding mode (FRNDINT); exact if already integral. */
    Float80 roundToInteger(Float80 a) {
        Float80 special = specialOperand(a);
        if (special != null) {
            return special;
        }
        if (!a.isFinite() || a.isZero()) {
            return a;
        }
        BigInteger n = integerValue(a.exact(), rc, f);
        if (n.signum() == 0) {
            return Float80.zero(a.negative());
        }
        return RealFormat.toFloat80(RealFormat.EXTENDED.round(
                new Exact(a.negative(), n, 0), 64, rc, f, true));
    }

    /** The magnitude of x rounded to an integer with the given mode; raises PE and C1. */
    static BigInteger integerValue(Exact x, Rounding mode, Flags f) {
        if (x.exponent() >= 0) {
            return x.magnitude().shiftLeft(x.exponent());
        }
        RealFormat.Rounded r = RealFormat.roundAt(x.negative(), x.magnitude(), x.exponent(), 0,
                Integer.MAX_VALUE, mode, f);
        return r.sig();
    }

    /** ST0 * 2^trunc(ST1) (FSCALE). */
    Float80 scale(Float80 a, Float80 b) {
        Float80 special = specialOperands(a, b);
        if (special != null) {
            return special;
        }
        if (b.isInfinite()) {
            if (a.isZero() && !b.negative() || a.isInfinite() && b.negative()) {
                return invalid();
            }
            if (a.isZero() || a.isInfinite()) {
                return a;
            }
            return b.negative() ? Float80.zero(a.negative()) : Float80.infinity(a.negative());
        }
        if (a.isZero() || a.isInfinite()) {
            return a;
        }
        int n = clampedTruncatedExponent(b);
        Exact x = a.exact();
        return RealFormat.toFloat80(RealFormat.EXTENDED.round(
                new Exact(x.negative(), x.magnitude(), x.exponent() + n), 64, rc, f, true));
    }

    private static int clampedTruncatedExponent(Float80 b) {
        if (b.isZero()) {
            return 0;
        }
        Exact y = b.exact();
        if (y.leadingExponent() > 20) {
            return y.negative() ? -(1 << 20) : 1 << 20; // far beyond any representable scale
        }
        int n = integerValue(y, Rounding.ZERO, new Flags(0x3F)).intValue();
        return y.negative() ? -n : n;
    }

    /**
     * Partial remainder (FPREM when {@code ieee} is false, FPREM1 otherwise). Returns the new
     * ST0; {@link #quotientBits} and {@link #incomplete} describe C0/C3/C1 and C2.
     */
    Float80 remainder(Float80 a, Float80 b, boolean ieee) {
        quotientBits = 0;
        incomplete = false;
        Float80 special = specialOperands(a, b);
        if (special != null) {
            return special;
        }
        if (a.isInfinite() || b.isZero()) {
            return invalid();
        }
        if (b.isInfinite() || a.isZero()) {
            return a;
        }
        Exact x = a.exact();
        Exact y = b.exact();
        int base = Math.min(x.exponent(), y.exponent());
        BigInteger dividend = x.magnitude().shiftLeft(x.exponent() - base);
        BigInteger divisor = y.magnitude().shiftLeft(y.exponent() - base);
        int d = x.leadingExponent() - y.leadingExponent();
        boolean negative = x.negative();
        BigInteger r;
        if (d >= 64) {
            // Partial reduction (C2=1): chop the quotient scaled down by 2^(d-n). The SDM leaves
            // n in 32..63 to the implementation; n = 32 + d mod 32 is AMD's documented choice and
            // what QEMU does, so partial results match that reference exactly.
            incomplete = true;
            int n = 32 + d % 32;
            BigInteger scaled = divisor.shiftLeft(d - n);
            r = dividend.mod(scaled);
        } else {
            BigInteger[] qr = dividend.divideAndRemainder(divisor);
            BigInteger q = qr[0];
            r = qr[1];
            if (ieee) {
                int cmp = r.shiftLeft(1).compareTo(divisor);
                if (cmp > 0 || cmp == 0 && q.testBit(0)) {
                    q = q.add(BigInteger.ONE);
                    r = divisor.subtract(r);
                    negative = !negative;
                }
            }
            quotientBits = q.intValue() & 7;
        }
        if (r.signum() == 0) {
            return Float80.zero(x.negative());
        }
        return RealFormat.toFloat80(RealFormat.EXTENDED.round(
                new Exact(negative, r, base), 64, rc, f, true));
    }

    /** Low three quotient bits of the last complete {@link #remainder}. */
    int quotientBits;
    /** Whether the last {@link #remainder} only partially reduced its operand (C2). */
    boolean incomplete;

    /** Three-way comparison; null when unordered. Raises IE for NaNs unless {@code quiet}. */
    Integer compare(Float80 a, Float80 b, boolean quiet) {
        if (a.kind() == Float80.Kind.UNSUPPORTED || b.kind() == Float80.Kind.UNSUPPORTED) {
            f.raise(Flags.IE);
            return null;
        }
        if (a.isNaN() || b.isNaN()) {
            boolean signaling = a.kind() == Float80.Kind.SNAN || b.kind() == Float80.Kind.SNAN;
            if (!quiet || signaling) {
                f.raise(Flags.IE);
            }
            return null;
        }
        flagDenormals(a, b);
        return Integer.signum(compareOrdered(a, b));
    }

    static int compareOrdered(Float80 a, Float80 b) {
        if (a.isZero() && b.isZero()) {
            return 0;
        }
        if (a.negative() != b.negative()) {
            return a.negative() ? -1 : 1;
        }
        int magnitude = compareMagnitude(a, b);
        return a.negative() ? -magnitude : magnitude;
    }

    private static int compareMagnitude(Float80 a, Float80 b) {
        if (a.isInfinite() || b.isInfinite()) {
            return Boolean.compare(a.isInfinite(), b.isInfinite());
        }
        if (a.isZero() || b.isZero()) {
            return Boolean.compare(!a.isZero(), !b.isZero());
        }
        Exact x = a.exact();
        Exact y = b.exact();
        int base = Math.min(x.exponent(), y.exponent());
        return x.magnitude().shiftLeft(x.exponent() - base)
                .compareTo(y.magnitude().shiftLeft(y.exponent() - base));
    }

    /** Rounds an exact result into a register under the current precision control. */
    Float80 round(Exact x) {
        return RealFormat.toFloat80(RealFormat.EXTENDED.round(x, precision, rc, f, true));
    }

    Float80 invalid() {
        f.raise(Flags.IE);
        return Float80.INDEFINITE;
    }

    /** NaN/unsupported handling for two operands, or null if both are numbers. */
    Float80 specialOperands(Float80 a, Float80 b) {
        if (a.kind() == Float80.Kind.UNSUPPORTED || b.kind() == Float80.Kind.UNSUPPORTED) {
            return invalid();
        }
        if (a.isNaN() || b.isNaN()) {
            if (a.kind() == Float80.Kind.SNAN || b.kind() == Float80.Kind.SNAN) {
                f.raise(Flags.IE);
            }
            if (a.isNaN() && b.isNaN()) {
                // The NaN with the larger significand wins; ties go to the first operand.
                long ma = a.significand() | Float80.QUIET_BIT;
                long mb = b.significand() | Float80.QUIET_BIT;
                return (Long.compareUnsigned(ma, mb) >= 0 ? a : b).quiet();
            }
            return (a.isNaN() ? a : b).quiet();
        }
        flagDenormals(a, b);
        return null;
    }

    Float80 specialOperand(Float80 a) {
        return specialOperands(a, Float80.POSITIVE_ZERO);
    }

    private void flagDenormals(Float80 a, Float80 b) {
        if (a.kind() == Float80.Kind.DENORMAL || b.kind() == Float80.Kind.DENORMAL) {
            f.raise(Flags.DE);
        }
    }
}
