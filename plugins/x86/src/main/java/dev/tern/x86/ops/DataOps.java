package dev.tern.x86.ops;

import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.EAX;
import static dev.tern.x86.core.CpuCore.EBP;
import static dev.tern.x86.core.CpuCore.EBX;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ESP;
import static dev.tern.x86.core.CpuCore.IOPL;
import static dev.tern.x86.core.CpuCore.PF;
import static dev.tern.x86.core.CpuCore.RF;
import static dev.tern.x86.core.CpuCore.SF;
import static dev.tern.x86.core.CpuCore.SS;
import static dev.tern.x86.core.CpuCore.VM;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.transfer.VirtualInterrupts;
import dev.tern.x86.memory.SegmentLoader;
import dev.tern.x86.transfer.FarTransfer;
import dev.tern.x86.transfer.StackFrame;

/** Data movement: MOV forms, XCHG, LEA, far pointers, stack operations, flag transfers. */
public final class DataOps {

    private DataOps() {
    }

    public static void movSregToE(CpuCore c) {
        if (c.reg > 5) {
            throw CpuFault.ud();
        }
        int sel = c.seg[c.reg].selector;
        if (c.memOp) {
            c.write16(c.eaSeg, c.eaOff, sel);
        } else {
            c.setV(c.rm, sel);
        }
    }

    /** MOV Sreg, Ew; returns true when SS was loaded (interrupt shadow). */
    public static boolean movEToSreg(CpuCore c) {
        if (c.reg > 5 || c.reg == CpuCore.CS) {
            throw CpuFault.ud();
        }
        SegmentLoader.load(c, c.reg, c.readE16());
        return c.reg == SS;
    }

    /** POP r/m: an ESP-based destination address is computed with ESP already incremented. */
    public static void popEv(CpuCore c) {
        int w = c.op32 ? 4 : 2;
        int v = c.peekV(0);
        int ea = c.eaOff;
        if (c.memOp && c.eaBaseEsp) {
            c.eaOff = ea + w;
        }
        c.adjustSp(w);
        try {
            c.writeEV(v);
        } catch (CpuFault f) {
            c.adjustSp(-w);
            throw f;
        } finally {
            c.eaOff = ea;
        }
    }

    public static void pushSeg(CpuCore c, int s) {
        c.pushV(c.seg[s].selector);
    }

    /**
     * POP Sreg. The pop reads and increments (E)SP at the stack size of the SS it reads from, so
     * a POP SS that switches between a 16- and a 32-bit stack still moves the old pointer width.
     */
    public static void popSeg(CpuCore c, int s) {
        int v = c.peekV(0);
        int w = c.op32 ? 4 : 2;
        int esp = c.r[ESP];
        int after = c.stack32() ? esp + w : (esp & 0xffff0000) | ((esp + w) & 0xffff);
        SegmentLoader.load(c, s, v & 0xffff);
        c.r[ESP] = after;
    }

    public static void pusha(CpuCore c) {
        int w = c.op32 ? 4 : 2;
        int m = c.op32 ? -1 : 0xffff;
        int[] r = c.r;
        int esp = StackFrame.push(c, c.seg[SS], r[ESP], w, c.user(), 0,
                r[0] & m, r[1] & m, r[2] & m, r[3] & m, r[4] & m, r[5] & m, r[6] & m, r[7] & m);
        if (c.stack32()) {
            r[ESP] = esp;
        } else {
            c.set16(ESP, esp);
        }
    }

    public static void popa(CpuCore c) {
        int w = c.op32 ? 4 : 2;
        int[] v = new int[8];
        for (int i = 0; i < 8; i++) {
            v[7 - i] = c.peekV(i * w);
        }
        for (int i = 0; i < 8; i++) {
            if (i != ESP) {
                c.setV(i, v[i]);
            }
        }
        c.adjustSp(8 * w);
    }

    public static void pushf(CpuCore c) {
        if (VirtualInterrupts.virtualized(c)) {
            VirtualInterrupts.pushf(c);
            return;
        }
        c.pushV(c.flags() & ~(VM | RF));
    }

    public static void popf(CpuCore c) {
        if (VirtualInterrupts.virtualized(c)) {
            VirtualInterrupts.popf(c);
            return;
        }
        int v = c.peekV(0);
        int cpl = c.v86() ? 3 : c.cpl;
        int nf = FarTransfer.mergeFlags(c, v, c.op32, false, cpl);
        if (c.v86()) {
            nf = (nf & ~IOPL) | c.flags(IOPL);
        }
        c.adjustSp(c.op32 ? 4 : 2);
        c.setFlags(nf);
    }

    public static void sahf(CpuCore c) {
        int mask = SF | ZF | AF | PF | CF;
        c.setFlags((c.flags() & ~mask) | ((c.r[EAX] >>> 8) & mask));
    }

    public static void lahf(CpuCore c) {
        c.set8(4, (c.flags() & (SF | ZF | AF | PF | CF)) | 2);
    }

    public static void cbw(CpuCore c) {
        if (c.op32) {
            c.r[EAX] = (short) c.r[EAX];
        } else {
            c.set16(EAX, (byte) c.r[EAX]);
        }
    }

    public static void cwd(CpuCore c) {
        if (c.op32) {
            c.r[EDX] = c.r[EAX] >> 31;
        } else {
            c.set16(EDX, ((short) c.r[EAX]) >> 15);
        }
    }

