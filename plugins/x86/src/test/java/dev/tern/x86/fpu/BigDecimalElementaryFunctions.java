package dev.tern.x86.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Test reference: the first, BigDecimal-based implementation of the elementary functions
 * (kept to cross-check the fixed-point {@link ElementaryFunctions}), evaluated with 40 significant
 * decimal digits (~133 bits) by argument reduction and Taylor/atanh series, then rounded once
 * to the 64-bit significand: results are correctly rounded except when the exact value lies
 * within ~2^-69 of a rounding boundary.
 *
 * <p>Like real x87 hardware, FSIN/FCOS/FPTAN/FSINCOS reduce their argument modulo pi/2 using
 * the 66-bit approximation of pi (0x3243F6A8885A308D3 * 2^-64), so results near multiples of pi
 * carry the same (documented) error as on Intel processors.
 */
final class BigDecimalElementaryFunctions {

    /** The working precision of every series (40 digits, ~133 bits). */
    static final MathContext PRECISION = new MathContext(40, RoundingMode.HALF_EVEN);
    private static final MathContext MC = PRECISION;
    private static final MathContext WIDE = new MathContext(60, RoundingMode.HALF_EVEN);
    private static final BigDecimal EPSILON = new BigDecimal("1e-46");
    private static final BigDecimal PI = new BigDecimal("3.141592653589793238462643383279502884197"
            + "16939937510582097494459230781640628620899862803482534211706798214808651");
    private static final BigDecimal LN2 = new BigDecimal(
            "0.6931471805599453094172321214581765680755001343602552541206800094933936");
    private static final BigDecimal HALF_PI66 = new BigDecimal(
            new BigInteger("3243F6A8885A308D3", 16)).divide(new BigDecimal(BigInteger.ONE.shiftLeft(65)));
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal SQRT_HALF = new BigDecimal("0.7071067811865475244008443621048490392848");

    /** 1/n for n < 128 and 1/n! for n < 64 at the working precision: series multiply only. */
    private static final BigDecimal[] RECIPROCAL = new BigDecimal[128];
    private static final BigDecimal[] INVERSE_FACTORIAL = new BigDecimal[64];

    static {
        BigDecimal factorial = BigDecimal.ONE;
        for (int n = 1; n < RECIPROCAL.length; n++) {
            RECIPROCAL[n] = BigDecimal.ONE.divide(BigDecimal.valueOf(n), WIDE);
        }
        INVERSE_FACTORIAL[0] = BigDecimal.ONE;
        for (int n = 1; n < INVERSE_FACTORIAL.length; n++) {
            factorial = factorial.multiply(BigDecimal.valueOf(n));
            INVERSE_FACTORIAL[n] = BigDecimal.ONE.divide(factorial, WIDE);
        }
    }

    private BigDecimalElementaryFunctions() {
    }

    /** The functions of the reduced argument FSIN/FCOS/FPTAN need. */
    enum Trig { SIN, COS, TAN }

    /**
     * sin, cos or tan of a finite x below 2^63 in magnitude, with the x87 argument reduction:
     * x = q * pi66/2 + r, |r| <= pi66/4, and only the series the quadrant needs.
     */
    static BigDecimal trig(Float80 x, Trig function) {
        BigDecimal v = exact(x);
        int quadrant = 0;
        BigDecimal r = v;
        if (v.abs().compareTo(HALF_PI66.divide(TWO)) > 0) {
            BigInteger q = v.divide(HALF_PI66, WIDE).setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
            quadrant = q.intValue() & 3;
            r = v.subtract(HALF_PI66.multiply(new BigDecimal(q)));
        }
        boolean swap = (quadrant & 1) != 0;
        return switch (function) {
            case SIN -> negateIf(swap ? cosSeries(r) : sinSeries(r), quadrant >= 2);
            case COS -> negateIf(swap ? sinSeries(r) : cosSeries(r), quadrant == 1 || quadrant == 2);
            case TAN -> {
                BigDecimal t = sinSeries(r).divide(cosSeries(r), MC);
                yield swap ? BigDecimal.ONE.divide(t, MC).negate() : t;
            }
        };
    }

    private static BigDecimal negateIf(BigDecimal v, boolean negate) {
        return negate ? v.negate() : v;
    }

    /** pi/4 to the working precision (FPATAN's special-operand results are multiples of it). */
    static BigDecimal quarterPi() {
        return PI.divide(BigDecimal.valueOf(4));
    }

