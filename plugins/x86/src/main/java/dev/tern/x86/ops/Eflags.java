package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.PF;
import static dev.tern.x86.core.CpuCore.SF;
import static dev.tern.x86.core.CpuCore.STATUS;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;

/**
 * EFLAGS with lazily evaluated status flags. The common flag-setting instructions (ADD/ADC/SUB/
 * SBB/CMP/NEG, AND/OR/XOR/TEST, INC/DEC) only record what they computed — a {@link Kind}-like code,
 * both operands, the masked result and the operand size — and CF/PF/AF/ZF/SF/OF are derived from
 * that record when someone reads them. Most results are overwritten before anyone looks, and
 * Jcc/SETcc/CMOVcc after CMP or TEST evaluate their condition straight from the operands.
 *
 * <p>{@link #get()} always returns the architectural value, bit for bit what eager evaluation gave.
 * Bits outside {@link CpuCore#STATUS} are never lazy, so IF/DF/TF/IOPL/VM reads cost nothing.
 */
public final class Eflags {

    /** Record kinds: NONE means {@link #bits} holds the status flags themselves. */
    public static final int NONE = 0, ADD = 1, ADC = 2, SUB = 3, SBB = 4, LOGIC = 5,
            INC_CF0 = 6, INC_CF1 = 7, DEC_CF0 = 8, DEC_CF1 = 9;

