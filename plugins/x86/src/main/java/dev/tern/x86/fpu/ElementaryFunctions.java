package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * Elementary functions of exact extended-precision operands in 160-bit binary fixed point:
 * exact argument reduction, then power series whose sums stay near 1 (sin r = r * S(r^2),
 * ln m = 2u * A(u^2), expm1 z = z * E(z), atan t = t * G(t^2)) so tiny arguments keep their full
 * relative precision. Results carry ~150 correct bits and are rounded once to 64 bits, i.e. they
 * are correctly rounded except within ~2^-85 of a rounding boundary.
 *
 * <p>Like real x87 hardware, FSIN/FCOS/FPTAN/FSINCOS reduce their argument modulo pi/2 with the
 * 66-bit approximation of pi (0x3243F6A8885A308D3 * 2^-64), so results near multiples of pi
 * carry the same documented error as on Intel processors.
 */
final class ElementaryFunctions {

    /** Fixed-point scale: a BigInteger n stands for n * 2^-F. */
    private static final int F = 160;
    private static final BigInteger ONE = BigInteger.ONE.shiftLeft(F);
    private static final BigInteger LN2 = new BigInteger("B17217F7D1CF79ABC9E3B39803F2F6AF40F34326", 16);
    private static final BigInteger PI = new BigInteger("3243F6A8885A308D313198A2E03707344A4093822", 16);
    /** pi rounded to 66 bits, scaled by 2^65 it is pi/2 (the x87's reduction constant). */
    private static final BigInteger PI66 = new BigInteger("3243F6A8885A308D3", 16);
    private static final int TERMS = 80;
    /** 2^F / n! and 2^F / n. */
    private static final BigInteger[] INVERSE_FACTORIAL = new BigInteger[TERMS];
    private static final BigInteger[] RECIPROCAL = new BigInteger[2 * TERMS];

    static {
        BigInteger factorial = BigInteger.ONE;
        INVERSE_FACTORIAL[0] = ONE;
        for (int n = 1; n < TERMS; n++) {
            factorial = factorial.multiply(BigInteger.valueOf(n));
            INVERSE_FACTORIAL[n] = ONE.divide(factorial);
        }
        for (int n = 1; n < RECIPROCAL.length; n++) {
            RECIPROCAL[n] = ONE.divide(BigInteger.valueOf(n));
        }
    }

    private ElementaryFunctions() {
    }

    /** A high-precision approximation: (-1)^negative * magnitude * 2^exponent. */
    record Approx(boolean negative, BigInteger magnitude, int exponent) {
        Approx negate() {
            return new Approx(!negative, magnitude, exponent);
        }

        /** this - other, exactly. */
        Approx minus(Approx other) {
            int base = Math.min(exponent, other.exponent);
            BigInteger a = magnitude.shiftLeft(exponent - base);
            BigInteger b = other.magnitude.shiftLeft(other.exponent - base);
            BigInteger d = (negative ? a.negate() : a).subtract(other.negative ? b.negate() : b);
            return new Approx(d.signum() < 0, d.abs(), base);
        }

        /** This value times an exact finite operand (exact multiplication). */
        Approx times(Float80 v) {
            Exact e = v.exact();
            return new Approx(negative != e.negative(), magnitude.multiply(e.magnitude()),
                    exponent + e.exponent());
        }

        /** Rounds once into a register; the approximation is marked inexact (PE). */
        Float80 round(Rounding rc, Flags f) {
            if (magnitude.signum() == 0) {
                f.raise(Flags.PE);
                return Float80.zero(negative);
            }
            BigInteger jammed = magnitude.shiftLeft(1).setBit(0); // never exact: sticky bit
            return RealFormat.toFloat80(RealFormat.EXTENDED.round(
                    new Exact(negative, jammed, exponent - 1), 64, rc, f, true));
        }
    }

    /** The functions of the reduced argument FSIN/FCOS/FPTAN need. */
    enum Trig { SIN, COS, TAN }

    /** sin, cos or tan of a finite non-zero x below 2^63 in magnitude. */
    static Approx trig(Float80 x, Trig function) {
        Exact e = x.exact();
        // q = round(x / (pi66/2)); r = x - q * pi66/2 exactly (pi66/2 = PI66 * 2^-65).
        int base = Math.min(e.exponent(), -65);
        BigInteger xs = e.alignedTo(base);
        BigInteger half = PI66.shiftLeft(-65 - base);
        BigInteger q = roundedQuotient(xs, half);
        BigInteger r = xs.subtract(q.multiply(half));
        int quadrant = q.intValue() & 3;
        Exact reduced = new Exact(r.signum() < 0, r.abs(), base);
        boolean swap = (quadrant & 1) != 0;
        return switch (function) {
            case SIN -> negateIf(swap ? cos(reduced) : sin(reduced), quadrant >= 2);
            case COS -> negateIf(swap ? sin(reduced) : cos(reduced), quadrant == 1 || quadrant == 2);
            case TAN -> swap ? divide(cos(reduced), sin(reduced)).negate()
                    : divide(sin(reduced), cos(reduced));
        };
    }

