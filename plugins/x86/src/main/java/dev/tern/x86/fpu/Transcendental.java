package dev.tern.x86.fpu;

/**
 * The x87 transcendental instructions: special operands (NaN, infinities, zeros, domain errors,
 * the |x| >= 2^63 limit of FSIN/FCOS/FPTAN/FSINCOS) follow the x87 rules; finite results come
 * from {@link ElementaryFunctions} at ~150-bit precision rounded once to 64 bits in the current
 * rounding mode (FYL2X/FYL2XP1 include the multiplication by ST1 before that single rounding).
 * F2XM1 outside its defined domain |x| <= 1 falls back to double precision.
 */
final class Transcendental {

    /** Operands at or beyond 2^63 are out of range for FSIN/FCOS/FPTAN/FSINCOS (C2=1). */
    private static final int TRIG_LIMIT_EXPONENT = 63;

    private final Float80Math math;
    private final Flags f;
    private final Rounding rc;

    Transcendental(Float80Math math, Flags f, Rounding rc) {
        this.math = math;
        this.f = f;
        this.rc = rc;
    }

    /** Whether x is a finite number the trigonometric instructions reject with C2=1. */
    static boolean outOfTrigRange(Float80 x) {
        return x.isFinite() && !x.isZero() && x.exact().leadingExponent() >= TRIG_LIMIT_EXPONENT;
    }

    Float80 sin(Float80 x) {
        return trig(x, ElementaryFunctions.Trig.SIN, x);
    }

    Float80 cos(Float80 x) {
        return trig(x, ElementaryFunctions.Trig.COS, Float80.ONE);
    }

    Float80 tan(Float80 x) {
        return trig(x, ElementaryFunctions.Trig.TAN, x);
    }

    private Float80 trig(Float80 x, ElementaryFunctions.Trig function, Float80 atZero) {
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
        return ElementaryFunctions.trig(x, function).round(rc, f);
    }

    /** 2^x - 1, defined for -1 <= x <= 1 (F2XM1). */
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
        if (x.exact().leadingExponent() >= 1) {
            // Outside the architectural domain the x87 result is undefined: stay finite and fast.
            f.raise(Flags.PE);
            return toFloat80(StrictMath.pow(2, toDouble(x)) - 1);
        }
        return ElementaryFunctions.twoToXMinusOne(x).round(rc, f);
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
        if (x.isZero()) {
            if (y.isZero()) {
                return math.invalid();
            }
            if (!y.isInfinite()) {
                f.raise(Flags.ZE);
            }
            return math.multiply(y, Float80.NEGATIVE_INFINITY);
        }
        if (x.isInfinite()) {
            return math.multiply(y, Float80.POSITIVE_INFINITY);
        }
        Exact e = x.exact();
        if (e.magnitude().bitCount() == 1) {
            // Exact power of two: log2 is an integer and the product rounds like a multiply.
            return math.multiply(y, Float80.fromLong(e.leadingExponent()));
        }
        ElementaryFunctions.Approx log = ElementaryFunctions.log2(x);
        if (!y.isFinite() || y.isZero()) {
            return math.multiply(y, log.negative() ? Float80.ONE.negate() : Float80.ONE);
        }
        return log.times(y).round(rc, f);
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
        if (vsMinusOne == 0) {
            if (y.isZero()) {
                return math.invalid();
            }
            if (!y.isInfinite()) {
                f.raise(Flags.ZE);
            }
            return math.multiply(y, Float80.NEGATIVE_INFINITY);
        }
        if (x.isInfinite() || x.isZero()) {
            return math.multiply(y, x);
        }
        if (!y.isFinite() || y.isZero()) {
            return math.multiply(y, x.negative() ? Float80.ONE.negate() : Float80.ONE);
        }
        return ElementaryFunctions.log2OnePlus(x).times(y).round(rc, f);
    }

    /** atan2(y, x) (FPATAN: y = ST1, x = ST0). */
    Float80 atan2(Float80 y, Float80 x) {
        Float80 special = math.specialOperands(y, x);
        if (special != null) {
            return special;
        }
        if (!y.isFinite() || !x.isFinite() || y.isZero() || x.isZero()) {
            double r = StrictMath.atan2(signedSpecial(y), signedSpecial(x));
            if (r == 0) {
                return Float80.zero(y.negative());
            }
            // The special-operand results are multiples of pi/4: round pi/4 * k precisely.
            return ElementaryFunctions.quarterPi(Math.round(r / (Math.PI / 4))).round(rc, f);
        }
        return ElementaryFunctions.atan2(y, x).round(rc, f);
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
