package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property checks of the soft-float core against independent references: Java's IEEE double
 * and float arithmetic (with precision control 53/24 the x87 rounds exactly once to the same
 * significand width), and exact BigDecimal error bounds for full 64-bit results.
 */
class Float80MathTest {

    private static final int SAMPLES = 3000;

    private static Float80 ext(double d) {
        return Transcendental.toFloat80(d);
    }

    private static double dbl(Float80 v) {
        return Transcendental.toDouble(v);
    }

    private static double randomDouble(Random r) {
        return randomDouble(r, 100);
    }

    /** Exponents within +-range keep products and quotients clear of the denormal range. */
    private static double randomDouble(Random r, int range) {
        double mantissa = 1 + r.nextDouble();
        int exponent = r.nextInt(2 * range) - range;
        return (r.nextBoolean() ? -1 : 1) * Math.scalb(mantissa, exponent);
    }

    @Test
    void precisionControl53MatchesIeeeDouble() {
        Random random = new Random(53);
        Float80Math m = new Float80Math(53, Rounding.NEAREST, new Flags(0x3F));
        for (int i = 0; i < SAMPLES; i++) {
            double a = randomDouble(random);
            double b = randomDouble(random);
            assertEquals(a + b, dbl(m.add(ext(a), ext(b))), a + " + " + b);
            assertEquals(a - b, dbl(m.subtract(ext(a), ext(b))), a + " - " + b);
            assertEquals(a * b, dbl(m.multiply(ext(a), ext(b))), a + " * " + b);
            assertEquals(a / b, dbl(m.divide(ext(a), ext(b))), a + " / " + b);
            assertEquals(Math.sqrt(Math.abs(a)), dbl(m.sqrt(ext(Math.abs(a)))), "sqrt " + a);
        }
    }

    @Test
    void precisionControl24MatchesIeeeFloat() {
        Random random = new Random(24);
        Float80Math m = new Float80Math(24, Rounding.NEAREST, new Flags(0x3F));
        for (int i = 0; i < SAMPLES; i++) {
            float a = (float) randomDouble(random, 60);
            float b = (float) randomDouble(random, 60);
            assertEquals(a * b, (float) dbl(m.multiply(ext(a), ext(b))), a + " * " + b);
            assertEquals(a / b, (float) dbl(m.divide(ext(a), ext(b))), a + " / " + b);
            assertEquals(a + b, (float) dbl(m.add(ext(a), ext(b))), a + " + " + b);
        }
    }

    @Test
    void fullPrecisionResultsAreWithinHalfAnUlpAndDirectedModesBracket() {
        Random random = new Random(64);
        for (int i = 0; i < SAMPLES; i++) {
            Float80 a = randomExtended(random);
            Float80 b = randomExtended(random);
            BigDecimal x = exact(a);
            BigDecimal y = exact(b);
            Float80 product = new Float80Math(64, Rounding.NEAREST, new Flags(0x3F)).multiply(a, b);
            assertWithinHalfUlp(x.multiply(y), product);
            Float80 sum = new Float80Math(64, Rounding.NEAREST, new Flags(0x3F)).add(a, b);
            assertWithinHalfUlp(x.add(y), sum);
            Float80 down = new Float80Math(64, Rounding.DOWN, new Flags(0x3F)).multiply(a, b);
            Float80 up = new Float80Math(64, Rounding.UP, new Flags(0x3F)).multiply(a, b);
            assertTrue(exact(down).compareTo(x.multiply(y)) <= 0, "down <= exact");
            assertTrue(exact(up).compareTo(x.multiply(y)) >= 0, "up >= exact");
            Float80 quotient = new Float80Math(64, Rounding.NEAREST, new Flags(0x3F)).divide(a, b);
            BigDecimal half = ulp(quotient).divide(BigDecimal.valueOf(2)).multiply(y.abs());
            assertTrue(x.subtract(exact(quotient).multiply(y)).abs().compareTo(half) <= 0,
                    "quotient within half an ulp: " + a + " / " + b);
            Float80 root = new Float80Math(64, Rounding.NEAREST, new Flags(0x3F)).sqrt(a.abs());
            BigDecimal h = ulp(root).divide(BigDecimal.valueOf(2));
            BigDecimal r = exact(root);
            assertTrue(r.subtract(h).pow(2).compareTo(x.abs()) <= 0
                    && r.add(h).pow(2).compareTo(x.abs()) >= 0, "sqrt within half an ulp: " + a);
        }
    }

    private static Float80 randomExtended(Random r) {
        long significand = r.nextLong() | Float80.INTEGER_BIT;
        int exponent = Float80.BIAS + r.nextInt(400) - 200;
        return new Float80((r.nextBoolean() ? 0x8000 : 0) | exponent, significand);
    }

