package dev.tern.x86.transfer;

import dev.tern.x86.core.CpuCore;

/**
 * The state a task switch loads from the incoming task's TSS, read whole before anything of the
 * outgoing task changes.
 *
 * @param eip where the task resumes
 * @param flags its EFLAGS (a 16-bit TSS: FLAGS only)
 * @param regs EAX..EDI; from a 16-bit TSS the low halves, the upper halves all ones as the 386 loads them
 * @param segs ES, CS, SS, DS, FS, GS selectors (a 16-bit TSS has no FS or GS: null)
 * @param ldt the LDT selector
 * @param cr3 the page directory (a 16-bit TSS has none: paging stays as it is)
 * @param trap the debug trap bit (T) of a 32-bit TSS
 */
record TaskImage(int eip, int flags, int[] regs, int[] segs, int ldt, int cr3, boolean trap) {

    /** A 32-bit TSS at {@code base} (limit at least 0x67). */
    static TaskImage read32(CpuCore c, int base) {
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) {
            regs[i] = c.readSys32(base + 0x28 + i * 4);
        }
        int[] segs = new int[6];
        for (int s = 0; s < 6; s++) {
            segs[s] = c.readSys16(base + 0x48 + s * 4);
        }
        return new TaskImage(c.readSys32(base + 0x20), c.readSys32(base + 0x24), regs, segs,
                c.readSys16(base + 0x60), c.readSys32(base + 0x1c), (c.readSys16(base + 0x64) & 1) != 0);
    }

    /**
     * An 80286 TSS at {@code base} (limit at least 0x2b): IP 0x0e, FLAGS 0x10, AX..DI 0x12..0x20,
     * ES CS SS DS 0x22..0x28, LDT 0x2a.
     */
    static TaskImage read16(CpuCore c, int base) {
        int[] regs = new int[8];
        for (int i = 0; i < 8; i++) {
            regs[i] = 0xffff0000 | c.readSys16(base + 0x12 + i * 2);
        }
        int[] segs = new int[6];
        for (int s = 0; s < 4; s++) {
            segs[s] = c.readSys16(base + 0x22 + s * 2);
        }
        return new TaskImage(c.readSys16(base + 0x0e), c.readSys16(base + 0x10), regs, segs,
                c.readSys16(base + 0x2a), 0, false);
    }
}
