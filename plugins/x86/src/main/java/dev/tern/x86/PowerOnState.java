package dev.tern.x86;

import dev.tern.x86.core.CpuCore;

/**
 * The architectural registers at power-on and INIT (SDM vol. 3A 10.1.1): real mode at F000:FFF0
 * with CS based at 0xFFFF0000, EDX holding the CPUID signature, CR0 0x60000010, DR6/DR7 at their
 * reset values, CPL 0 and the A20 gate open. Guest-visible, so every recording's first checkpoint
 * holds exactly this.
 */
final class PowerOnState {

    private PowerOnState() {
    }

    static void apply(CpuCore c, int signature) {
        java.util.Arrays.fill(c.r, 0);
        c.r[CpuCore.EDX] = signature;
        c.setFlags(2);
        c.eip = 0xfff0;
        for (int i = 0; i < 6; i++) {
            c.seg[i].set(0, 0, 0xffff, 0x93, true);
        }
        c.seg[CpuCore.CS].set(0xf000, 0xffff0000, 0xffff, 0x93, true);
        c.ldtr.set(0, 0, 0xffff, 0x82, true);
        c.tr.set(0, 0, 0xffff, 0x8b, true);
        c.gdtBase = 0;
        c.gdtLimit = 0xffff;
        c.idtBase = 0;
        c.idtLimit = 0xffff;
        c.cr0 = 0x60000010;
        c.cr2 = 0;
        c.cr3 = 0;
        c.cr4 = 0;
        java.util.Arrays.fill(c.dr, 0);
        c.dr[6] = 0xffff0ff0;
        c.dr[7] = 0x400;
        c.setCpl(0);
        c.a20 = true;
        c.pagingChanged();
        c.debug.configure();
        c.phys.refreshRegions();
    }
}
