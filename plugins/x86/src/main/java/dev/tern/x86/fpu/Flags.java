package dev.tern.x86.fpu;

/**
 * Exception flags and the C1 "rounded up" bit an operation raises; the X87 folds them into the
 * status word once per instruction and decides from the mask whether the result may be written.
 */
final class Flags {
    static final int IE = 0x01;
    static final int DE = 0x02;
    static final int ZE = 0x04;
    static final int OE = 0x08;
    static final int UE = 0x10;
    static final int PE = 0x20;
    static final int SF = 0x40;

    /** Exceptions detected before a result exists: unmasked, they suppress the write. */
    static final int PRE_COMPUTATION = IE | DE | ZE;

    int raised;
    boolean roundedUp;
    /** Exceptions that are masked (control word bits 0..5); only overflow/underflow read this. */
    final int masked;

    Flags(int controlWord) {
        this.masked = controlWord & 0x3F;
    }

    void raise(int bits) {
        raised |= bits;
    }

    boolean isMasked(int bit) {
        return (masked & bit) != 0;
    }
}
