package dev.tern.x86.transfer;

import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.NT;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Descriptor;
import dev.tern.x86.memory.SegmentLoader;

/**
 * The task state segment: ring-stack lookup for privilege changes and the hardware task switch
 * (32-bit and 80286 16-bit TSS) used by task gates, far JMP/CALL to a TSS and IRET with NT set.
 * Linux uses a task gate only for its double-fault handler; 16-bit tasks are the 286's.
 */
public final class TaskSwitch {

    /** Why a task switch happens; it decides busy-bit, NT and back-link handling. */
    public enum Reason { JUMP, CALL, INTERRUPT, IRET }

    private TaskSwitch() {
    }

    /** The SS:ESP of ring {@code ring} from the current TSS, as {selector, esp}. */
    static int[] ringStack(CpuCore c, int ring) {
        boolean tss32 = (c.tr.attr & 0x8) != 0;
        int off = tss32 ? 4 + ring * 8 : 2 + ring * 4;
        int size = tss32 ? 8 : 4;
        if (!c.tr.usable || Integer.compareUnsigned(off + size - 1, c.tr.limit) > 0) {
            throw CpuFault.withCode(CpuFault.TS, c.tr.selector & 0xfffc);
        }
        if (tss32) {
            return new int[] {c.readSys16(c.tr.base + off + 4), c.readSys32(c.tr.base + off)};
        }
        return new int[] {c.readSys16(c.tr.base + off + 2), c.readSys16(c.tr.base + off)};
    }

    /** A task gate (from the IDT or a far transfer) leading to the TSS named by {@code tssSel}. */
    static void throughGate(CpuCore c, int tssSel, Reason reason, int returnIp, boolean hasError, int error) {
        if ((tssSel & 4) != 0) {
            throw CpuFault.gp(tssSel & 0xfffc);
        }
        Descriptor d = SegmentLoader.read(c, tssSel, CpuFault.GP);
        switchTo(c, tssSel, d, reason, returnIp);
        if (hasError) {
            c.pushValueAfterSwitch(error, (d.type() & 8) != 0);
        }
    }

    /** Switches to the task whose TSS descriptor is {@code d}. */
    static void switchTo(CpuCore c, int sel, Descriptor d, Reason reason, int returnIp) {
        int type = d.type();
        boolean busy = (type & 2) != 0;
        if (!d.system() || (type & 5) != 1 || busy != (reason == Reason.IRET)) {
            throw CpuFault.gp(sel & 0xfffc);
        }
        if (!d.present()) {
            throw CpuFault.withCode(CpuFault.NP, sel & 0xfffc);
        }
        boolean wide = (type & 8) != 0;
        if (Integer.compareUnsigned(d.limit(), wide ? 0x67 : 0x2b) < 0) {
            throw CpuFault.withCode(CpuFault.TS, sel & 0xfffc);
        }
        int nb = d.base();
        // Read the whole new state first: a fault here leaves the old task intact.
        TaskImage img = wide ? TaskImage.read32(c, nb) : TaskImage.read16(c, nb);
        saveCurrent(c, reason, returnIp);
        if (reason == Reason.JUMP || reason == Reason.IRET) {
            setBusy(c, c.tr.selector, false);
        }
        int flags = img.flags();
        if (reason == Reason.CALL || reason == Reason.INTERRUPT) {
            c.writeSys16(nb, c.tr.selector);
            flags |= NT;
        }
        if (reason != Reason.IRET) {
            setBusy(c, sel, true);
        }
        c.tr.set(sel, nb, d.limit(), d.attr() | 0x2, true);
        c.debug.taskSwitched(img.trap());
        c.cr0 |= 0x8;
        if (wide && (c.cr0 & 0x80000000) != 0) {
            c.cr3 = img.cr3();
            c.pagingChanged();
        }
        // A 16-bit TSS holds only FLAGS: the upper half of EFLAGS is cleared (VM with it — a 286
        // task never runs in virtual-8086 mode, also when a virtual-8086 task switched to it).
        c.setFlags((flags & (wide ? 0x3f7fd5 : 0x7fd5)) | 2);
        c.eip = img.eip();
        c.ip = c.eip;
        System.arraycopy(img.regs(), 0, c.r, 0, 8);
        loadTaskSegments(c, img);
    }

