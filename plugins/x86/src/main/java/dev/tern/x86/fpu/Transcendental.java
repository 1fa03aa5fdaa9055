package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * The x87 transcendental instructions. Their core is computed in Java double precision (53 bits,
 * java.lang.StrictMath) and converted exactly to extended, so results carry about 53 correct bits
 * rather than the 64 a real x87 delivers; special operands (NaN, infinities, zeros, domain
 * errors, the |x| >= 2^63 range limit of FSIN/FCOS/FPTAN/FSINCOS) follow the x87 rules exactly.
 * Multiplications by ST1 (FYL2X, FYL2XP1) are done in extended precision.
 */
final class Transcendental {

    /** Operands at or beyond 2^63 are out of range for FSIN/FCOS/FPTAN/FSINCOS (C2=1). */
    private static final int TRIG_LIMIT_EXPONENT = 63;
    private static final double LN2 = StrictMath.log(2.0);

    private final Float80Math math;
    private final Flags f;

    Transcendental(Float80Math math, Flags f) {
        this.math = math;
        this.f = f;
    }

    /** Whether x is a finite number the trigonometric instructions reject with C2=1. */
    static boolean outOfTrigRange(Float80 x) {
        return x.isFinite() && !x.isZero() && x.exact().leadingExponent() >= TRIG_LIMIT_EXPONENT;
    }

    Float80 sin(Float80 x) {
        return trig(x, StrictMath::sin, x);
    }

    Float80 cos(Float80 x) {
        return trig(x, StrictMath::cos, Float80.ONE);
    }

    Float80 tan(Float80 x) {
        return trig(x, StrictMath::tan, x);
    }

    private Float80 trig(Float80 x, java.util.function.DoubleUnaryOperator op, Float80 atZero) {
        Float80 special = math.specialOperand(x);
        if (special != null) {
            return special;
        }
        if (x.isInfinite()) {
            return math.invalid();
        }
        if (x.isZero()) {
            return atZero;
        }
        return inexact(op.applyAsDouble(toDouble(x)));
    }

    /** 2^x - 1 for -1 <= x <= 1 (F2XM1). */
    Float80 twoToXMinusOne(Float80 x) {
        Float80 special = math.specialOperand(x);
        if (special != null) {
            return special;
        }
        if (x.isInfinite()) {
            return x.negative() ? Float80.ONE.negate() : x;
        }
        if (x.isZero()) {
            return x;
        }
        double d = toDouble(x);
        // expm1 keeps relative precision near 0; farther out pow avoids the error of d * ln2.
        return inexact(Math.abs(d) < 0.25 ? StrictMath.expm1(d * LN2) : StrictMath.pow(2, d) - 1);
    }

    /** y * log2(x) (FYL2X). */
    Float80 yLog2X(Float80 y, Float80 x) {
        Float80 special = math.specialOperands(x, y);
        if (special != null) {
            return special;
        }
        if (x.negative() && !x.isZero()) {
            return math.invalid();
        }
        Float80 log;
        if (x.isZero()) {
            if (y.isZero()) {
                return math.invalid();
            }
            if (!y.isInfinite()) {
                f.raise(Flags.ZE);
            }
            log = Float80.NEGATIVE_INFINITY;
        } else if (x.isInfinite()) {
            log = Float80.POSITIVE_INFINITY;
        } else {
            log = log2(x);
        }
        return math.multiply(y, log);
    }

    /** y * log2(x + 1) (FYL2XP1). */
    Float80 yLog2XPlusOne(Float80 y, Float80 x) {
        Float80 special = math.specialOperands(x, y);
        if (special != null) {
            return special;
        }
        int vsMinusOne = Float80Math.compareOrdered(x, Float80.ONE.negate());
        if (vsMinusOne < 0) {
            return math.invalid();
        }
        Float80 log;
        if (vsMinusOne == 0) {
            if (y.isZero()) {
                return math.invalid();
            }
            if (!y.isInfinite()) {
                f.raise(Flags.ZE);
            }
            log = Float80.NEGATIVE_INFINITY;
        } else if (x.isInfinite()) {
            log = Float80.POSITIVE_INFINITY;
        } else if (x.isZero()) {
            log = x;
        } else {
            log = inexact(StrictMath.log1p(toDouble(x)) / LN2);
        }
        return math.multiply(y, log);
    }

    /** atan2(y, x) (FPATAN: y = ST1, x = ST0). */
    Float80 atan2(Float80 y, Float80 x) {
        Float80 special = math.specialOperands(y, x);
        if (special != null) {
            return special;
        }
        if (!y.isFinite() || !x.isFinite() || y.isZero() || x.isZero()) {
            double r = StrictMath.atan2(signedSpecial(y), signedSpecial(x));
            return r == 0 ? Float80.zero(y.negative()) : inexact(r);
        }
        // The angle depends only on the ratio: scale both into double range first.
        int k = Math.max(y.exact().leadingExponent(), x.exact().leadingExponent());
        return inexact(StrictMath.atan2(toDouble(scaled(y, -k)), toDouble(scaled(x, -k))));
    }

    private static Float80 scaled(Float80 v, int by) {
        Exact e = v.exact();
        return RealFormat.toFloat80(new RealFormat.Rounded(e.negative(), e.magnitude(),
                e.exponent() + by, false));
    }

    private static double signedSpecial(Float80 v) {
        if (v.isZero()) {
            return v.negative() ? -0.0 : 0.0;
        }
        if (v.isInfinite()) {
            return v.negative() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return v.negative() ? -1.0 : 1.0;
    }

    /** log2 of a finite positive x as exponent + log2(significand), both parts in double. */
    private Float80 log2(Float80 x) {
        Exact e = x.exact();
        int lead = e.leadingExponent();
        // significand m in [1, 2): m - 1 exactly as a fraction, then log1p keeps its precision.
        BigInteger fraction = e.magnitude().clearBit(e.magnitude().bitLength() - 1);
        double m1 = fraction.signum() == 0 ? 0.0
                : fraction.doubleValue() * StrictMath.pow(2, -(e.magnitude().bitLength() - 1));
        double result = lead + StrictMath.log1p(m1) / LN2;
        if (result == 0) {
            return Float80.POSITIVE_ZERO;
        }
        if (m1 == 0) {
            return toFloat80(result); // exact power of two: integral logarithm
        }
        return inexact(result);
    }

    private Float80 inexact(double r) {
        f.raise(Flags.PE);
        return toFloat80(r);
    }

    /** Rounds a register value to the nearest double (no exceptions recorded). */
    static double toDouble(Float80 v) {
        long bits = RealFormat.DOUBLE.encode(v, 53, Rounding.NEAREST, new Flags(0x3F));
        return Double.longBitsToDouble(bits);
    }

    /** Exact conversion of a double to extended. */
    static Float80 toFloat80(double d) {
        return RealFormat.DOUBLE.decode(Double.doubleToRawLongBits(d), new Flags(0x3F));
    }
}
