package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fixed-point {@link ElementaryFunctions} against the independent BigDecimal reference
 * (different arithmetic, decimal series, different reductions): both are correctly rounded up
 * to ~2^-69, so on random operands they must agree bit for bit, in every rounding mode.
 */
class ElementaryFunctionsTest {

    private static final int SAMPLES = 400;

    private static Float80 random(Random r, int minExponent, int maxExponent) {
        long sig = r.nextLong() | Float80.INTEGER_BIT;
        int exponent = Float80.BIAS + minExponent + r.nextInt(maxExponent - minExponent + 1);
        return new Float80((r.nextBoolean() ? 0x8000 : 0) | exponent, sig);
    }

    private static Float80 reference(BigDecimal v, Rounding rc) {
        return BigDecimalElementaryFunctions.toFloat80(v, rc, new Flags(0x3F));
    }

    @Test
    void trigonometryAgreesWithTheReference() {
        Random r = new Random(1);
        for (int i = 0; i < SAMPLES; i++) {
            Float80 x = random(r, -60, 62); // the 40-digit reference cannot resolve 1 - x^2/2 below
            Rounding rc = Rounding.values()[r.nextInt(4)];
            for (ElementaryFunctions.Trig fn : ElementaryFunctions.Trig.values()) {
                BigDecimal expected = BigDecimalElementaryFunctions.trig(x,
                        BigDecimalElementaryFunctions.Trig.valueOf(fn.name()));
                assertEquals(reference(expected, rc),
                        ElementaryFunctions.trig(x, fn).round(rc, new Flags(0x3F)), fn + " " + x + " " + rc);
            }
        }
    }

    @Test
    void exponentialsAndLogarithmsAgreeWithTheReference() {
        Random r = new Random(2);
        for (int i = 0; i < SAMPLES; i++) {
            Rounding rc = Rounding.values()[r.nextInt(4)];
            Float80 small = random(r, -80, -1);
            assertEquals(reference(BigDecimalElementaryFunctions.twoToXMinusOne(small), rc),
                    ElementaryFunctions.twoToXMinusOne(small).round(rc, new Flags(0x3F)), "f2xm1 " + small);
            Float80 positive = random(r, -2000, 2000).abs();
            if (positive.significand() != Float80.INTEGER_BIT) {
                assertEquals(reference(BigDecimalElementaryFunctions.log2(positive), rc),
                        ElementaryFunctions.log2(positive).round(rc, new Flags(0x3F)), "log2 " + positive);
            }
            Float80 near = random(r, -90, -3);
            assertEquals(reference(BigDecimalElementaryFunctions.log2OnePlus(near), rc),
                    ElementaryFunctions.log2OnePlus(near).round(rc, new Flags(0x3F)), "log2(1+x) " + near);
        }
    }

    @Test
    void vanishingSeriesTailsStillRoundInTheRightDirection() {
        Float80 tiny = new Float80(Float80.BIAS - 100, Float80.INTEGER_BIT);
        Flags f = new Flags(0x3F);
        assertEquals(new Float80(Float80.BIAS - 1, -1L),
                ElementaryFunctions.trig(tiny, ElementaryFunctions.Trig.COS).round(Rounding.DOWN, f),
                "cos(2^-100) rounded down is just below 1");
        assertEquals(new Float80(Float80.BIAS - 101, -1L),
                ElementaryFunctions.trig(tiny, ElementaryFunctions.Trig.SIN).round(Rounding.ZERO, f),
                "sin(2^-100) rounded toward zero is just below 2^-100");
        assertEquals(new Float80(Float80.BIAS - 100, Float80.INTEGER_BIT),
                ElementaryFunctions.trig(tiny, ElementaryFunctions.Trig.SIN).round(Rounding.NEAREST, f));
        Float80 minute = new Float80(Float80.BIAS - 9000, Float80.INTEGER_BIT);
        assertEquals(new Float80(Float80.BIAS - 9001, -1L),
                ElementaryFunctions.trig(minute, ElementaryFunctions.Trig.SIN).round(Rounding.ZERO, f),
                "sin(2^-9000) rounded toward zero");
        Float80 expm1 = ElementaryFunctions.twoToXMinusOne(tiny.negate()).round(Rounding.UP, f);
        assertEquals(0x8000 | (Float80.BIAS - 101), expm1.signExp(), "2^-2^-100 - 1 ~ -ln2 * 2^-100");
        assertEquals(Flags.PE, f.raised);
    }

    @Test
    void arctangentAgreesWithTheReference() {
        Random r = new Random(3);
        for (int i = 0; i < SAMPLES; i++) {
            Rounding rc = Rounding.values()[r.nextInt(4)];
            Float80 y = random(r, -40, 40);
            Float80 x = random(r, -40, 40);
            assertEquals(reference(BigDecimalElementaryFunctions.atan2(y, x), rc),
                    ElementaryFunctions.atan2(y, x).round(rc, new Flags(0x3F)), "atan2 " + y + " " + x);
        }
    }
}