    private static final byte[] PARITY = new byte[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (byte) ((Integer.bitCount(i) & 1) == 0 ? PF : 0);
        }
    }

    /** The architectural value, except the status bits while {@link #kind} is not NONE. */
    int bits = 2;
    int kind;
    int a;
    int b;
    /** The result masked to {@link #size} bytes. */
    int res;
    int size = 4;

    /** The architectural EFLAGS value (the status flags are evaluated and kept). */
    /**
     * Every flag, computed without materialising the lazy ones: reading the flags for a saved state or
     * a diagnostic changes nothing, so it cannot disturb the instruction stream that owns them.
     */
    public int peek() {
        return kind != NONE ? (bits & ~STATUS) | status() : bits;
    }

    public int get() {
        if (kind != NONE) {
            bits = (bits & ~STATUS) | status();
            kind = NONE;
        }
        return bits;
    }

    /** Replaces every flag. */
    public void set(int value) {
        checkpoint();
        bits = value;
        kind = NONE;
    }

    /** The bits of {@code mask}; free when the mask holds no status flag. */
    public int get(int mask) {
        if ((mask & STATUS) != 0 && kind != NONE) {
            return get() & mask;
        }
        return bits & mask;
    }

    /** Whether any flag of {@code mask} is set. */
    public boolean test(int mask) {
        return get(mask) != 0;
    }

    /**
     * Sets or clears control flags ({@code mask} without status flags) between instructions: no
     * rollback copy, since the next instruction takes its own checkpoint at its start. The run loop
     * marks every REP iteration with RF this way (tens of millions on a Linux boot).
     */
    public void putBetweenInstructions(int mask, boolean on) {
        if ((mask & STATUS) != 0) {
            throw new IllegalArgumentException("status flags are lazy: use put");
        }
        bits = on ? bits | mask : bits & ~mask;
    }

    /** Sets or clears the flags of {@code mask}. */
    public void put(int mask, boolean on) {
        int v = (mask & STATUS) != 0 ? get() : bits;
        checkpoint();
        bits = on ? v | mask : v & ~mask;
    }

    /** Replaces the status flags with {@code status}, leaving the others. */
    void setStatus(int status) {
        checkpoint();
        bits = (bits & ~STATUS) | (status & STATUS);
        kind = NONE;
    }

    /** Records a flag-setting result; {@code result} is already masked to {@code bytes}. */
    void record(int k, int x, int y, int result, int bytes) {
        checkpoint();
        kind = k;
        a = x;
        b = y;
        res = result;
        size = bytes;
    }

    /**
     * Records a flag-setting result as the instruction's last effect, when nothing after it can
     * fault: no rollback copy is needed, since a fault before this call leaves the flags as they
     * were. Saves the checkpoint's copies on the hottest block instructions (CMP, TEST, INC...).
     */
    public void recordLast(int k, int x, int y, int result, int bytes) {
        kind = k;
        a = x;
        b = y;
        res = result;
        size = bytes;
    }

    /** CF alone, without materialising the rest (ADC/SBB/INC/DEC/RCL read it). */
    public int cf() {
        return switch (kind) {
            case NONE -> bits & CF;
            // The 32-bit forms (most of them) straight from the recorded operands and result.
            case ADD -> size == 4 ? (Integer.compareUnsigned(res, a) < 0 ? CF : 0) : carry(ADD, a, b, size);
            case SUB -> size == 4 ? (Integer.compareUnsigned(a, b) < 0 ? CF : 0) : carry(SUB, a, b, size);
            case ADC, SBB -> carry(kind, a, b, size);
            case LOGIC, INC_CF0, DEC_CF0 -> 0;
            default -> CF;
        };
    }

    /** The six status flags described by the current record. */
    private int status() {
        int k = kind;
        int bitsMinus1 = size * 8 - 1;
        int r = res;
        int f = PARITY[r & 0xff] | (r == 0 ? ZF : 0) | (((r >>> bitsMinus1) & 1) != 0 ? SF : 0);
        if (k == LOGIC) {
            return f;
        }
        f |= (a ^ b ^ r) & AF;
        boolean subtract = k == SUB || k == SBB || k == DEC_CF0 || k == DEC_CF1;
        int overflow = subtract ? (a ^ b) & (a ^ r) : (a ^ r) & (b ^ r);
        if (((overflow >>> bitsMinus1) & 1) != 0) {
            f |= OF;
        }
        return f | switch (k) {
            case INC_CF1, DEC_CF1 -> CF;
            case INC_CF0, DEC_CF0 -> 0;
            default -> carry(k, a, b, size);
        };
    }

    private static int carry(int k, int x, int y, int size) {
        long m = Alu.mask(size);
        long ux = x & m;
        long uy = y & m;
        return switch (k) {
            case ADD -> ux + uy > m ? CF : 0;
            case ADC -> ux + uy + 1 > m ? CF : 0;
            case SUB -> ux < uy ? CF : 0;
            default -> ux < uy + 1 ? CF : 0;
        };
    }

    /**
     * Condition code {@code cc} (0..15) of Jcc/SETcc/CMOVcc. After CMP/SUB and the logical
     * operations the condition is computed from the operands without materialising EFLAGS.
     */
    public boolean condition(int cc) {
        int k = kind;
        boolean v;
        if (k == SUB) {
            v = subCondition(cc >> 1);
        } else if (k == LOGIC) {
            v = logicCondition(cc >> 1);
        } else {
            v = flagCondition(k == NONE ? bits : status(), cc >> 1);
        }
        return v != ((cc & 1) != 0);
    }

    private boolean subCondition(int c) {
        int shift = 32 - size * 8;
        return subTest(c, a << shift, b << shift, res);
    }

    /**
     * Condition test {@code c} (a condition code without its negation bit) after comparing
     * {@code x} with {@code y}, both shifted so the operand's sign bit is bit 31; {@code res} is
     * the result masked to the operand size. Also used by fused compare-and-branch forms.
     */
    public static boolean subTest(int c, int x, int y, int res) {
        return switch (c) {
            case 0 -> ((x ^ y) & (x ^ (x - y))) < 0;
            case 1 -> Integer.compareUnsigned(x, y) < 0;
            case 2 -> res == 0;
            case 3 -> Integer.compareUnsigned(x, y) <= 0;
            case 4 -> (x - y) < 0;
            case 5 -> PARITY[res & 0xff] != 0;
            case 6 -> x < y;
            default -> x <= y;
        };
    }

    private boolean logicCondition(int c) {
        return logicTest(c, res, size);
    }

    /** Condition test {@code c} after a logical operation with result {@code res} of {@code size} bytes. */
    public static boolean logicTest(int c, int res, int size) {
        boolean sign = ((res >>> (size * 8 - 1)) & 1) != 0;
        return switch (c) {
            case 0, 1 -> false;
            case 2, 3 -> res == 0;
            case 4, 6 -> sign;
            case 5 -> PARITY[res & 0xff] != 0;
            default -> res == 0 || sign;
        };
    }

    private static boolean flagCondition(int f, int c) {
        return switch (c) {
            case 0 -> (f & OF) != 0;
            case 1 -> (f & CF) != 0;
            case 2 -> (f & ZF) != 0;
            case 3 -> (f & (CF | ZF)) != 0;
            case 4 -> (f & SF) != 0;
            case 5 -> (f & PF) != 0;
            case 6 -> ((f & SF) != 0) != ((f & OF) != 0);
            default -> (f & ZF) != 0 || (((f & SF) != 0) != ((f & OF) != 0));
        };
    }

    // ---- rollback for faulting instructions ----
    // The first change within an instruction saves the state it replaces, so an instruction that
    // faults after setting flags can be undone, while instructions that leave the flags alone (most
    // of them) pay one store at their start instead of a full copy.

    private boolean touched;
    private int savedBits;
    private int savedKind;
    private int savedA;
    private int savedB;
    private int savedRes;
    private int savedSize;

    /** Marks an instruction boundary: the current state is what {@link #rollback()} returns to. */
    public void beginInstruction() {
        touched = false;
    }

    /** Returns to the state at the last {@link #beginInstruction()} (the instruction faulted). */
    public void rollback() {
        if (touched) {
            touched = false;
            bits = savedBits;
            kind = savedKind;
            a = savedA;
            b = savedB;
            res = savedRes;
            size = savedSize;
        }
    }

    private void checkpoint() {
        if (!touched) {
            touched = true;
            savedBits = bits;
            savedKind = kind;
            savedA = a;
            savedB = b;
            savedRes = res;
            savedSize = size;
        }
    }
}
