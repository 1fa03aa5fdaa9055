package dev.tern.x86.transfer;

import static dev.tern.x86.core.CpuCore.AC;
import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.ESP;
import static dev.tern.x86.core.CpuCore.IF;
import static dev.tern.x86.core.CpuCore.NT;
import static dev.tern.x86.core.CpuCore.RF;
import static dev.tern.x86.core.CpuCore.SS;
import static dev.tern.x86.core.CpuCore.TF;
import static dev.tern.x86.core.CpuCore.VM;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Descriptor;
import dev.tern.x86.memory.Segment;
import dev.tern.x86.memory.SegmentLoader;

/**
 * Delivers interrupts and exceptions through the IVT (real mode) or IDT (protected mode), including
 * the stack switch through the TSS when a gate leads to a more privileged ring. Every check runs
 * before any state changes, so a fault during delivery can be delivered in turn (or escalate).
 */
public final class InterruptDelivery {

    private InterruptDelivery() {
    }

    /**
     * Delivers {@code vector}. {@code returnIp} is the EIP pushed (the faulting instruction for
     * faults, the next one for traps and INT n). {@code software} is true for INT n / INT3 / INTO,
     * which check the gate's DPL.
     */
    public static void deliver(CpuCore c, int vector, int returnIp, boolean software, boolean hasError,
                               int error) {
        if (!c.protectedMode()) {
            deliverReal(c, vector, returnIp);
        } else {
            deliverProtected(c, vector, returnIp, software, hasError, error);
        }
    }

    private static void deliverReal(CpuCore c, int vector, int returnIp) {
        int a = vector * 4;
        if (a + 3 > c.idtLimit) {
            throw CpuFault.gp(a + 2);
        }
        int offset = c.readSys16(c.idtBase + a);
        int sel = c.readSys16(c.idtBase + a + 2);
        int sp = StackFrame.push(c, c.seg[SS], c.r[ESP], 2, 0, 0,
                c.flags(), c.seg[CS].selector, returnIp);
        c.r[ESP] = sp;
        c.setFlag((IF | TF | AC | RF), false);
        c.seg[CS].loadReal(sel);
        c.eip = offset;
        c.ip = offset;
    }

