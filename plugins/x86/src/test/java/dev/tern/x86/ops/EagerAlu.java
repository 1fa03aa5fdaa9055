package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.PF;
import static dev.tern.x86.core.CpuCore.SF;
import static dev.tern.x86.core.CpuCore.STATUS;
import static dev.tern.x86.core.CpuCore.ZF;

/**
 * The oracle for lazy flags: the interpreter's former eager flag arithmetic, computing the whole
 * EFLAGS value after each operation from the EFLAGS value before it.
 */
final class EagerAlu {

    private EagerAlu() {
    }

    /** A result with the EFLAGS it leaves. */
    record Outcome(int result, int flags) {
    }

    static long mask(int size) {
        return size == 4 ? 0xffffffffL : (1L << (size * 8)) - 1;
    }

    static int szp(int res, int size) {
        int f = (Integer.bitCount(res & 0xff) & 1) == 0 ? PF : 0;
        if ((res & mask(size)) == 0) {
            f |= ZF;
        }
        if (((res >>> (size * 8 - 1)) & 1) != 0) {
            f |= SF;
        }
        return f;
    }

    /** ADD OR ADC SBB AND SUB XOR CMP (op 0..7), as the group-1 encoding numbers them. */
    static Outcome op(int flags, int op, int a, int b, int size) {
        return switch (op) {
            case 0 -> add(flags, a, b, 0, size);
            case 1 -> logic(flags, a | b, size);
            case 2 -> add(flags, a, b, flags & CF, size);
            case 3 -> sub(flags, a, b, flags & CF, size);
            case 4 -> logic(flags, a & b, size);
            case 5 -> sub(flags, a, b, 0, size);
            case 6 -> logic(flags, a ^ b, size);
            default -> new Outcome(a, sub(flags, a, b, 0, size).flags());
        };
    }

    static Outcome add(int flags, int a, int b, int carry, int size) {
        long m = mask(size);
        long r = (a & m) + (b & m) + carry;
        int res = (int) r;
        int f = (flags & ~STATUS) | szp(res, size) | ((a ^ b ^ res) & AF);
        if ((r >>> (size * 8)) != 0) {
            f |= CF;
        }
        if ((((a ^ res) & (b ^ res)) >>> (size * 8 - 1) & 1) != 0) {
            f |= OF;
        }
        return new Outcome((int) (res & m), f);
    }

    static Outcome sub(int flags, int a, int b, int borrow, int size) {
        long m = mask(size);
        long r = (a & m) - (b & m) - borrow;
        int res = (int) r;
        int f = (flags & ~STATUS) | szp(res, size) | ((a ^ b ^ res) & AF);
        if (r < 0) {
            f |= CF;
        }
        if ((((a ^ b) & (a ^ res)) >>> (size * 8 - 1) & 1) != 0) {
            f |= OF;
        }
        return new Outcome((int) (res & m), f);
    }

    static Outcome logic(int flags, int res, int size) {
        return new Outcome((int) (res & mask(size)), (flags & ~STATUS) | szp(res, size));
    }

    static Outcome inc(int flags, int a, int size) {
        Outcome o = add(flags, a, 1, 0, size);
        return new Outcome(o.result(), (o.flags() & ~CF) | (flags & CF));
    }

    static Outcome dec(int flags, int a, int size) {
        Outcome o = sub(flags, a, 1, 0, size);
        return new Outcome(o.result(), (o.flags() & ~CF) | (flags & CF));
    }

    static Outcome neg(int flags, int a, int size) {
        Outcome o = sub(flags, 0, a, 0, size);
        int f = (a & mask(size)) != 0 ? o.flags() | CF : o.flags() & ~CF;
        return new Outcome(o.result(), f);
    }

    /** Condition code cc (0..15) evaluated on an EFLAGS value. */
    static boolean condition(int f, int cc) {
        boolean v = switch (cc >> 1) {
            case 0 -> (f & OF) != 0;
            case 1 -> (f & CF) != 0;
            case 2 -> (f & ZF) != 0;
            case 3 -> (f & (CF | ZF)) != 0;
            case 4 -> (f & SF) != 0;
            case 5 -> (f & PF) != 0;
            case 6 -> ((f & SF) != 0) != ((f & OF) != 0);
            default -> (f & ZF) != 0 || (((f & SF) != 0) != ((f & OF) != 0));
        };
        return v != ((cc & 1) != 0);
    }
}
