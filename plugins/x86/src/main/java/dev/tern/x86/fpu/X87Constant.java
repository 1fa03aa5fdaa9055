package dev.tern.x86.fpu;

import java.math.BigInteger;

/**
 * The constants of D9 E8..EE, held to 128 bits and rounded to 64 in the current rounding mode
 * as every x87 since the 387 does (without raising PE).
 */
enum X87Constant {
    ONE(0x3FFF, "8000000000000000", "0000000000000000"),
    LOG2_10(0x4000, "D49A784BCD1B8AFE", "492BF6FF4DAFDB4C"),
    LOG2_E(0x3FFF, "B8AA3B295C17F0BB", "BE87FED0691D3E88"),
    PI(0x4000, "C90FDAA22168C234", "C4C6628B80DC1CD1"),
    LOG10_2(0x3FFD, "9A209A84FBCFF798", "8F8959AC0B7C9178"),
    LN_2(0x3FFE, "B17217F7D1CF79AB", "C9E3B39803F2F6AF"),
    ZERO(0, "0", "0");

    private final int exponent;
    private final BigInteger significand128;

    X87Constant(int exponent, String high, String low) {
        this.exponent = exponent;
        this.significand128 = new BigInteger(high + String.format("%16s", low).replace(' ', '0'), 16);
    }

    Float80 value(Rounding rc) {
        if (this == ZERO) {
            return Float80.POSITIVE_ZERO;
        }
        RealFormat.Rounded r = RealFormat.roundAt(false, significand128, 0, 64, 64, rc,
                new Flags(0x3F));
        long sig = r.sig().shiftLeft(r.lsb() - 64).longValue();
        return new Float80(exponent, sig);
    }
}