    private static BigInteger roundedQuotient(BigInteger n, BigInteger d) {
        BigInteger[] qr = n.abs().divideAndRemainder(d);
        BigInteger q = qr[1].shiftLeft(1).compareTo(d) >= 0 ? qr[0].add(BigInteger.ONE) : qr[0];
        return n.signum() < 0 ? q.negate() : q;
    }

    private static Approx negateIf(Approx a, boolean negate) {
        return negate ? a.negate() : a;
    }

    /** sin r = r * S(r^2), S(s) = sum (-s)^k / (2k+1)!. */
    private static Approx sin(Exact r) {
        if (r.isZero()) {
            return new Approx(false, BigInteger.ZERO, 0);
        }
        BigInteger s = square(fixed(r));
        BigInteger sum = series(s, true, 1, 2, INVERSE_FACTORIAL);
        return new Approx(r.negative(), r.magnitude().multiply(sum), r.exponent() - F);
    }

    /** cos r = sum (-r^2)^k / (2k)!. */
    private static Approx cos(Exact r) {
        BigInteger s = r.isZero() ? BigInteger.ZERO : square(fixed(r));
        return new Approx(false, series(s, true, 0, 2, INVERSE_FACTORIAL), -F);
    }

    /**
     * sum_k (+-s)^k * table[first + step*k] in fixed point, stopping once terms vanish; s is a
     * fixed-point value below 1.
     */
    private static BigInteger series(BigInteger s, boolean alternating, int first, int step,
                                     BigInteger[] table) {
        BigInteger sum = table[first];
        BigInteger power = ONE;
        boolean added = false;
        for (int n = first + step; n < table.length; n += step) {
            power = power.multiply(s).shiftRight(F);
            BigInteger term = power.multiply(table[n]).shiftRight(F);
            if (term.signum() == 0) {
                break;
            }
            added = true;
            sum = alternating && ((n - first) / step & 1) != 0 ? sum.subtract(term) : sum.add(term);
        }
        if (!added && s.signum() != 0) {
            // Every term vanished below 2^-F but the tail is not zero: step one unit in its
            // direction so the rounding (which only adds a sticky bit) sees the right side.
            sum = alternating ? sum.subtract(BigInteger.ONE) : sum.add(BigInteger.ONE);
        }
        return sum;
    }

    private static Approx divide(Approx a, Approx b) {
        BigInteger q = a.magnitude().shiftLeft(F + b.magnitude().bitLength()).divide(b.magnitude());
        return new Approx(a.negative() != b.negative(), q,
                a.exponent() - b.exponent() - F - b.magnitude().bitLength());
    }

    /** 2^x - 1 = z * E(z) with z = x ln2 and E(z) = sum z^k / (k+1)!, for |x| < 2. */
    static Approx twoToXMinusOne(Float80 x) {
        Exact e = x.exact();
        BigInteger zMagnitude = e.magnitude().multiply(LN2); // z = zMagnitude * 2^(exp - F)
        int zExponent = e.exponent() - F;
        BigInteger z = shift(zMagnitude, zExponent + F);
        if (e.negative()) {
            z = z.negate();
        }
        BigInteger sum = ONE;
        BigInteger power = ONE;
        for (int k = 1; k + 1 < INVERSE_FACTORIAL.length; k++) {
            power = power.multiply(z).shiftRight(F);
            BigInteger term = power.multiply(INVERSE_FACTORIAL[k + 1]).shiftRight(F);
            if (term.signum() == 0 || term.equals(BigInteger.ONE.negate())) {
                break; // shiftRight floors: -1 is the remnant of a vanished negative term
            }
            sum = sum.add(term);
        }
        if (sum.equals(ONE)) {
            sum = sum.add(BigInteger.valueOf(e.negative() ? -1 : 1)); // tail direction (see series)
        }
        return new Approx(e.negative(), zMagnitude.multiply(sum), zExponent - F);
    }

    /** log2 x for finite positive x that is not a power of two. */
    static Approx log2(Float80 x) {
        Exact e = x.exact();
        int exponent = e.leadingExponent();
        int k = e.magnitude().bitLength() - 1; // m = magnitude / 2^k in [1, 2)
        BigInteger denominatorUnit = BigInteger.ONE.shiftLeft(k);
        BigInteger m = e.magnitude();
        // Bring m into [sqrt(1/2), sqrt(2)): compare m^2 with 2 * 2^(2k).
        if (m.multiply(m).compareTo(BigInteger.ONE.shiftLeft(2 * k + 1)) >= 0) {
            denominatorUnit = denominatorUnit.shiftLeft(1);
            exponent++;
        }
        Approx ln = lnOfRatio(m, denominatorUnit);
        Approx fraction = divideByLn2(ln);
        return addInteger(fraction, exponent);
    }

