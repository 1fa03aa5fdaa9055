package dev.tern.x86.transfer;

import static dev.tern.x86.core.CpuCore.AC;
import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.DF;
import static dev.tern.x86.core.CpuCore.ESP;
import static dev.tern.x86.core.CpuCore.ID;
import static dev.tern.x86.core.CpuCore.IF;
import static dev.tern.x86.core.CpuCore.IOPL;
import static dev.tern.x86.core.CpuCore.NT;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.PF;
import static dev.tern.x86.core.CpuCore.RF;
import static dev.tern.x86.core.CpuCore.SF;
import static dev.tern.x86.core.CpuCore.SS;
import static dev.tern.x86.core.CpuCore.TF;
import static dev.tern.x86.core.CpuCore.VIF;
import static dev.tern.x86.core.CpuCore.VIP;
import static dev.tern.x86.core.CpuCore.VM;
import static dev.tern.x86.core.CpuCore.ZF;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Descriptor;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.memory.SegmentLoader;

/** Far JMP, CALL, RET and IRET in every mode, with call gates and returns to outer rings. */
public final class FarTransfer {

    private FarTransfer() {
    }

    /** EFLAGS as written by POPF/IRET: which bits may change depends on CPL and IOPL. */
    public static int mergeFlags(CpuCore c, int value, boolean size32, boolean iret, int cpl) {
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
        if (size32) {
            mask |= AC | ID | (iret ? RF : 0);
        }
        boolean pm = c.protectedMode();
        if (!pm || cpl == 0) {
            mask |= IOPL;
        }
        if (iret && size32 && pm && cpl == 0) {
            // Only IRETD at CPL 0 writes VIF and VIP (POPFD never does): how a VME monitor sets them.
            mask |= VIF | VIP;
        }
        if (!pm || cpl <= (c.flags(IOPL) >> 12)) {
            mask |= IF;
        }
        if (!size32) {
            mask &= 0xffff;
        }
        return (c.flags() & ~mask) | (value & mask) | 2;
    }

    private static int width(CpuCore c) {
        return c.op32 ? 4 : 2;
    }

    private static void realTarget(CpuCore c, int sel, int offset) {
        int off = c.op32 ? offset : offset & 0xffff;
        if (Integer.compareUnsigned(off, c.seg[CS].limit) > 0) {
            throw CpuFault.gp(0);
        }
        c.seg[CS].loadReal(sel);
        if (c.v86()) {
            c.seg[CS].set(sel, sel << 4, 0xffff, 0xfb, true);
        }
        c.ip = off;
    }

