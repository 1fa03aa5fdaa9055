package dev.tern.x86.fpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The 128-bit fast paths of add, multiply, divide and square root must agree bit for bit (result, exception flags,
 * C1) with the exact BigInteger paths, in every rounding mode and precision, including carries,
 * cancellation and huge exponent differences.
 */
class FastPathTest {

    private static final long[] EDGE_SIGNIFICANDS = {
        0x8000_0000_0000_0000L, 0xFFFF_FFFF_FFFF_FFFFL, 0x8000_0000_0000_0001L,
        0xFFFF_FF80_0000_0000L, 0xFFFF_FFFF_FFFF_F800L, 0xC000_0000_0000_0000L,
        0x8000_0080_0000_0000L, 0x8000_0000_0000_0400L,
    };

    private static Float80 random(Random r) {
        long sig = r.nextInt(4) == 0 ? EDGE_SIGNIFICANDS[r.nextInt(EDGE_SIGNIFICANDS.length)]
                : r.nextLong() | Float80.INTEGER_BIT;
        int exponent = Float80.BIAS + r.nextInt(300) - 150;
        return new Float80((r.nextBoolean() ? 0x8000 : 0) | exponent, sig);
    }

    @Test
    void unsignedDivisionMatchesBigInteger() {
        Random r = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            long v = r.nextLong() | Long.MIN_VALUE;
            long u1 = Long.remainderUnsigned(r.nextLong(), v);
            long u0 = r.nextInt(5) == 0 ? 0 : r.nextLong();
            java.math.BigInteger n = new java.math.BigInteger(Long.toUnsignedString(u1))
                    .shiftLeft(64).add(new java.math.BigInteger(Long.toUnsignedString(u0)));
            java.math.BigInteger d = new java.math.BigInteger(Long.toUnsignedString(v));
            assertEquals(n.divide(d).longValue(), UnsignedDivision.divide(u1, u0, v));
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> UnsignedDivision.divide(5, 0, 3));
    }

    @Test
    void squareRootsOfPerfectSquaresAreExact() {
        for (long root : new long[] {1, 2, 3, 1L << 31, 3037000499L, 0x7FFFFFFFL, 123456789L}) {
            long n = root * root;
            Flags f = new Flags(0x3F);
            Float80 result = new Float80Math(64, Rounding.NEAREST, f).sqrt(Float80.fromLong(n));
            assertEquals(Float80.fromLong(root), result, "sqrt " + n);
            assertEquals(0, f.raised, "exact root of " + n);
        }
    }

    @Test
    void fastAndExactPathsAgree() {
        Random r = new Random(128);
        int[] precisions = {24, 53, 64};
        for (int i = 0; i < 20_000; i++) {
            Float80 a = random(r);
            Float80 b = r.nextInt(8) == 0 ? a.negate() : random(r);
            if (r.nextInt(4) == 0) { // nearby exponents exercise cancellation and carries
                b = new Float80(b.signExp() & 0x8000 | a.exponent() - r.nextInt(3), b.significand());
            }
            Rounding rc = Rounding.values()[r.nextInt(4)];
            int p = precisions[r.nextInt(3)];
            String what = a + " " + b + " " + rc + " p" + p;
            for (int op = 0; op < 4; op++) {
                Flags fastFlags = new Flags(0x3F);
                Flags exactFlags = new Flags(0x3F);
                Float80Math fast = new Float80Math(p, rc, fastFlags);
                Float80Math exact = new Float80Math(p, rc, exactFlags);
                String name = new String[] {"add ", "mul ", "div ", "sqrt "}[op] + what;
                Float80 expected = switch (op) {
                    case 0 -> exact.exactAdd(a, b);
                    case 1 -> exact.exactMultiply(a, b);
                    case 2 -> exact.exactDivide(a, b);
                    default -> exact.exactSqrt(a.abs());
                };
                Float80 actual = switch (op) {
                    case 0 -> fast.add(a, b);
                    case 1 -> fast.multiply(a, b);
                    case 2 -> fast.divide(a, b);
                    default -> fast.sqrt(a.abs());
                };
                assertEquals(expected, actual, name);
                assertEquals(exactFlags.raised, fastFlags.raised, "flags " + name);
                assertEquals(exactFlags.roundedUp, fastFlags.roundedUp, "C1 " + name);
            }
        }
    }
}
