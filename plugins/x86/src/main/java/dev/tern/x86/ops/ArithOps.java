package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/** Integer arithmetic instructions: ALU groups, INC/DEC, NEG/NOT, MUL/DIV, IMUL, BCD, shifts. */
public final class ArithOps {

    private ArithOps() {
    }

    /** Opcodes 00..3D in the classic 6-form layout; {@code opcode & 7} selects the form. */
    public static void aluForm(CpuCore c, int opcode) {
        int op = (opcode >> 3) & 7;
        int size = c.op32 ? 4 : 2;
        switch (opcode & 7) {
            case 0 -> {
                int r = Alu.op(c, op, c.readE8(), c.get8(c.reg), 1);
                if (op != 7) {
                    c.writeE8(r);
                }
            }
            case 1 -> {
                int r = Alu.op(c, op, c.readEV(), c.getV(c.reg), size);
                if (op != 7) {
                    c.writeEV(r);
                }
            }
            case 2 -> c.set8(c.reg, Alu.op(c, op, c.get8(c.reg), c.readE8(), 1));
            case 3 -> c.setV(c.reg, Alu.op(c, op, c.getV(c.reg), c.readEV(), size));
            case 4 -> c.set8(EAX, Alu.op(c, op, c.get8(EAX), c.fetch8(), 1));
            default -> {
                int imm = c.fetchV();
                c.setV(EAX, Alu.op(c, op, c.getV(EAX), imm, size));
            }
        }
    }

    /** Group 1: 80/82 (Eb,Ib), 81 (Ev,Iv), 83 (Ev,Ib sign-extended). */
    public static void group1(CpuCore c, int opcode) {
        int op = c.reg;
        if (opcode == 0x81 || opcode == 0x83) {
            int size = c.op32 ? 4 : 2;
            int a = c.readEV();
            int imm = opcode == 0x81 ? c.fetchV() : (byte) c.fetch8();
            int r = Alu.op(c, op, a, imm, size);
            if (op != 7) {
                c.writeEV(r);
            }
        } else {
            int a = c.readE8();
            int r = Alu.op(c, op, a, c.fetch8(), 1);
            if (op != 7) {
                c.writeE8(r);
            }
        }
    }

    /** Group 2 shifts/rotates on Eb (wide=false) or Ev; count -1 means an immediate follows. */
    public static void group2(CpuCore c, boolean wide, int countOrImm) {
        int count = countOrImm < 0 ? c.fetch8() : countOrImm;
        if (wide) {
            int size = c.op32 ? 4 : 2;
            int a = c.readEV();
            if ((count & 0x1f) == 0) {
                return;
            }
            c.writeEV(Alu.shift(c, c.reg, a, count, size));
        } else {
            int a = c.readE8();
            if ((count & 0x1f) == 0) {
                return;
            }
            c.writeE8(Alu.shift(c, c.reg, a, count, 1));
        }
    }

    /** Group 3: F6 (byte) / F7 (word/dword): TEST, NOT, NEG, MUL, IMUL, DIV, IDIV. */
    public static void group3(CpuCore c, boolean wide) {
        int size = wide ? (c.op32 ? 4 : 2) : 1;
        int a = wide ? c.readEV() : c.readE8();
        switch (c.reg) {
            case 0, 1 -> {
                int imm = wide ? c.fetchV() : c.fetch8();
                Alu.logic(c, a & imm, size);
            }
            case 2 -> writeE(c, wide, ~a);
            case 3 -> writeE(c, wide, Alu.neg(c, a, size));
            case 4 -> mul(c, a, size);
            case 5 -> imul1(c, a, size);
            case 6 -> div(c, a, size);
            default -> idiv(c, a, size);
        }
    }

    private static void writeE(CpuCore c, boolean wide, int v) {
        if (wide) {
            c.writeEV(v);
        } else {
            c.writeE8(v);
        }
    }