    /** Checks a code segment reached directly (not through a gate) at the current CPL. */
    private static void checkDirectCode(CpuCore c, int sel, Descriptor d) {
        if (d.conforming() ? d.dpl() > c.cpl : ((sel & 3) > c.cpl || d.dpl() != c.cpl)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
    }

    private static void checkOffset(int offset, Descriptor d) {
        if (Integer.compareUnsigned(offset, d.limit()) > 0) {
            throw CpuFault.gp(0);
        }
    }

    private static Descriptor target(CpuCore c, int sel) {
        if ((sel & 0xfffc) == 0) {
            throw CpuFault.gp(0);
        }
        return SegmentLoader.read(c, sel, CpuFault.GP);
    }

    /** JMP ptr16:16/32 and JMP m16:16/32. */
    public static void jump(CpuCore c, int sel, int offset) {
        if (!c.pmode()) {
            realTarget(c, sel, offset);
            return;
        }
        Descriptor d = target(c, sel);
        if (d.code()) {
            checkDirectCode(c, sel, d);
            int off = c.op32 ? offset : offset & 0xffff;
            checkOffset(off, d);
            SegmentLoader.loadCode(c, sel, d, c.cpl);
            c.ip = off;
            return;
        }
        switch (d.system() ? d.type() : -1) {
            case 4, 12 -> {
                Gate g = callGate(c, sel, d);
                if (g.code.conforming() ? g.code.dpl() > c.cpl : g.code.dpl() != c.cpl) {
                    throw CpuFault.gp(g.selector & 0xfffc);
                }
                checkOffset(g.offset, g.code);
                SegmentLoader.loadCode(c, g.selector, g.code, c.cpl);
                c.ip = g.offset;
            }
            case 5, 1, 9 -> taskTransfer(c, sel, d, TaskSwitch.Reason.JUMP);
            default -> throw CpuFault.gp(sel & 0xfffc);
        }
    }

    private static void taskTransfer(CpuCore c, int sel, Descriptor d, TaskSwitch.Reason reason) {
        if (d.dpl() < c.cpl || d.dpl() < (sel & 3)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (d.type() == 5) {
            if (!d.present()) {
                throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
            }
            TaskSwitch.throughGate(c, d.gateSelector(), reason, c.ip, false, 0);
        } else {
            TaskSwitch.switchTo(c, sel, d, reason, c.ip);
        }
    }

    private record Gate(int selector, Descriptor code, int offset, boolean wide, int params) {
    }

    private static Gate callGate(CpuCore c, int sel, Descriptor g) {
        if (g.dpl() < c.cpl || g.dpl() < (sel & 3)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!g.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        int cs = g.gateSelector();
        Descriptor cd = target(c, cs);
        if (!cd.code() || cd.dpl() > c.cpl) {
            throw CpuFault.gp(cs & 0xfffc);
        }
        if (!cd.present()) {
            throw CpuFault.withCode(CpuFault.NP, cs & 0xfffc);
        }
        boolean wide = g.type() == 12;
        int off = wide ? g.gateOffset() : g.gateOffset() & 0xffff;
        return new Gate(cs, cd, off, wide, g.gateParams());
    }

    /** CALL ptr16:16/32 and CALL m16:16/32; {@code c.ip} is the return address. */
    public static void call(CpuCore c, int sel, int offset) {
        int w = width(c);
        if (!c.pmode()) {
            int off = c.op32 ? offset : offset & 0xffff;
            if (Integer.compareUnsigned(off, c.seg[CS].limit) > 0) {
                throw CpuFault.gp(0);
            }
            c.r[ESP] = StackFrame.push(c, c.seg[SS], c.r[ESP], w, c.user(), 0, c.seg[CS].selector, c.ip);
            realTarget(c, sel, off);
            return;
        }
        Descriptor d = target(c, sel);
        if (d.code()) {
            checkDirectCode(c, sel, d);
            int off = c.op32 ? offset : offset & 0xffff;
            checkOffset(off, d);
            int esp = StackFrame.push(c, c.seg[SS], c.r[ESP], w, c.user(), 0, c.seg[CS].selector, c.ip);
            SegmentLoader.loadCode(c, sel, d, c.cpl);
            c.r[ESP] = esp;
            c.ip = off;
            return;
        }
        switch (d.system() ? d.type() : -1) {
            case 4, 12 -> callThroughGate(c, callGate(c, sel, d));
            case 5, 1, 9 -> taskTransfer(c, sel, d, TaskSwitch.Reason.CALL);
            default -> throw CpuFault.gp(sel & 0xfffc);
        }
    }

    private static void callThroughGate(CpuCore c, Gate g) {
        int w = g.wide ? 4 : 2;
        checkOffset(g.offset, g.code);
        if (!g.code.conforming() && g.code.dpl() < c.cpl) {
            int newCpl = g.code.dpl();
            int[] stack = TaskSwitch.ringStack(c, newCpl);
            Descriptor sd = SegmentLoader.checkStack(c, stack[0], newCpl, CpuFault.TS);
            Segment ss = new Segment();
            sd.loadInto(ss, stack[0]);
            int[] frame = new int[4 + g.params];
            frame[0] = c.seg[SS].selector;
            frame[1] = c.r[ESP];
            for (int i = 0; i < g.params; i++) {
                int delta = (g.params - 1 - i) * w;
                frame[2 + i] = w == 4 ? c.peek32(delta) : c.peek16(delta);
            }
            frame[2 + g.params] = c.seg[CS].selector;
            frame[3 + g.params] = c.ip;
            int esp = StackFrame.push(c, ss, stack[1], w, 0, stack[0] & 0xfffc, frame);
            SegmentLoader.markAccessed(c, stack[0], sd);
            c.seg[SS].copyFrom(ss);
            c.r[ESP] = esp;
            SegmentLoader.loadCode(c, g.selector, g.code, newCpl);
        } else {
            int esp = StackFrame.push(c, c.seg[SS], c.r[ESP], w, c.user(), 0, c.seg[CS].selector, c.ip);
            SegmentLoader.loadCode(c, g.selector, g.code, c.cpl);
            c.r[ESP] = esp;
        }
        c.ip = g.offset;
    }

    /** Checks the CS popped by RETF/IRET; returns its descriptor. */
    private static Descriptor returnCode(CpuCore c, int sel) {
        if ((sel & 0xfffc) == 0) {
            throw CpuFault.gp(0);
        }
        Descriptor d = SegmentLoader.read(c, sel, CpuFault.GP);
        int rpl = sel & 3;
        if (!d.code() || rpl < c.cpl || (d.conforming() ? d.dpl() > rpl : d.dpl() != rpl)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        return d;
    }

    /** RETF [imm16]. */
    public static void ret(CpuCore c, int imm) {
        int w = width(c);
        int ip = c.peekV(0);
        int cs = c.peekV(w) & 0xffff;
        if (!c.pmode()) {
            realTarget(c, cs, ip);
            c.adjustSp(2 * w + imm);
            return;
        }
        Descriptor d = returnCode(c, cs);
        int rpl = cs & 3;
        int off = c.op32 ? ip : ip & 0xffff;
        checkOffset(off, d);
        if (rpl == c.cpl) {
            SegmentLoader.loadCode(c, cs, d, rpl);
            c.adjustSp(2 * w + imm);
        } else {
            int esp = c.peekV(2 * w + imm);
            int ss = c.peekV(3 * w + imm) & 0xffff;
            Descriptor sd = SegmentLoader.checkStack(c, ss, rpl, CpuFault.GP);
            SegmentLoader.loadCode(c, cs, d, rpl);
            SegmentLoader.markAccessed(c, ss, sd);
            sd.loadInto(c.seg[SS], ss);
            c.r[ESP] = c.seg[SS].big() ? esp + imm : (c.r[ESP] & 0xffff0000) | ((esp + imm) & 0xffff);
            SegmentLoader.nullifyInaccessible(c);
        }
        c.ip = off;
    }

    /** IRET/IRETD. */
    public static void iret(CpuCore c) {
        c.nmiBlocked = false; // an IRET ends NMI blocking (SDM vol. 3 6.7.1)
        int w = width(c);
        if (!c.protectedMode()) {
            int ip = c.peekV(0);
            int cs = c.peekV(w) & 0xffff;
            int fl = c.peekV(2 * w);
            realTarget(c, cs, ip);
            c.setFlags(mergeFlags(c, fl, c.op32, true, 0));
            c.adjustSp(3 * w);
            return;
        }
        if (c.v86()) {
            if ((c.flags(IOPL) >> 12) != 3) {
                VirtualInterrupts.iret(c);
                return;
            }
            int ip = c.peekV(0);
            int cs = c.peekV(w) & 0xffff;
            int fl = c.peekV(2 * w);
            realTarget(c, cs, ip);
            c.setFlags((mergeFlags(c, fl, c.op32, true, 3) & ~IOPL) | c.flags(IOPL) | VM);
            c.adjustSp(3 * w);
            return;
        }
        if (c.flags(NT) != 0) {
            int link = c.readSys16(c.tr.base);
            Descriptor d = SegmentLoader.read(c, link, CpuFault.TS);
            // The task returned to must be a busy TSS; anything else is the back link's fault
            // (#TS, SDM IRET "TASK-RETURN"), unlike JMP/CALL's #GP for a TSS of the wrong kind.
            if ((link & 4) != 0 || !d.system() || (d.type() & 7) != 3) {
                throw CpuFault.withCode(CpuFault.TS, link & 0xfffc);
            }
            TaskSwitch.switchTo(c, link, d, TaskSwitch.Reason.IRET, c.ip);
            return;
        }
        int ip = c.peekV(0);
        int cs = c.peekV(w) & 0xffff;
        int fl = c.peekV(2 * w);
        if (w == 4 && (fl & VM) != 0 && c.cpl == 0) {
            returnToV86(c, ip, cs, fl);
            return;
        }
        Descriptor d = returnCode(c, cs);
        int rpl = cs & 3;
        int off = c.op32 ? ip : ip & 0xffff;
        checkOffset(off, d);
        int newFlags = mergeFlags(c, fl, c.op32, true, c.cpl);
        if (rpl == c.cpl) {
            SegmentLoader.loadCode(c, cs, d, rpl);
            c.adjustSp(3 * w);
        } else {
            int esp = c.peekV(3 * w);
            int ss = c.peekV(4 * w) & 0xffff;
            Descriptor sd = SegmentLoader.checkStack(c, ss, rpl, CpuFault.GP);
            SegmentLoader.loadCode(c, cs, d, rpl);
            SegmentLoader.markAccessed(c, ss, sd);
            sd.loadInto(c.seg[SS], ss);
            c.r[ESP] = c.seg[SS].big() ? esp : (c.r[ESP] & 0xffff0000) | (esp & 0xffff);
            SegmentLoader.nullifyInaccessible(c);
        }
        c.setFlags(newFlags);
        c.ip = off;
    }

    /**
     * IRETD at CPL 0 whose EFLAGS image has VM set: pops ESP, SS, ES, DS, FS and GS after EIP, CS
     * and EFLAGS, loads every segment the real-mode way and continues at CPL 3 in virtual-8086
     * mode. EFLAGS is loaded whole (CPL 0 may set IOPL and IF).
     */
    private static void returnToV86(CpuCore c, int ip, int cs, int fl) {
        int esp = c.peek32(12);
        int[] sel = new int[6];
        sel[SS] = c.peek32(16) & 0xffff;
        sel[CpuCore.ES] = c.peek32(20) & 0xffff;
        sel[CpuCore.DS] = c.peek32(24) & 0xffff;
        sel[CpuCore.FS] = c.peek32(28) & 0xffff;
        sel[CpuCore.GS] = c.peek32(32) & 0xffff;
        sel[CS] = cs;
        if (Integer.compareUnsigned(ip, 0xffff) > 0) {
            throw CpuFault.gp(0);
        }
        c.setFlags((fl & (mergeMask32() | IOPL | IF | VM | VIF | VIP)) | 2);
        for (int s = 0; s < 6; s++) {
            loadV86(c, s, sel[s]);
        }
        c.r[ESP] = esp;
        c.setCpl(3);
        c.ip = ip;
    }

    private static int mergeMask32() {
        return CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID | RF;
    }

    /** A segment register in virtual-8086 mode: base = selector * 16, 64 KiB, writable, DPL 3. */
    static void loadV86(CpuCore c, int s, int sel) {
        c.seg[s].set(sel, sel << 4, 0xffff, s == CS ? 0xfb : 0xf3, true);
    }
}
