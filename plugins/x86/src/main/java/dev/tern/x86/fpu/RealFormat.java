package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * The three binary floating-point formats the x87 reads and writes, with the single correct
 * rounding step every arithmetic result and every store goes through.
 */
enum RealFormat {
    SINGLE(24, 8), DOUBLE(53, 11), EXTENDED(64, 15);

    /**
     * When overflow/underflow are unmasked and the destination is a register, the x87 delivers
     * the result with its exponent wrapped by this amount so a handler can still use it.
     */
    static final int WRAP = 24576;

    final int precision;
    final int bias;
    final int emin;
    final int emax;
    /** Exponent of the least significant bit of a denormal. */
    final int denormalLsb;
    private final int maxBiased;

    RealFormat(int precision, int exponentBits) {
        this.precision = precision;
        this.bias = (1 << (exponentBits - 1)) - 1;
        this.emax = bias;
        this.emin = 1 - bias;
        this.denormalLsb = emin - (precision - 1);
        this.maxBiased = (1 << exponentBits) - 1;
    }

    /** A rounded finite value sig * 2^lsb, or an infinity; sig has at most `precision` bits. */
    record Rounded(boolean negative, BigInteger sig, int lsb, boolean infinite) {
        int leadingExponent() {
            return lsb + sig.bitLength() - 1;
        }
    }

    /**
     * Rounds an exact value to {@code precision} significant bits within this format's exponent
     * range. For register destinations unmasked overflow/underflow wrap the exponent (#O/#U
     * response); otherwise the masked responses apply. Tininess is detected before rounding.
     */
    Rounded round(Exact x, int precision, Rounding rc, Flags f, boolean registerDestination) {
        if (x.isZero()) {
            return new Rounded(x.negative(), BigInteger.ZERO, 0, false);
        }
        int exponent = x.exponent();
        int lead = x.leadingExponent();
        boolean tiny = lead < emin;
        if (tiny && registerDestination && !f.isMasked(Flags.UE)) {
            f.raise(Flags.UE);
            exponent += WRAP;
            lead += WRAP;
            tiny = false;
        }
        int before = f.raised;
        Rounded r = roundAt(x.negative(), x.magnitude(), exponent,
                Math.max(lead - precision + 1, denormalLsb), precision, rc, f);
        if (r.sig.signum() != 0 && r.leadingExponent() > emax) {
            if (registerDestination && !f.isMasked(Flags.OE)) {
                f.raised = before | Flags.OE;
                f.roundedUp = false;
                return roundAt(x.negative(), x.magnitude(), exponent - WRAP,
                        lead - WRAP - precision + 1, precision, rc, f);
            }
            return overflow(x.negative(), precision, rc, f);
        }
        boolean inexact = (f.raised & ~before & Flags.PE) != 0;
        if (tiny && inexact) {
            f.raise(Flags.UE);
        } else if (tiny && !f.isMasked(Flags.UE)) {
            f.raise(Flags.UE); // unmasked underflow reports tiny results even when exact
        }
        return r;
    }

    private Rounded overflow(boolean negative, int precision, Rounding rc, Flags f) {
        f.raise(Flags.OE | Flags.PE);
        boolean toInfinity = switch (rc) {
            case NEAREST -> true;
            case ZERO -> false;
            case DOWN -> negative;
            case UP -> !negative;
        };
        f.roundedUp = toInfinity;
        if (toInfinity) {
            return new Rounded(negative, BigInteger.ZERO, 0, true);
        }
        BigInteger max = BigInteger.ONE.shiftLeft(precision).subtract(BigInteger.ONE);
        return new Rounded(negative, max, emax - precision + 1, false);
    }

    /** Rounds magnitude * 2^exponent to a multiple of 2^lsb. */
    static Rounded roundAt(boolean negative, BigInteger magnitude, int exponent, int lsb,
                           int precision, Rounding rc, Flags f) {
        int shift = lsb - exponent;
        if (shift <= 0) {
            return new Rounded(negative, magnitude.shiftLeft(-shift), lsb, false);
        }
        BigInteger q = magnitude.shiftRight(shift);
        int lowest = magnitude.getLowestSetBit();
        boolean inexact = lowest < shift;
        if (inexact) {
            f.raise(Flags.PE);
            boolean half = magnitude.testBit(shift - 1);
            boolean below = lowest < shift - 1;
            if (rc.increments(negative, q.testBit(0), half, below)) {
                q = q.add(BigInteger.ONE);
                f.roundedUp = true;
            }
        }
        if (q.bitLength() > precision) {
            q = q.shiftRight(1); // carried into a new power of two: the dropped bit is zero
            lsb++;
        }
        return new Rounded(negative, q, lsb, false);
    }

    /** Encodes a rounded value of this format's range as an extended register value. */
    static Float80 toFloat80(Rounded r) {
        if (r.infinite) {
            return Float80.infinity(r.negative);
        }
        if (r.sig.signum() == 0) {
            return Float80.zero(r.negative);
        }
        int sign = r.negative ? 0x8000 : 0;
        int lead = r.leadingExponent();
        if (lead >= EXTENDED.emin) {
            long mant = r.sig.shiftLeft(64 - r.sig.bitLength()).longValue();
            return new Float80(sign | (lead + EXTENDED.bias), mant);
        }
        long mant = r.sig.shiftLeft(r.lsb - EXTENDED.denormalLsb).longValue();
        return new Float80(sign, mant);
    }