    private static void mul(CpuCore c, int src, int size) {
        boolean high;
        int lo;
        switch (size) {
            case 1 -> {
                int p = c.get8(EAX) * (src & 0xff);
                c.set16(EAX, p);
                high = (p & 0xff00) != 0;
                lo = p & 0xff;
            }
            case 2 -> {
                int p = (c.r[EAX] & 0xffff) * (src & 0xffff);
                c.set16(EAX, p);
                c.set16(EDX, p >>> 16);
                high = (p >>> 16) != 0;
                lo = p & 0xffff;
            }
            default -> {
                long p = (c.r[EAX] & 0xffffffffL) * (src & 0xffffffffL);
                c.r[EAX] = (int) p;
                c.r[EDX] = (int) (p >>> 32);
                high = (p >>> 32) != 0;
                lo = (int) p;
            }
        }
        mulFlags(c, high, lo, size);
    }

    /** CF=OF=overflow; SF/ZF/PF from the low half (undefined architecturally, P6-like). */
    public static void mulFlags(CpuCore c, boolean overflow, int lo, int size) {
        int f = Alu.szp(lo, size);
        if (overflow) {
            f |= CF | OF;
        }
        c.ef.setStatus(f);
    }

    private static void imul1(CpuCore c, int src, int size) {
        switch (size) {
            case 1 -> {
                int p = (byte) c.get8(EAX) * (byte) src;
                c.set16(EAX, p);
                mulFlags(c, p != (byte) p, p, 1);
            }
            case 2 -> {
                int p = (short) c.r[EAX] * (short) src;
                c.set16(EAX, p);
                c.set16(EDX, p >> 16);
                mulFlags(c, p != (short) p, p, 2);
            }
            default -> {
                long p = (long) c.r[EAX] * (long) src;
                c.r[EAX] = (int) p;
                c.r[EDX] = (int) (p >>> 32);
                mulFlags(c, p != (int) p, (int) p, 4);
            }
        }
    }

    /** IMUL Gv, Ev, imm and IMUL Gv, Ev (0F AF): truncated signed product. */
    public static void imul3(CpuCore c, int a, int b) {
        if (c.op32) {
            long p = (long) a * (long) b;
            c.r[c.reg] = (int) p;
            mulFlags(c, p != (int) p, (int) p, 4);
        } else {
            int p = (short) a * (short) b;
            c.set16(c.reg, p);
            mulFlags(c, p != (short) p, p, 2);
        }
    }

    private static void div(CpuCore c, int src, int size) {
        switch (size) {
            case 1 -> {
                int d = src & 0xff;
                int n = c.r[EAX] & 0xffff;
                if (d == 0 || n / d > 0xff) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.set16(EAX, (n / d) | (n % d) << 8);
            }
            case 2 -> {
                long d = src & 0xffff;
                long n = ((c.r[EDX] & 0xffffL) << 16) | (c.r[EAX] & 0xffff);
                if (d == 0 || n / d > 0xffff) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.set16(EAX, (int) (n / d));
                c.set16(EDX, (int) (n % d));
            }
            default -> {
                long d = src & 0xffffffffL;
                long n = ((long) c.r[EDX] << 32) | (c.r[EAX] & 0xffffffffL);
                if (d == 0 || Long.compareUnsigned(Long.divideUnsigned(n, d), 0xffffffffL) > 0) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.r[EAX] = (int) Long.divideUnsigned(n, d);
                c.r[EDX] = (int) Long.remainderUnsigned(n, d);
            }
        }
    }

    private static void idiv(CpuCore c, int src, int size) {
        switch (size) {
            case 1 -> {
                int d = (byte) src;
                int n = (short) c.r[EAX];
                if (d == 0) {
                    throw CpuFault.of(CpuFault.DE);
                }
                int q = n / d;
                if (q != (byte) q) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.set16(EAX, (q & 0xff) | ((n % d) & 0xff) << 8);
            }
            case 2 -> {
                int d = (short) src;
                int n = (c.r[EDX] << 16) | (c.r[EAX] & 0xffff);
                if (d == 0) {
                    throw CpuFault.of(CpuFault.DE);
                }
                long q = (long) n / d;
                if (q != (short) q) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.set16(EAX, (int) q);
                c.set16(EDX, n % d);
            }
            default -> {
                long d = src;
                long n = ((long) c.r[EDX] << 32) | (c.r[EAX] & 0xffffffffL);
                if (d == 0 || (n == Long.MIN_VALUE && d == -1)) {
                    throw CpuFault.of(CpuFault.DE);
                }
                long q = n / d;
                if (q != (int) q) {
                    throw CpuFault.of(CpuFault.DE);
                }
                c.r[EAX] = (int) q;
                c.r[EDX] = (int) (n % d);
            }
        }
    }