    /**
     * Saves the outgoing task into its own TSS, in that TSS's format: a 16-bit TSS keeps IP,
     * FLAGS, the low halves of the general registers and ES, CS, SS, DS.
     */
    private static void saveCurrent(CpuCore c, Reason reason, int returnIp) {
        int b = c.tr.base;
        int flags = reason == Reason.IRET ? c.flags() & ~NT : c.flags();
        if ((c.tr.attr & 0x8) == 0) {
            c.mmu.probeWrite(b + 0x0e, 0x1c, 0);
            c.writeSys16(b + 0x0e, returnIp);
            c.writeSys16(b + 0x10, flags);
            for (int i = 0; i < 8; i++) {
                c.writeSys16(b + 0x12 + i * 2, c.r[i]);
            }
            for (int s = 0; s < 4; s++) {
                c.writeSys16(b + 0x22 + s * 2, c.seg[s].selector);
            }
            return;
        }
        c.mmu.probeWrite(b + 0x20, 0x48, 0);
        c.writeSys32(b + 0x20, returnIp);
        c.writeSys32(b + 0x24, flags);
        for (int i = 0; i < 8; i++) {
            c.writeSys32(b + 0x28 + i * 4, c.r[i]);
        }
        for (int s = 0; s < 6; s++) {
            c.writeSys16(b + 0x48 + s * 4, c.seg[s].selector);
        }
    }

    private static void setBusy(CpuCore c, int sel, boolean busy) {
        int a = SegmentLoader.descriptorAddress(c, sel, CpuFault.GP);
        int access = c.readSys8(a + 5);
        c.writeSys8(a + 5, busy ? access | 2 : access & ~2);
    }

    /** Segment loads after the commit point: faults are reported in the context of the new task. */
    private static void loadTaskSegments(CpuCore c, TaskImage img) {
        int ldt = img.ldt();
        if ((ldt & 0xfffc) == 0) {
            c.ldtr.set(0, 0, 0, 0, false);
        } else {
            if ((ldt & 4) != 0) {
                throw CpuFault.withCode(CpuFault.TS, ldt & 0xfffc);
            }
            Descriptor ld = SegmentLoader.read(c, ldt, CpuFault.TS);
            if (!ld.system() || ld.type() != 2) {
                throw CpuFault.withCode(CpuFault.TS, ldt & 0xfffc);
            }
            ld.loadInto(c.ldtr, ldt);
        }
        int csSel = img.segs()[CS];
        if (c.flags(CpuCore.VM) != 0) {
            for (int s = 0; s < 6; s++) {
                int sel = img.segs()[s];
                c.seg[s].set(sel, sel << 4, 0xffff, 0xf3, true);
            }
            c.setCpl(3);
            return;
        }
        Descriptor cd = SegmentLoader.read(c, csSel, CpuFault.TS);
        if (!cd.code() || (cd.conforming() ? cd.dpl() > (csSel & 3) : cd.dpl() != (csSel & 3))) {
            throw CpuFault.withCode(CpuFault.TS, csSel & 0xfffc);
        }
        if (!cd.present()) {
            throw CpuFault.withCode(CpuFault.NP, csSel & 0xfffc);
        }
        SegmentLoader.loadCode(c, csSel, cd, csSel & 3);
        int ssSel = img.segs()[CpuCore.SS];
        Descriptor sd = SegmentLoader.checkStack(c, ssSel, c.cpl, CpuFault.TS);
        sd.loadInto(c.seg[CpuCore.SS], ssSel);
        for (int s : new int[] {CpuCore.ES, CpuCore.DS, CpuCore.FS, CpuCore.GS}) {
            SegmentLoader.load(c, s, img.segs()[s]);
        }
        if (Integer.compareUnsigned(c.eip, c.seg[CS].limit) > 0) {
            throw CpuFault.gp(0);
        }
    }
}
