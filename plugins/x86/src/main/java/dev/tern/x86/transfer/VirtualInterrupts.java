package dev.tern.x86.transfer;

import static dev.tern.x86.core.CpuCore.AF;
import static dev.tern.x86.core.CpuCore.CF;
import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.DF;
import static dev.tern.x86.core.CpuCore.NT;
import static dev.tern.x86.core.CpuCore.OF;
import static dev.tern.x86.core.CpuCore.PF;
import static dev.tern.x86.core.CpuCore.SF;
import static dev.tern.x86.core.CpuCore.ZF;
import static dev.tern.x86.core.CpuCore.ESP;
import static dev.tern.x86.core.CpuCore.IF;
import static dev.tern.x86.core.CpuCore.IOPL;
import static dev.tern.x86.core.CpuCore.RF;
import static dev.tern.x86.core.CpuCore.SS;
import static dev.tern.x86.core.CpuCore.TF;
import static dev.tern.x86.core.CpuCore.VIF;
import static dev.tern.x86.core.CpuCore.VIP;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/**
 * The interrupt-flag instructions under the virtual-8086 mode extensions (CR4.VME) and protected-mode
 * virtual interrupts (CR4.PVI), SDM vol. 3A 20.3-20.4: where IOPL would have made CLI, STI, PUSHF,
 * POPF, IRET or INT n fault to a monitor, VME lets a V86 task run them against the virtual interrupt
 * flag (VIF) instead of IF, and sends INT n to the task's own vector table when the TSS's interrupt
 * redirection bitmap says so; PVI does the same for CLI/STI at CPL 3 outside V86 mode. Setting VIF
 * while the monitor has marked an interrupt pending (VIP) is the #GP(0) that lets it deliver one.
 */
public final class VirtualInterrupts {

    public static final int CR4_VME = 0x1, CR4_PVI = 0x2;

    /** FLAGS bits a 16-bit POPF/IRET under VME may change: not IF (VIF takes its value) nor IOPL. */
    private static final int VME_FLAGS = CF | PF | AF | ZF | SF | TF | DF | OF | NT;

    private VirtualInterrupts() {
    }

    private static int iopl(CpuCore c) {
        return c.flags(IOPL) >> 12;
    }

    private static boolean vme(CpuCore c) {
        return (c.cr4 & CR4_VME) != 0;
    }

    /** Whether IF itself is the flag CLI/STI change; false when VIF is, and #GP(0) when neither may be. */
    private static boolean realInterruptFlag(CpuCore c) {
        if (!c.protectedMode()) {
            return true;
        }
        if (c.v86()) {
            if (iopl(c) == 3) {
                return true;
            }
            if (vme(c)) {
                return false;
            }
        } else {
            if (c.cpl <= iopl(c)) {
                return true;
            }
            if (c.cpl == 3 && (c.cr4 & CR4_PVI) != 0) {
                return false;
            }
        }
        throw CpuFault.gp(0);
    }

    /** CLI. */
    public static void cli(CpuCore c) {
        c.setFlag(realInterruptFlag(c) ? IF : VIF, false);
    }

    /** STI; returns whether IF went from 0 to 1 (the next instruction then runs in its shadow). */
    public static boolean sti(CpuCore c) {
        if (realInterruptFlag(c)) {
            boolean wasOff = c.flags(IF) == 0;
            c.setFlag(IF, true);
            return wasOff;
        }
        if (c.flags(VIP) != 0) {
            throw CpuFault.gp(0);
        }
        c.setFlag(VIF, true);
        return false;
    }

    /** Whether PUSHF, POPF and IRET in the current V86 task run under VME (IOPL below 3). */
    public static boolean virtualized(CpuCore c) {
        return c.v86() && iopl(c) != 3;
    }

    /** The check for a virtualised PUSHF/POPF/IRET: VME on, and only their 16-bit forms. */
    private static void requireVme16(CpuCore c) {
        if (!vme(c) || c.op32) {
            throw CpuFault.gp(0);
        }
    }

    /** The FLAGS image a V86 task sees under VME: IF is VIF, IOPL reads 3. */
    private static int virtualFlags(CpuCore c) {
        int f = c.flags() & 0xffff & ~IF;
        return f | IOPL | (c.flags(VIF) != 0 ? IF : 0);
    }

