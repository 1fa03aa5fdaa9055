package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * An exact finite real, (-1)^negative * magnitude * 2^exponent, the intermediate form every
 * arithmetic operation produces before a single correct rounding.
 */
record Exact(boolean negative, BigInteger magnitude, int exponent) {

    boolean isZero() {
        return magnitude.signum() == 0;
    }

    /** Exponent of the leading bit: the value lies in [2^e, 2^(e+1)). Undefined for zero. */
    int leadingExponent() {
        return exponent + magnitude.bitLength() - 1;
    }

    /** The signed magnitude scaled to the common exponent {@code base <= exponent}. */
    BigInteger alignedTo(int base) {
        BigInteger m = magnitude.shiftLeft(exponent - base);
        return negative ? m.negate() : m;
    }
}
