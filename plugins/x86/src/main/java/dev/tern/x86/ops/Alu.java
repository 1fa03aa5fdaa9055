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
 * Integer arithmetic with its flag results. Sizes are in bytes (1, 2, 4); operands arrive with
 * arbitrary upper bits and results are returned masked to the size.
 */
public final class Alu {

    private static final int[] PARITY = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            PARITY[i] = (Integer.bitCount(i) & 1) == 0 ? PF : 0;
        }
    }

    private Alu() {
    }

    public static long mask(int size) {
        return size == 4 ? 0xffffffffL : (1L << (size * 8)) - 1;
    }

    /** SF, ZF and PF of a result. */
    public static int szp(int res, int size) {
        int bits = size * 8;
        int m = (int) mask(size);
        int f = PARITY[res & 0xff];
        if ((res & m) == 0) {
            f |= ZF;
        }
        if (((res >>> (bits - 1)) & 1) != 0) {
            f |= SF;
        }
        return f;
    }

    /** The eight classic ALU operations (ADD OR ADC SBB AND SUB XOR CMP); CMP returns a unchanged. */
    public static int op(CpuCore c, int op, int a, int b, int size) {
        return switch (op) {
            case 0 -> add(c, a, b, 0, size);
            case 1 -> logic(c, a | b, size);
            case 2 -> add(c, a, b, c.ef.cf(), size);
            case 3 -> sub(c, a, b, c.ef.cf(), size);
            case 4 -> logic(c, a & b, size);
            case 5 -> sub(c, a, b, 0, size);
            case 6 -> logic(c, a ^ b, size);
            default -> {
                sub(c, a, b, 0, size);
                yield a;
            }
        };
    }

    /** ADD/ADC ({@code carry} 0 or 1): the flags are only recorded, see {@link Eflags}. */
    public static int add(CpuCore c, int a, int b, int carry, int size) {
        int res = (int) ((a + b + carry) & mask(size));
        c.ef.record(carry == 0 ? Eflags.ADD : Eflags.ADC, a, b, res, size);
        return res;
    }

    /** SUB/SBB/CMP ({@code borrow} 0 or 1). */
    public static int sub(CpuCore c, int a, int b, int borrow, int size) {
        int res = (int) ((a - b - borrow) & mask(size));
        c.ef.record(borrow == 0 ? Eflags.SUB : Eflags.SBB, a, b, res, size);
        return res;
    }

    /** AND/OR/XOR/TEST: CF=OF=0, AF cleared (undefined). */
    public static int logic(CpuCore c, int res, int size) {
        int r = (int) (res & mask(size));
        c.ef.record(Eflags.LOGIC, 0, 0, r, size);
        return r;
    }

    /** INC keeps CF, which the record kind carries. */
    public static int inc(CpuCore c, int a, int size) {
        int res = (int) ((a + 1) & mask(size));
        c.ef.record(c.ef.cf() != 0 ? Eflags.INC_CF1 : Eflags.INC_CF0, a, 1, res, size);
        return res;
    }

    public static int dec(CpuCore c, int a, int size) {
        int res = (int) ((a - 1) & mask(size));
        c.ef.record(c.ef.cf() != 0 ? Eflags.DEC_CF1 : Eflags.DEC_CF0, a, 1, res, size);
        return res;
    }

    /** NEG is SUB from zero, whose CF (borrow) is exactly "operand was non-zero". */
    public static int neg(CpuCore c, int a, int size) {
        return sub(c, 0, a, 0, size);
    }

    /**
     * Group-2 shifts and rotates: op 0 ROL, 1 ROR, 2 RCL, 3 RCR, 4 SHL, 5 SHR, 6 SAL(=SHL), 7 SAR.
     * The count is masked to 5 bits as on every CPU since the 286.
     */
    public static int shift(CpuCore c, int op, int a, int count, int size) {
        count &= 0x1f;
        if (count == 0) {
            return (int) (a & mask(size));
        }
        int bits = size * 8;
        long m = mask(size);
        long ua = a & m;
        int f = c.flags();
        int res;
        switch (op) {
            case 0 -> {
                int n = count % bits;
                res = (int) (((ua << n) | (ua >>> (bits - n))) & m);
                f = setCf(f, (res & 1) != 0);
                f = setOf(f, (((res >>> (bits - 1)) ^ res) & 1) != 0);
            }
            case 1 -> {
                int n = count % bits;
                res = (int) (((ua >>> n) | (ua << (bits - n))) & m);
                f = setCf(f, ((res >>> (bits - 1)) & 1) != 0);
                f = setOf(f, (((res >>> (bits - 1)) ^ (res >>> (bits - 2))) & 1) != 0);
            }
            case 2 -> {
                int n = count % (bits + 1);
                long v = ua | ((long) (f & CF) << bits);
                if (n != 0) {
                    v = ((v << n) | (v >>> (bits + 1 - n))) & ((m << 1) | 1);
                }
                res = (int) (v & m);
                boolean cf = ((v >>> bits) & 1) != 0;
                f = setCf(f, cf);
                f = setOf(f, (((res >>> (bits - 1)) & 1) != 0) != cf);
            }
            case 3 -> {
                int n = count % (bits + 1);
                long v = ua | ((long) (f & CF) << bits);
                if (n != 0) {
                    v = ((v >>> n) | (v << (bits + 1 - n))) & ((m << 1) | 1);
                }
                res = (int) (v & m);
                f = setCf(f, ((v >>> bits) & 1) != 0);
                // OF = the two top result bits differ: the SDM's MSB(DEST) XOR CF for one bit, and
                // the 386's value for the counts where the SDM leaves OF undefined.
                f = setOf(f, (((res >>> (bits - 1)) ^ (res >>> (bits - 2))) & 1) != 0);
            }
            case 4, 6 -> {
                long v = ua << count;
                res = (int) (v & m);
                boolean cf = ((v >>> bits) & 1) != 0;
                f = (f & ~STATUS) | szp(res, size);
                f = setCf(f, cf);
                f = setOf(f, (((res >>> (bits - 1)) & 1) != 0) != cf);
            }
            case 5 -> {
                res = (int) ((ua >>> count) & m);
                f = (f & ~STATUS) | szp(res, size);
                f = setCf(f, ((ua >>> (count - 1)) & 1) != 0);
                f = setOf(f, ((ua >>> (bits - 1)) & 1) != 0 && count == 1);
            }
            default -> {
                long sa = (ua << (64 - bits)) >> (64 - bits);
                res = (int) ((sa >> count) & m);
                f = (f & ~STATUS) | szp(res, size);
                f = setCf(f, ((sa >> (count - 1)) & 1) != 0);
            }
        }
        c.setFlags(f);
        return res;
    }

    /** SHLD/SHRD with the count already masked to 5 bits (and non-zero). */
    public static int doubleShift(CpuCore c, boolean left, int dst, int src, int count, int size) {
        int bits = size * 8;
        long m = mask(size);
        long d = dst & m;
        long s = src & m;
        int res;
        boolean cf;
        if (left) {
            long wide = (d << bits) | s;
            long sh = count <= bits ? wide << count : (wide << count) | (s << (count - bits));
            res = (int) ((sh >>> bits) & m);
            cf = ((wide >>> (2 * bits - count)) & 1) != 0;
        } else {
            long wide = (s << bits) | d;
            res = (int) ((wide >>> count) & m);
            cf = ((wide >>> (count - 1)) & 1) != 0;
        }
        int f = szp(res, size);
        f = setCf(f, cf);
        f = setOf(f, (((res ^ (int) d) >>> (bits - 1)) & 1) != 0);
        c.ef.setStatus(f);
        return res;
    }

    private static int setCf(int f, boolean on) {
        return on ? f | CF : f & ~CF;
    }

    private static int setOf(int f, boolean on) {
        return on ? f | OF : f & ~OF;
    }
}
