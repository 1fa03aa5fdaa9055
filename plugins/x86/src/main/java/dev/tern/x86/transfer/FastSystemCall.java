package dev.tern.x86.transfer;

import static dev.tern.x86.core.CpuCore.CS;
import static dev.tern.x86.core.CpuCore.ECX;
import static dev.tern.x86.core.CpuCore.EDX;
import static dev.tern.x86.core.CpuCore.ESP;
import static dev.tern.x86.core.CpuCore.IF;
import static dev.tern.x86.core.CpuCore.RF;
import static dev.tern.x86.core.CpuCore.SS;
import static dev.tern.x86.core.CpuCore.VM;
import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Segment;

/**
 * SYSENTER and SYSEXIT (0F 34, 0F 35) with the three MSRs that steer them: IA32_SYSENTER_CS
 * (0x174), IA32_SYSENTER_ESP (0x175) and IA32_SYSENTER_EIP (0x176). Neither instruction reads a
 * descriptor: both load fixed flat 4 GiB segments whose selectors derive from IA32_SYSENTER_CS, so
 * the OS must lay its GDT out to match (kernel CS, kernel SS, user CS, user SS).
 */
public final class FastSystemCall {

    public static final int MSR_CS = 0x174, MSR_ESP = 0x175, MSR_EIP = 0x176;

    /** Access rights (descriptor bits 40..55) of the flat segments: G, D/B, present, DPL 0. */
    private static final int FLAT_CODE = Segment.G | Segment.DB | Segment.PRESENT | Segment.S | Segment.CODE
            | Segment.RW | Segment.ACCESSED;
    private static final int FLAT_DATA = Segment.G | Segment.DB | Segment.PRESENT | Segment.S | Segment.RW
            | Segment.ACCESSED;
    private static final int DPL3 = 3 << 5;

    /** Bits 31:16 are unused but kept (the SDM: they can be read and written); 63:32 read as 0. */
    private int cs;
    private int esp;
    private int eip;
    /**
     * SYSENTERs and SYSEXITs completed since this CPU was made: what shows whether a guest takes the
     * fast path (not machine state: a saved or migrated CPU starts again from 0).
     */
    private long entries;
    private long exits;

    /** SYSENTER: to CPL 0 at IA32_SYSENTER_EIP with ESP = IA32_SYSENTER_ESP, VM, IF and RF cleared. */
    public void enter(CpuCore c) {
        if (!c.protectedMode() || (cs & 0xfffc) == 0) {
            throw CpuFault.gp(0);
        }
        c.setFlag(VM | IF | RF, false);
        int sel = cs & 0xfffc;
        c.seg[CS].set(sel, 0, -1, FLAT_CODE, true);
        c.seg[SS].set(sel + 8, 0, -1, FLAT_DATA, true);
        c.setCpl(0);
        c.r[ESP] = esp;
        c.eip = eip;
        c.ip = eip;
        entries++;
    }

    /** SYSEXIT: from CPL 0 to CPL 3 at EDX with ESP = ECX; EFLAGS are left as they are. */
    public void exit(CpuCore c) {
        if (!c.protectedMode() || (cs & 0xfffc) == 0 || c.cpl != 0 || c.v86()) {
            throw CpuFault.gp(0);
        }
        int sel = cs & 0xfffc;
        c.seg[CS].set((sel + 16) | 3, 0, -1, FLAT_CODE | DPL3, true);
        c.seg[SS].set((sel + 24) | 3, 0, -1, FLAT_DATA | DPL3, true);
        c.setCpl(3);
        c.r[ESP] = c.r[ECX];
        c.eip = c.r[EDX];
        c.ip = c.r[EDX];
        exits++;
    }

    /** SYSENTERs that entered the kernel (not those that raised #GP). */
    public long entries() {
        return entries;
    }

    /** SYSEXITs that returned to CPL 3 (not those that raised #GP). */
    public long exits() {
        return exits;
    }

    /** The MSR's value, or -1 when {@code msr} is not one of the three. */
    public long read(int msr) {
        return switch (msr) {
            case MSR_CS -> cs & 0xffffffffL;
            case MSR_ESP -> esp & 0xffffffffL;
            case MSR_EIP -> eip & 0xffffffffL;
            default -> -1;
        };
    }

    /** Writes one of the three MSRs (their low 32 bits, all a 32-bit CPU keeps); false when it is not one of them. */
    public boolean write(int msr, long value) {
        switch (msr) {
            case MSR_CS -> cs = (int) value;
            case MSR_ESP -> esp = (int) value;
            case MSR_EIP -> eip = (int) value;
            default -> {
                return false;
            }
        }
        return true;
    }
}