    private static BigDecimal sinSeries(BigDecimal r) {
        BigDecimal r2 = r.multiply(r, MC);
        BigDecimal power = r.round(MC);
        BigDecimal sum = power;
        for (int n = 3; n < INVERSE_FACTORIAL.length; n += 2) {
            power = power.multiply(r2, MC).negate();
            BigDecimal term = power.multiply(INVERSE_FACTORIAL[n], MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPSILON.multiply(sum.abs())) <= 0) {
                break;
            }
        }
        return sum;
    }

    private static BigDecimal cosSeries(BigDecimal r) {
        BigDecimal r2 = r.multiply(r, MC);
        BigDecimal power = BigDecimal.ONE;
        BigDecimal sum = power;
        for (int n = 2; n < INVERSE_FACTORIAL.length; n += 2) {
            power = power.multiply(r2, MC).negate();
            BigDecimal term = power.multiply(INVERSE_FACTORIAL[n], MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPSILON) <= 0) {
                break;
            }
        }
        return sum;
    }

    /** 2^x - 1 for |x| <= 1 (the F2XM1 domain; larger inputs are computed the same way). */
    static BigDecimal twoToXMinusOne(Float80 x) {
        BigDecimal z = exact(x).multiply(LN2, MC);
        // expm1(z) = z + z^2/2! + ...: no cancellation for small z.
        BigDecimal power = z;
        BigDecimal sum = z;
        for (int n = 2; n < INVERSE_FACTORIAL.length; n++) {
            power = power.multiply(z, MC);
            BigDecimal term = power.multiply(INVERSE_FACTORIAL[n], MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPSILON.multiply(sum.abs())) <= 0) {
                break;
            }
        }
        return sum;
    }

    /** log2(x) for finite positive x: exponent plus ln(m)/ln2 with m in [sqrt(1/2), sqrt(2)). */
    static BigDecimal log2(Float80 x) {
        Exact e = x.exact();
        int exponent = e.leadingExponent();
        BigDecimal m = exactScaled(e, -exponent); // in [1, 2)
        if (m.compareTo(SQRT_HALF.multiply(TWO)) >= 0) {
            m = m.divide(TWO);
            exponent++;
        }
        BigDecimal u = m.subtract(BigDecimal.ONE).divide(m.add(BigDecimal.ONE), MC);
        BigDecimal ln = atanhTimesTwo(u);
        return BigDecimal.valueOf(exponent).add(ln.divide(LN2, MC), MC);
    }

    /** log2(1 + x) for x > -1. */
    static BigDecimal log2OnePlus(Float80 x) {
        BigDecimal v = exact(x);
        BigDecimal u = v.divide(TWO.add(v), MC);
        return atanhTimesTwo(u).divide(LN2, MC);
    }

    /** 2 atanh(u) = ln((1+u)/(1-u)) by its odd power series, for |u| well below 1. */
    private static BigDecimal atanhTimesTwo(BigDecimal u) {
        BigDecimal u2 = u.multiply(u, MC);
        BigDecimal power = u;
        BigDecimal sum = u;
        for (int n = 3; n < RECIPROCAL.length && power.signum() != 0; n += 2) {
            power = power.multiply(u2, MC);
            BigDecimal term = power.multiply(RECIPROCAL[n], MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPSILON.multiply(sum.abs())) <= 0) {
                break;
            }
        }
        return sum.multiply(TWO, MC);
    }

    /** atan2(y, x) for finite non-zero operands, in (-pi, pi]. */
    static BigDecimal atan2(Float80 y, Float80 x) {
        BigDecimal ay = exact(y).abs();
        BigDecimal ax = exact(x).abs();
        boolean swap = ay.compareTo(ax) > 0;
        BigDecimal t = swap ? ax.divide(ay, MC) : ay.divide(ax, MC);
        // Two half-angle steps bring t below tan(pi/16) so the series converges fast.
        for (int i = 0; i < 2; i++) {
            BigDecimal root = BigDecimal.ONE.add(t.multiply(t, MC)).sqrt(MC);
            t = t.divide(BigDecimal.ONE.add(root), MC);
        }
        BigDecimal angle = atanSeries(t).multiply(BigDecimal.valueOf(4), MC);
        if (swap) {
            angle = PI.divide(TWO).subtract(angle, MC);
        }
        if (x.negative()) {
            angle = PI.subtract(angle, MC);
        }
        return y.negative() ? angle.negate() : angle;
    }

    private static BigDecimal atanSeries(BigDecimal t) {
        BigDecimal t2 = t.multiply(t, MC);
        BigDecimal power = t;
        BigDecimal sum = t;
        for (int n = 3; n < RECIPROCAL.length && power.signum() != 0; n += 2) {
            power = power.multiply(t2, MC).negate();
            BigDecimal term = power.multiply(RECIPROCAL[n], MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPSILON.multiply(sum.abs())) <= 0) {
                break;
            }
        }
        return sum;
    }

    static BigDecimal exact(Float80 v) {
        return exactScaled(v.exact(), 0);
    }

    /** The exact decimal value of x * 2^scale. */
    private static BigDecimal exactScaled(Exact x, int scale) {
        int exponent = x.exponent() + scale;
        BigDecimal v = exponent >= 0
                ? new BigDecimal(x.magnitude().shiftLeft(exponent))
                : new BigDecimal(x.magnitude().multiply(BigInteger.valueOf(5).pow(-exponent)), -exponent);
        return x.negative() ? v.negate() : v;
    }

    /** Rounds a high-precision value into a register with the given rounding; raises PE. */
    static Float80 toFloat80(BigDecimal v, Rounding rc, Flags f) {
        if (v.signum() == 0) {
            return Float80.POSITIVE_ZERO;
        }
        boolean negative = v.signum() < 0;
        BigDecimal a = v.abs();
        // Scale by 2^k so the integer part has about 140 bits, keeping the rest as a sticky bit.
        int decimalExponent = a.precision() - a.scale() - 1;
        int k = 140 - (int) Math.floor(decimalExponent * 3.3219280948873623);
        BigInteger unscaled = a.unscaledValue();
        int scale = a.scale();
        BigInteger numerator = unscaled;
        BigInteger denominator = BigInteger.ONE;
        if (scale > 0) {
            denominator = BigInteger.TEN.pow(scale);
        } else {
            numerator = numerator.multiply(BigInteger.TEN.pow(-scale));
        }
        if (k >= 0) {
            numerator = numerator.shiftLeft(k);
        } else {
            denominator = denominator.shiftLeft(-k);
        }
        BigInteger[] qr = numerator.divideAndRemainder(denominator);
        BigInteger m = qr[0].shiftLeft(1);
        if (qr[1].signum() != 0) {
            m = m.setBit(0);
        }
        f.raise(Flags.PE); // transcendental results are never exact here
        return RealFormat.toFloat80(RealFormat.EXTENDED.round(new Exact(negative, m, -k - 1),
                64, rc, f, true));
    }
}