    /** PUSHF in V86 mode with IOPL below 3. */
    public static void pushf(CpuCore c) {
        requireVme16(c);
        c.push16(virtualFlags(c));
    }

    /** POPF in V86 mode with IOPL below 3: #GP(0) if the image sets TF, or IF while VIP is set. */
    public static void popf(CpuCore c) {
        requireVme16(c);
        int image = c.peek16(0);
        loadVirtualFlags(c, image);
        c.adjustSp(2);
    }

    /** IRET in V86 mode with IOPL below 3: a real-mode style return that loads VIF from the image's IF. */
    public static void iret(CpuCore c) {
        requireVme16(c);
        int ip = c.peek16(0);
        int cs = c.peek16(2);
        int image = c.peek16(4);
        checkImage(c, image);
        if (Integer.compareUnsigned(ip, c.seg[CS].limit) > 0) {
            throw CpuFault.gp(0);
        }
        FarTransfer.loadV86(c, CS, cs);
        c.ip = ip;
        loadVirtualFlags(c, image);
        c.adjustSp(6);
    }

    private static void checkImage(CpuCore c, int image) {
        if ((image & TF) != 0 || ((image & IF) != 0 && c.flags(VIP) != 0)) {
            throw CpuFault.gp(0);
        }
    }

    private static void loadVirtualFlags(CpuCore c, int image) {
        checkImage(c, image);
        int f = (c.flags() & ~VME_FLAGS & ~VIF) | (image & VME_FLAGS) | ((image & IF) != 0 ? VIF : 0);
        c.setFlags(f);
    }

    /**
     * INT n ({@code CD}) in any mode. In V86 mode with VME, a clear bit {@code n} in the TSS's
     * redirection bitmap (the 32 bytes below the I/O map base) sends the interrupt through the V86
     * task's own vector table at linear address 0; a set bit leaves it to the protected-mode IDT,
     * which IOPL below 3 forbids as without VME.
     */
    public static void softwareInterrupt(CpuCore c, int n, int returnIp) {
        if (c.v86()) {
            if (vme(c) && !redirectionBit(c, n)) {
                throughV86Table(c, n, returnIp);
                return;
            }
            if (iopl(c) != 3) {
                throw CpuFault.gp(0);
            }
        }
        InterruptDelivery.deliver(c, n, returnIp, true, false, 0);
    }

    /** Bit {@code n} of the redirection bitmap; #GP(0) when the TSS is not a 32-bit one that holds it. */
    private static boolean redirectionBit(CpuCore c, int n) {
        int type = c.tr.attr & 0xf;
        if ((type != 9 && type != 11) || Integer.compareUnsigned(c.tr.limit, 0x67) < 0) {
            throw CpuFault.gp(0);
        }
        int at = c.readSys16(c.tr.base + 0x66) - 32 + (n >> 3);
        if (at < 0 || Integer.compareUnsigned(at, c.tr.limit) > 0) {
            throw CpuFault.gp(0);
        }
        return (c.readSys8(c.tr.base + at) & 1 << (n & 7)) != 0;
    }

    /**
     * The 8086 way inside the V86 task: FLAGS (IF shown as VIF and IOPL as 3 when IOPL is below 3),
     * CS and IP pushed on its stack, CS:IP from its vector table, TF and RF cleared, and IF cleared
     * (IOPL 3) or VIF (IOPL below 3).
     */
    private static void throughV86Table(CpuCore c, int n, int returnIp) {
        boolean real = iopl(c) == 3;
        int image = real ? c.flags() & 0xffff : virtualFlags(c);
        int ip = c.readSys16(n * 4);
        int cs = c.readSys16(n * 4 + 2);
        c.r[ESP] = StackFrame.push(c, c.seg[SS], c.r[ESP], 2, c.user(), 0, image, c.seg[CS].selector,
                returnIp & 0xffff);
        FarTransfer.loadV86(c, CS, cs);
        c.setFlag(TF | RF | (real ? IF : VIF), false);
        c.eip = ip;
        c.ip = ip;
    }
}