    private static void deliverProtected(CpuCore c, int vector, int returnIp, boolean software,
                                         boolean hasError, int error) {
        int ext = software ? 0 : 1;
        int idx = vector * 8;
        if (idx + 7 > c.idtLimit) {
            throw CpuFault.gp(idx + 2 + ext);
        }
        Descriptor g = new Descriptor(c.readSys32(c.idtBase + idx), c.readSys32(c.idtBase + idx + 4));
        int type = g.type();
        if (!g.system() || !(type == 5 || type == 6 || type == 7 || type == 14 || type == 15)) {
            throw CpuFault.gp(idx + 2 + ext);
        }
        if (software && g.dpl() < c.cpl) {
            throw CpuFault.gp(idx + 2);
        }
        if (!g.present()) {
            throw CpuFault.withCode(CpuFault.NP, idx + 2 + ext);
        }
        if (type == 5) {
            TaskSwitch.throughGate(c, g.gateSelector(), TaskSwitch.Reason.INTERRUPT, returnIp, hasError, error);
            return;
        }
        int sel = g.gateSelector();
        if ((sel & 0xfffc) == 0) {
            throw CpuFault.gp(ext);
        }
        Descriptor cd = SegmentLoader.read(c, sel, CpuFault.GP);
        if (!cd.code() || cd.dpl() > c.cpl) {
            throw CpuFault.gp((sel & 0xfffc) + ext);
        }
        if (!cd.present()) {
            throw CpuFault.withCode(CpuFault.NP, (sel & 0xfffc) + ext);
        }
        boolean gate32 = (type & 8) != 0;
        int width = gate32 ? 4 : 2;
        int offset = gate32 ? g.gateOffset() : g.gateOffset() & 0xffff;
        if (Integer.compareUnsigned(offset, cd.limit()) > 0) {
            throw CpuFault.gp(ext);
        }
        int oldFlags = c.flags();
        int oldCs = c.seg[CS].selector;
        if (c.v86()) {
            // Only a 0-privilege, non-conforming handler may take an event from virtual-8086 mode.
            if (cd.conforming() || cd.dpl() != 0) {
                throw CpuFault.gp((sel & 0xfffc) + ext);
            }
            fromV86(c, sel, cd, width, hasError
                    ? new int[] {oldFlags, oldCs, returnIp, error} : new int[] {oldFlags, oldCs, returnIp});
        } else if (!cd.conforming() && cd.dpl() < c.cpl) {
            int newCpl = cd.dpl();
            int[] stack = TaskSwitch.ringStack(c, newCpl);
            Descriptor sd = SegmentLoader.checkStack(c, stack[0], newCpl, CpuFault.TS);
            Segment ss = new Segment();
            sd.loadInto(ss, stack[0]);
            int[] frame = hasError
                    ? new int[] {c.seg[SS].selector, c.r[ESP], oldFlags, oldCs, returnIp, error}
                    : new int[] {c.seg[SS].selector, c.r[ESP], oldFlags, oldCs, returnIp};
            int esp = StackFrame.push(c, ss, stack[1], width, 0, stack[0] & 0xfffc, frame);
            SegmentLoader.markAccessed(c, stack[0], sd);
            c.seg[SS].copyFrom(ss);
            c.seg[SS].attr |= 1;
            c.seg[SS].refresh();
            c.r[ESP] = ss.big() ? esp : (c.r[ESP] & 0xffff0000) | (esp & 0xffff);
            SegmentLoader.loadCode(c, sel, cd, newCpl);
        } else {
            int[] frame = hasError ? new int[] {oldFlags, oldCs, returnIp, error}
                    : new int[] {oldFlags, oldCs, returnIp};
            int esp = StackFrame.push(c, c.seg[SS], c.r[ESP], width, c.user(), 0, frame);
            int cpl = c.cpl;
            SegmentLoader.loadCode(c, sel, cd, cpl);
            c.r[ESP] = c.seg[SS].big() ? esp : (c.r[ESP] & 0xffff0000) | (esp & 0xffff);
        }
        c.setFlag((TF | NT | RF | VM), false);
        if ((type & 1) == 0) {
            c.setFlag(IF, false);
        }
        c.eip = offset;
        c.ip = offset;
    }

    /**
     * The ring-0 stack switch out of virtual-8086 mode: the frame holds GS, FS, DS, ES, SS and ESP
     * of the V86 task above EFLAGS, CS, EIP (and the error code), and the data segment registers
     * are null for the handler, so it cannot mistake V86 selectors for descriptors.
     */
    private static void fromV86(CpuCore c, int sel, Descriptor cd, int width, int[] tail) {
        int[] stack = TaskSwitch.ringStack(c, 0);
        Descriptor sd = SegmentLoader.checkStack(c, stack[0], 0, CpuFault.TS);
        Segment ss = new Segment();
        sd.loadInto(ss, stack[0]);
        int[] frame = new int[6 + tail.length];
        frame[0] = c.seg[CpuCore.GS].selector;
        frame[1] = c.seg[CpuCore.FS].selector;
        frame[2] = c.seg[CpuCore.DS].selector;
        frame[3] = c.seg[CpuCore.ES].selector;
        frame[4] = c.seg[SS].selector;
        frame[5] = c.r[ESP];
        System.arraycopy(tail, 0, frame, 6, tail.length);
        int esp = StackFrame.push(c, ss, stack[1], width, 0, stack[0] & 0xfffc, frame);
        SegmentLoader.markAccessed(c, stack[0], sd);
        c.seg[SS].copyFrom(ss);
        c.seg[SS].attr |= 1;
        c.seg[SS].refresh();
        c.r[ESP] = ss.big() ? esp : (c.r[ESP] & 0xffff0000) | (esp & 0xffff);
        for (int s : new int[] {CpuCore.ES, CpuCore.DS, CpuCore.FS, CpuCore.GS}) {
            c.seg[s].set(0, 0, 0, 0, false);
        }
        SegmentLoader.loadCode(c, sel, cd, 0);
    }
}