    public static void daa(CpuCore c) {
        int al = c.get8(EAX);
        int oldAl = al;
        boolean oldCf = c.flag(CF);
        boolean cf = false;
        boolean af = false;
        if ((al & 0xf) > 9 || c.flag(AF)) {
            cf = oldCf || al + 6 > 0xff;
            al = (al + 6) & 0xff;
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al + 0x60) & 0xff;
            cf = true;
        }
        bcdResult(c, al, cf, af);
    }

    public static void das(CpuCore c) {
        int al = c.get8(EAX);
        int oldAl = al;
        boolean oldCf = c.flag(CF);
        boolean cf = false;
        boolean af = false;
        if ((al & 0xf) > 9 || c.flag(AF)) {
            cf = oldCf || al < 6;
            al = (al - 6) & 0xff;
            af = true;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al - 0x60) & 0xff;
            cf = true;
        }
        bcdResult(c, al, cf, af);
    }

    private static void bcdResult(CpuCore c, int al, boolean cf, boolean af) {
        c.set8(EAX, al);
        int f = Alu.szp(al, 1);
        if (cf) {
            f |= CF;
        }
        if (af) {
            f |= AF;
        }
        c.ef.setStatus(f);
    }

    public static void aaa(CpuCore c, boolean subtract) {
        int ax = c.r[EAX] & 0xffff;
        boolean adjust = (ax & 0xf) > 9 || c.flag(AF);
        if (adjust) {
            ax = subtract ? ax - 6 - 0x100 : ax + 0x106;
        }
        ax &= 0xff0f;
        c.set16(EAX, ax);
        int f = Alu.szp(ax & 0xff, 1);
        if (adjust) {
            f |= CF | AF;
        }
        c.ef.setStatus(f);
    }

    public static void aam(CpuCore c, int base) {
        if (base == 0) {
            throw CpuFault.of(CpuFault.DE);
        }
        int al = c.get8(EAX);
        int res = al % base;
        c.set16(EAX, (al / base) << 8 | res);
        c.ef.setStatus(Alu.szp(res, 1));
    }

    public static void aad(CpuCore c, int base) {
        int al = c.get8(EAX);
        int ah = (c.r[EAX] >>> 8) & 0xff;
        int res = Alu.add(c, al, ah * base, 0, 1);
        c.set16(EAX, res);
    }

    /** BT/BTS/BTR/BTC: op 0 test, 1 set, 2 reset, 3 complement. */
    public static void bitTest(CpuCore c, int op, int bit, boolean registerOffset) {
        int bits = c.op32 ? 32 : 16;
        if (!c.memOp) {
            int a = c.getV(c.rm);
            bit &= bits - 1;
            int r = bitResult(op, a, bit);
            if (op != 0) {
                c.setV(c.rm, r);
            }
            c.setFlag(CF, ((a >>> bit) & 1) != 0);
            return;
        }
        int saved = c.eaOff;
        if (registerOffset) {
            int signedBit = c.op32 ? bit : (short) bit;
            c.eaOff += (signedBit >> (c.op32 ? 5 : 4)) * (bits / 8);
            if (!c.addr32) {
                c.eaOff &= 0xffff;
            }
        }
        bit &= bits - 1;
        try {
            // through the r/m accessors: under LOCK the write is a compare-and-set against the
            // value read, atomic also against other vCPUs' plain stores (Linux's spinlocks)
            int a = c.readEV();
            if (op != 0) {
                c.writeEV(bitResult(op, a, bit));
            }
            c.setFlag(CF, ((a >>> bit) & 1) != 0);
        } finally {
            c.eaOff = saved; // a retried locked attempt adds the register offset again
        }
    }

    private static int bitResult(int op, int a, int bit) {
        return switch (op) {
            case 1 -> a | (1 << bit);
            case 2 -> a & ~(1 << bit);
            case 3 -> a ^ (1 << bit);
            default -> a;
        };
    }

    public static void bitScan(CpuCore c, boolean reverse) {
        int v = c.readEV();
        if (v == 0) {
            c.setFlag(ZF, true);
            return;
        }
        c.setFlag(ZF, false);
        c.setV(c.reg, reverse ? 31 - Integer.numberOfLeadingZeros(v) : Integer.numberOfTrailingZeros(v));
    }

    /** SHLD (0F A4/A5) / SHRD (0F AC/AD). */
    public static void doubleShift(CpuCore c, boolean left, boolean immediate) {
        int size = c.op32 ? 4 : 2;
        int d = c.readEV();
        int count = (immediate ? c.fetch8() : c.get8(CpuCore.ECX)) & 0x1f;
        if (count == 0) {
            return;
        }
        c.writeEV(Alu.doubleShift(c, left, d, c.getV(c.reg), count, size));
    }

    /** XADD (0F C0/C1). */
    public static void xadd(CpuCore c, boolean wide) {
        if (wide) {
            int size = c.op32 ? 4 : 2;
            int d = c.readEV();
            int s = c.getV(c.reg);
            int sum = Alu.add(c, d, s, 0, size);
            if (c.memOp) {
                c.writeEV(sum);
                c.setV(c.reg, d);
            } else {
                c.setV(c.reg, d);
                c.setV(c.rm, sum);
            }
        } else {
            int d = c.readE8();
            int s = c.get8(c.reg);
            int sum = Alu.add(c, d, s, 0, 1);
            if (c.memOp) {
                c.writeE8(sum);
                c.set8(c.reg, d);
            } else {
                c.set8(c.reg, d);
                c.set8(c.rm, sum);
            }
        }
    }

    /** CMPXCHG (0F B0/B1): the destination is always written (with itself when unequal). */
    public static void cmpxchg(CpuCore c, boolean wide) {
        if (wide) {
            int size = c.op32 ? 4 : 2;
            int d = c.readEV();
            int acc = c.getV(EAX);
            Alu.sub(c, acc, d, 0, size);
            if (c.flag(ZF)) {
                c.writeEV(c.getV(c.reg));
            } else {
                c.writeEV(d);
                c.setV(EAX, d);
            }
        } else {
            int d = c.readE8();
            Alu.sub(c, c.get8(EAX), d, 0, 1);
            if (c.flag(ZF)) {
                c.writeE8(c.get8(c.reg));
            } else {
                c.writeE8(d);
                c.set8(EAX, d);
            }
        }
    }

    /** CMPXCHG8B (0F C7 /1). */
    public static void cmpxchg8b(CpuCore c) {
        if (!c.memOp) {
            throw CpuFault.ud();
        }
        if (c.atomicRmw()) {
            lockedCmpxchg8b(c);
            return;
        }
        int lo = c.read32(c.eaSeg, c.eaOff);
        int hi = c.read32(c.eaSeg, c.eaOff + 4);
        if (lo == c.r[EAX] && hi == c.r[EDX]) {
            c.probeWrite(c.eaSeg, c.eaOff, 8);
            c.write32(c.eaSeg, c.eaOff, c.r[CpuCore.EBX]);
            c.write32(c.eaSeg, c.eaOff + 4, c.r[CpuCore.ECX]);
            c.setFlag(ZF, true);
        } else {
            c.probeWrite(c.eaSeg, c.eaOff, 8);
            c.write32(c.eaSeg, c.eaOff, lo);
            c.write32(c.eaSeg, c.eaOff + 4, hi);
            c.r[EAX] = lo;
            c.r[EDX] = hi;
            c.setFlag(ZF, false);
        }
    }

    /** LOCK CMPXCHG8B: one compare-and-exchange, so no other vCPU's store falls between read and write. */
    private static void lockedCmpxchg8b(CpuCore c) {
        long expected = ((long) c.r[EDX] << 32) | (c.r[EAX] & 0xffffffffL);
        long value = ((long) c.r[CpuCore.ECX] << 32) | (c.r[CpuCore.EBX] & 0xffffffffL);
        long old = c.compareAndExchange64(expected, value);
        if (old != expected) {
            c.r[EAX] = (int) old;
            c.r[EDX] = (int) (old >>> 32);
        }
        c.setFlag(ZF, old == expected);
    }
}