    /** log2(1 + x) for -1 < x, |x| small (the FYL2XP1 domain |x| < 1 - sqrt(1/2)). */
    static Approx log2OnePlus(Float80 x) {
        Exact e = x.exact();
        int base = Math.min(e.exponent(), 0);
        BigInteger v = e.alignedTo(base);
        BigInteger unit = BigInteger.ONE.shiftLeft(-base);
        return divideByLn2(lnOfRatio(unit.add(v), unit));
    }

    /** ln(a / b) = 2u * A(u^2), u = (a - b) / (a + b), for a/b near 1. */
    private static Approx lnOfRatio(BigInteger a, BigInteger b) {
        BigInteger numerator = a.subtract(b);
        BigInteger denominator = a.add(b);
        if (numerator.signum() == 0) {
            return new Approx(false, BigInteger.ZERO, 0);
        }
        BigInteger u = numerator.shiftLeft(F).divide(denominator);
        BigInteger sum = series(square(u), false, 1, 2, RECIPROCAL);
        BigInteger magnitude = numerator.abs().multiply(sum).shiftLeft(F + 1).divide(denominator);
        return new Approx(numerator.signum() < 0, magnitude, -2 * F);
    }

    private static Approx divideByLn2(Approx a) {
        BigInteger q = a.magnitude().shiftLeft(F).divide(LN2);
        return new Approx(a.negative(), q, a.exponent());
    }

    private static Approx addInteger(Approx a, int n) {
        if (n == 0) {
            return a;
        }
        int base = Math.min(a.exponent(), 0);
        BigInteger v = a.magnitude().shiftLeft(a.exponent() - base);
        if (a.negative()) {
            v = v.negate();
        }
        BigInteger sum = v.add(BigInteger.valueOf(n).shiftLeft(-base));
        return new Approx(sum.signum() < 0, sum.abs(), base);
    }

    /** atan2(y, x) for finite non-zero operands, in (-pi, pi]. */
    static Approx atan2(Float80 y, Float80 x) {
        Exact ey = y.exact();
        Exact ex = x.exact();
        int base = Math.min(ey.exponent(), ex.exponent());
        BigInteger ay = ey.magnitude().shiftLeft(ey.exponent() - base);
        BigInteger ax = ex.magnitude().shiftLeft(ex.exponent() - base);
        boolean swap = ay.compareTo(ax) > 0;
        BigInteger n = swap ? ax : ay;
        BigInteger d = swap ? ay : ax;
        Approx angle = atanOfRatio(n, d);
        if (swap) {
            angle = fromFixed(PI.shiftRight(1)).minus(angle);
        }
        if (x.negative()) {
            angle = fromFixed(PI).minus(angle);
        }
        return y.negative() ? angle.negate() : angle;
    }

    /** atan(n/d) for 0 < n <= d: t * G(t^2) directly for small t, else after 2 half-angle steps. */
    private static Approx atanOfRatio(BigInteger n, BigInteger d) {
        BigInteger t = n.shiftLeft(F).divide(d);
        if (t.compareTo(ONE.shiftRight(3)) <= 0) {
            BigInteger g = series(square(t), true, 1, 2, RECIPROCAL);
            return new Approx(false, n.multiply(g).shiftLeft(F).divide(d), -2 * F);
        }
        for (int i = 0; i < 2; i++) {
            BigInteger root = ONE.add(square(t)).shiftLeft(F).sqrt();
            t = t.shiftLeft(F).divide(ONE.add(root));
        }
        BigInteger g = series(square(t), true, 1, 2, RECIPROCAL);
        return new Approx(false, t.multiply(g).shiftLeft(2), -2 * F);
    }

    /** k * pi/4. */
    static Approx quarterPi(long k) {
        return new Approx(k < 0, PI.multiply(BigInteger.valueOf(Math.abs(k))), -F - 2);
    }

    private static Approx fromFixed(BigInteger v) {
        return new Approx(false, v, -F);
    }

    /** |r| in fixed point, at least one unit when r is not zero (see {@link #square}). */
    private static BigInteger fixed(Exact r) {
        BigInteger v = shift(r.magnitude(), r.exponent() + F);
        return v.signum() == 0 && !r.isZero() ? BigInteger.ONE : v;
    }

    /** v^2 in fixed point; a non-zero v never squares to 0, so series know their tail exists. */
    private static BigInteger square(BigInteger v) {
        BigInteger s = v.multiply(v).shiftRight(F);
        return s.signum() == 0 && v.signum() != 0 ? BigInteger.ONE : s;
    }

    private static BigInteger shift(BigInteger v, int left) {
        return left >= 0 ? v.shiftLeft(left) : v.shiftRight(-left);
    }
}