    private static BigDecimal exact(Float80 v) {
        Exact e = v.exact();
        BigDecimal m = new BigDecimal(e.magnitude());
        BigDecimal scaled = e.exponent() >= 0
                ? m.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(e.exponent())))
                : m.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-e.exponent())));
        return e.negative() ? scaled.negate() : scaled;
    }

    private static BigDecimal ulp(Float80 v) {
        int lsb = v.exponent() - Float80.BIAS - 63;
        return lsb >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(lsb))
                : BigDecimal.ONE.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-lsb)));
    }

    private static void assertWithinHalfUlp(BigDecimal exact, Float80 rounded) {
        BigDecimal error = exact.subtract(exact(rounded)).abs();
        assertTrue(error.compareTo(ulp(rounded).divide(BigDecimal.valueOf(2))) <= 0,
                "error " + error + " exceeds half an ulp of " + rounded);
    }

    @Test
    void gradualUnderflowOverflowAndWrappedExponents() {
        Flags masked = new Flags(0x3F);
        Float80Math m = new Float80Math(64, Rounding.NEAREST, masked);
        Float80 tiny = m.scale(Float80.ONE, Float80.fromLong(-16400));
        assertEquals(new Float80(0, 1L << 45), tiny, "2^-16400 is an exact denormal");
        assertEquals(0, masked.raised & (Flags.UE | Flags.PE), "exact denormal: no underflow");
        Float80 third = m.divide(tiny, Float80.fromLong(3));
        assertEquals(Flags.UE | Flags.PE, masked.raised & (Flags.UE | Flags.PE), "inexact tiny");
        assertEquals(0, third.exponent());

        Flags overflow = new Flags(0x3F);
        Float80 inf = new Float80Math(64, Rounding.NEAREST, overflow)
                .scale(Float80.ONE, Float80.fromLong(20000));
        assertEquals(Float80.POSITIVE_INFINITY, inf);
        assertEquals(Flags.OE | Flags.PE, overflow.raised);
        assertTrue(overflow.roundedUp);

        Flags unmasked = new Flags(0x3F & ~Flags.OE);
        Float80 wrapped = new Float80Math(64, Rounding.NEAREST, unmasked)
                .scale(Float80.ONE, Float80.fromLong(20000));
        assertEquals(new Float80(Float80.BIAS + 20000 - RealFormat.WRAP, 1L << 63), wrapped);
        assertEquals(Flags.OE, unmasked.raised);
    }

    @Test
    void nanPropagationPrefersTheLargerSignificandAndQuietsSignalingNaNs() {
        Flags f = new Flags(0x3F);
        Float80Math m = new Float80Math(64, Rounding.NEAREST, f);
        Float80 small = new Float80(0x7FFF, 0xC000_0000_0000_0001L);
        Float80 signaling = new Float80(0xFFFF, 0x8000_0000_0000_0100L);
        assertEquals(new Float80(0xFFFF, 0xC000_0000_0000_0100L), m.add(small, signaling));
        assertEquals(Flags.IE, f.raised);
        assertEquals(Float80.INDEFINITE, m.subtract(Float80.POSITIVE_INFINITY,
                Float80.POSITIVE_INFINITY));
        assertEquals(Float80.INDEFINITE, m.multiply(Float80.NEGATIVE_ZERO, Float80.POSITIVE_INFINITY));
        assertEquals(Float80.INDEFINITE, m.sqrt(Float80.ONE.negate()));
        assertEquals(Float80.NEGATIVE_ZERO, m.sqrt(Float80.NEGATIVE_ZERO));
        assertEquals(Float80.INDEFINITE, m.add(new Float80(0x4000, 0x4000_0000_0000_0000L),
                Float80.ONE), "unnormals are unsupported");
    }

    @Test
    void transcendentalsAgreeWithDoubleReferences() {
        Flags f = new Flags(0x3F);
        Transcendental t = new Transcendental(new Float80Math(64, Rounding.NEAREST, f), f, Rounding.NEAREST);
        assertEquals(Math.PI / 4, dbl(t.atan2(Float80.ONE, Float80.ONE)), 1e-16);
        assertEquals(Math.sqrt(2) - 1, dbl(t.twoToXMinusOne(ext(0.5))), 2 * Math.ulp(0.41));
        assertEquals(-0.5, dbl(t.twoToXMinusOne(ext(-1))), 0);
        assertEquals(Math.log1p(0.25) / Math.log(2) * 3,
                dbl(t.yLog2XPlusOne(Float80.fromLong(3), ext(0.25))), 1e-15);
        assertEquals(-10.0, dbl(t.yLog2X(Float80.fromLong(1), ext(0x1p-10))), 0);
        assertEquals(Math.PI, dbl(t.atan2(Float80.POSITIVE_ZERO, ext(-2))), 0);
        assertEquals(Float80.NEGATIVE_INFINITY, t.yLog2X(Float80.ONE, Float80.POSITIVE_ZERO));
        assertEquals(Flags.ZE, f.raised & Flags.ZE);
    }
}