    public static void xlat(CpuCore c) {
        int off = c.addr32 ? c.r[EBX] + c.get8(EAX) : (c.r[EBX] + c.get8(EAX)) & 0xffff;
        c.set8(EAX, c.read8(c.dataSeg(), off));
    }

    public static void lea(CpuCore c) {
        if (!c.memOp) {
            throw CpuFault.ud();
        }
        c.setV(c.reg, c.eaOff);
    }

    /** LES/LDS/LSS/LFS/LGS. */
    public static void loadFarPointer(CpuCore c, int s) {
        if (!c.memOp) {
            throw CpuFault.ud();
        }
        int off = c.readV(c.eaSeg, c.eaOff);
        int sel = c.read16(c.eaSeg, c.eaOff + (c.op32 ? 4 : 2));
        SegmentLoader.load(c, s, sel);
        c.setV(c.reg, off);
    }

    public static void moffs(CpuCore c, int op) {
        int off = c.addr32 ? c.fetch32() : c.fetch16();
        int s = c.dataSeg();
        switch (op) {
            case 0xA0 -> c.set8(EAX, c.read8(s, off));
            case 0xA1 -> c.setV(EAX, c.readV(s, off));
            case 0xA2 -> c.write8(s, off, c.r[EAX]);
            default -> c.writeV(s, off, c.r[EAX]);
        }
    }

    public static void xchg(CpuCore c, boolean wide) {
        if (wide) {
            int a = c.readEV();
            c.writeEV(c.getV(c.reg));
            c.setV(c.reg, a);
        } else {
            int a = c.readE8();
            c.writeE8(c.get8(c.reg));
            c.set8(c.reg, a);
        }
    }

    public static void enter(CpuCore c) {
        int size = c.fetch16();
        int level = c.fetch8() & 31;
        int w = c.op32 ? 4 : 2;
        boolean s32 = c.stack32();
        int ebp = c.r[EBP];
        // Check the whole frame first so a fault leaves (E)SP and (E)BP unchanged.
        int frameBytes = w * (level + 1) + size;
        int top = s32 ? c.r[ESP] - frameBytes : (c.r[ESP] - frameBytes) & 0xffff;
        c.probeWrite(SS, top, Math.min(frameBytes, 16));
        c.pushV(ebp);
        // The frame pointer is the register at the operand size: a 32-bit ENTER on a 16-bit stack
        // copies all of ESP (its high half untouched by the push) into EBP, as the 386 does.
        int frameTemp = c.op32 ? c.r[ESP] : c.r[ESP] & 0xffff;
        if (level > 0) {
            int bp = ebp;
            for (int i = 1; i < level; i++) {
                bp = s32 ? bp - w : (bp - w) & 0xffff;
                c.pushV(c.op32 ? c.read32(SS, bp) : c.read16(SS, bp));
            }
            c.pushV(frameTemp);
        }
        c.setV(EBP, frameTemp);
        c.adjustSp(-size);
    }

    public static void leave(CpuCore c) {
        int bp = c.stack32() ? c.r[EBP] : c.r[EBP] & 0xffff;
        int v = c.op32 ? c.read32(SS, bp) : c.read16(SS, bp);
        if (c.stack32()) {
            c.r[ESP] = bp + (c.op32 ? 4 : 2);
        } else {
            c.set16(ESP, bp + (c.op32 ? 4 : 2));
        }
        c.setV(EBP, v);
    }

    public static void bound(CpuCore c) {
        if (!c.memOp) {
            throw CpuFault.ud();
        }
        int idx;
        int lo;
        int hi;
        if (c.op32) {
            idx = c.r[c.reg];
            lo = c.read32(c.eaSeg, c.eaOff);
            hi = c.read32(c.eaSeg, c.eaOff + 4);
        } else {
            idx = (short) c.r[c.reg];
            lo = (short) c.read16(c.eaSeg, c.eaOff);
            hi = (short) c.read16(c.eaSeg, (c.eaOff + 2) & (c.addr32 ? -1 : 0xffff));
        }
        if (idx < lo || idx > hi) {
            throw CpuFault.of(CpuFault.BR);
        }
    }

    public static void arpl(CpuCore c) {
        if (!c.pmode()) {
            throw CpuFault.ud();
        }
        int d = c.readE16();
        int s = c.get16(c.reg);
        if ((d & 3) < (s & 3)) {
            c.writeE16((d & ~3) | (s & 3));
            c.setFlag(ZF, true);
        } else {
            c.setFlag(ZF, false);
        }
    }

    public static void movx(CpuCore c, boolean signed, boolean word) {
        int v;
        if (word) {
            v = c.readE16();
            v = signed ? (short) v : v;
        } else {
            v = c.readE8();
            v = signed ? (byte) v : v;
        }
        c.setV(c.reg, v);
    }

    public static void bswap(CpuCore c, int reg) {
        if (c.op32) {
            c.r[reg] = Integer.reverseBytes(c.r[reg]);
        } else {
            c.set16(reg, 0);
        }
    }

    public static void cmov(CpuCore c, int cc) {
        int v = c.readEV();
        if (c.condition(cc)) {
            c.setV(c.reg, v);
        }
    }

    public static void salc(CpuCore c) {
        c.set8(EAX, c.flag(CF) ? 0xff : 0);
    }
}
