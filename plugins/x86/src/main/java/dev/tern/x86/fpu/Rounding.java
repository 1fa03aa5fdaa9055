package dev.tern.x86.fpu;

/** The four rounding modes of the x87 control word's RC field (bits 10..11). */
public enum Rounding {
    NEAREST, DOWN, UP, ZERO;

    static Rounding fromControlWord(int cw) {
        return values()[(cw >> 10) & 3];
    }

    /** Whether a value of the given sign whose discarded part is non-zero rounds away from zero. */
    boolean increments(boolean negative, boolean lsbOdd, boolean half, boolean belowHalfNonZero) {
        return switch (this) {
            case NEAREST -> half && (belowHalfNonZero || lsbOdd);
            case DOWN -> negative && (half || belowHalfNonZero);
            case UP -> !negative && (half || belowHalfNonZero);
            case ZERO -> false;
        };
    }
}