    /** Encodes a rounded value as SINGLE or DOUBLE bits (implicit integer bit). */
    long toBits(Rounded r) {
        long sign = r.negative ? 1L << (precision - 1 + exponentBits()) : 0;
        if (r.infinite) {
            return sign | (long) maxBiased << (precision - 1);
        }
        if (r.sig.signum() == 0) {
            return sign;
        }
        long fractionMask = (1L << (precision - 1)) - 1;
        int lead = r.leadingExponent();
        if (lead >= emin) {
            long frac = r.sig.shiftLeft(precision - r.sig.bitLength()).longValue() & fractionMask;
            return sign | (long) (lead + bias) << (precision - 1) | frac;
        }
        return sign | r.sig.shiftLeft(r.lsb - denormalLsb).longValue();
    }

    private int exponentBits() {
        return Integer.bitCount(maxBiased);
    }

    /** The bits of this format's default QNaN ("indefinite"). */
    long indefiniteBits() {
        long sign = 1L << (precision - 1 + exponentBits());
        return sign | (long) maxBiased << (precision - 1) | 1L << (precision - 2);
    }

    /** Decodes SINGLE or DOUBLE bits exactly; SNaNs are quieted (IE), denormals raise DE. */
    Float80 decode(long bits, Flags f) {
        int expBits = exponentBits();
        boolean negative = (bits >>> (precision - 1 + expBits) & 1) != 0;
        int biased = (int) (bits >>> (precision - 1)) & maxBiased;
        long frac = bits & ((1L << (precision - 1)) - 1);
        int sign = negative ? 0x8000 : 0;
        if (biased == maxBiased) {
            if (frac == 0) {
                return Float80.infinity(negative);
            }
            long sig = Float80.INTEGER_BIT | frac << (64 - precision);
            if ((sig & Float80.QUIET_BIT) == 0) {
                f.raise(Flags.IE);
                sig |= Float80.QUIET_BIT;
            }
            return new Float80(sign | Float80.MAX_EXPONENT, sig);
        }
        if (biased == 0) {
            if (frac == 0) {
                return Float80.zero(negative);
            }
            f.raise(Flags.DE);
            int lead = 63 - Long.numberOfLeadingZeros(frac);
            int exponent = denormalLsb + lead;
            return new Float80(sign | (exponent + EXTENDED.bias), frac << (63 - lead));
        }
        long sig = Float80.INTEGER_BIT | frac << (64 - precision);
        return new Float80(sign | (biased - bias + EXTENDED.bias), sig);
    }

    /**
     * Encodes a normal value whose exponent is inside this format's normal range with long
     * arithmetic; -1 (never a valid encoding result here) when the exact path must decide.
     */
    private long fastEncode(Float80 v, Rounding rc, Flags f) {
        int lead = v.exponent() - Float80.BIAS;
        if (lead < emin || lead > emax) {
            return -1;
        }
        long sig = FastRound.round(v.negative(), v.significand(), 0, precision, rc);
        int exponent = lead;
        if (sig == 0) {
            sig = Float80.INTEGER_BIT;
            exponent++;
            if (exponent > emax) {
                return -1;
            }
        }
        if (FastRound.inexact(v.significand(), 0, precision)) {
            f.raise(Flags.PE);
            if (exponent != lead || sig != FastRound.truncated(v.significand(), precision)) {
                f.roundedUp = true;
            }
        }
        long sign = v.negative() ? 1L << (precision - 1 + exponentBits()) : 0;
        return sign | (long) (exponent + bias) << (precision - 1) | (sig << 1) >>> (65 - precision);
    }

    /** Converts a register value to this format's bits for FST/FSTP, with masked responses. */
    long encode(Float80 v, int precisionBits, Rounding rc, Flags f) {
        return switch (v.kind()) {
            case UNSUPPORTED -> {
                f.raise(Flags.IE);
                yield indefiniteBits();
            }
            case SNAN, QNAN -> {
                if (v.kind() == Float80.Kind.SNAN) {
                    f.raise(Flags.IE);
                }
                long sign = v.negative() ? 1L << (precision - 1 + exponentBits()) : 0;
                long frac = (v.significand() | Float80.QUIET_BIT) << 1 >>> (65 - precision);
                yield sign | (long) maxBiased << (precision - 1) | frac;
            }
            case INFINITY, ZERO -> toBits(new Rounded(v.negative(), BigInteger.ZERO, 0,
                    v.kind() == Float80.Kind.INFINITY));
            case DENORMAL, NORMAL -> {
                if (v.kind() == Float80.Kind.DENORMAL) {
                    f.raise(Flags.DE);
                } else if (precisionBits == precision) {
                    long fast = fastEncode(v, rc, f);
                    if (fast != -1) {
                        yield fast;
                    }
                }
                yield toBits(round(v.exact(), precisionBits, rc, f, false));
            }
        };
    }
}
