package dev.tern.x86.fpu;

import java.math.BigInteger;

/** Register-to-integer and packed-BCD conversions (FIST/FISTP/FISTTP, FBLD/FBSTP). */
final class IntegerConversion {

    private static final BigInteger BCD_LIMIT = BigInteger.TEN.pow(18);

    private IntegerConversion() {
    }

    /**
     * Converts to a two's-complement integer of {@code bits} bits with the given rounding. Out of
     * range, NaN and infinity raise IE and give the "integer indefinite" (only the sign bit set).
     */
    static long toInteger(Float80 v, int bits, Rounding mode, Flags f) {
        long indefinite = 1L << (bits - 1);
        if (!v.isFinite()) {
            f.raise(Flags.IE);
            return indefinite;
        }
        if (v.isZero()) {
            return 0;
        }
        if (v.kind() == Float80.Kind.DENORMAL) {
            f.raise(Flags.DE);
        }
        if (v.kind() == Float80.Kind.NORMAL && v.exponent() - Float80.BIAS <= 61) {
            return fastToInteger(v, bits, mode, f);
        }
        int before = f.raised;
        boolean roundedUp = f.roundedUp;
        BigInteger n = Float80Math.integerValue(v.exact(), mode, f);
        BigInteger signed = v.negative() ? n.negate() : n;
        if (signed.bitLength() > bits - 1) {
            f.raised = before | Flags.IE;
            f.roundedUp = roundedUp;
            return indefinite;
        }
        return signed.longValue();
    }

    /** Magnitudes below 2^62: rounding with long arithmetic. */
    private static long fastToInteger(Float80 v, int bits, Rounding mode, Flags f) {
        long sig = v.significand();
        int lead = v.exponent() - Float80.BIAS;
        long magnitude;
        boolean half;
        boolean sticky;
        if (lead >= 0) {
            magnitude = sig >>> (63 - lead);
            long fraction = sig << (lead + 1);
            half = fraction < 0;
            sticky = (fraction << 1) != 0;
        } else {
            magnitude = 0;
            half = lead == -1;
            sticky = lead < -1 || (sig << 1) != 0;
        }
        boolean up = mode.increments(v.negative(), (magnitude & 1) != 0, half, sticky);
        if (up) {
            magnitude++;
        }
        long signed = v.negative() ? -magnitude : magnitude;
        long limit = 1L << (bits - 1);
        if (bits < 64 && (signed < -limit || signed > limit - 1)) {
            f.raise(Flags.IE);
            return limit;
        }
        if (half || sticky) {
            f.raise(Flags.PE);
            f.roundedUp |= up;
        }
        return signed;
    }

    /** FBLD: 18 packed BCD digits plus a sign byte; exact. */
    static Float80 loadBcd(X87Memory mem) {
        long value = 0;
        for (int i = 8; i >= 0; i--) {
            int b = mem.readU8(i);
            value = value * 100 + ((b >> 4) & 0xF) * 10 + (b & 0xF);
        }
        boolean negative = (mem.readU8(9) & 0x80) != 0;
        if (value == 0) {
            return Float80.zero(negative);
        }
        return Float80.fromLong(negative ? -value : value);
    }

    /**
     * FBSTP: the 10-byte packed BCD image of v rounded with the given mode; out of range, NaN
     * and infinity raise IE and give the BCD indefinite.
     */
    static byte[] toBcd(Float80 v, Rounding mode, Flags f) {
        byte[] image = new byte[10];
        BigInteger n = BigInteger.ZERO;
        boolean invalid = !v.isFinite();
        if (!invalid && !v.isZero()) {
            if (v.kind() == Float80.Kind.DENORMAL) {
                f.raise(Flags.DE);
            }
            int before = f.raised;
            boolean roundedUp = f.roundedUp;
            n = Float80Math.integerValue(v.exact(), mode, f);
            if (n.compareTo(BCD_LIMIT) >= 0) {
                invalid = true;
                f.raised = before;
                f.roundedUp = roundedUp;
            }
        }
        if (invalid) {
            f.raise(Flags.IE);
            image[7] = (byte) 0xC0;
            image[8] = (byte) 0xFF;
            image[9] = (byte) 0xFF;
            return image;
        }
        long value = n.longValue();
        for (int i = 0; i < 9; i++) {
            int low = (int) (value % 10);
            value /= 10;
            int high = (int) (value % 10);
            value /= 10;
            image[i] = (byte) (high << 4 | low);
        }
        image[9] = (byte) (v.negative() ? 0x80 : 0);
        return image;
    }
}
