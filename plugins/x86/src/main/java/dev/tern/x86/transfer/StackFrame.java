package dev.tern.x86.transfer;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;
import dev.tern.x86.memory.Segment;

/**
 * Writes several values onto a stack that may not be the current one (an inner ring's stack during
 * an interrupt or call gate), checking every slot before the first write so that a fault leaves
 * memory and registers untouched.
 */
public final class StackFrame {

    private StackFrame() {
    }

    /**
     * Pushes {@code values} (first value pushed first, i.e. at the highest address) and returns the
     * new stack pointer.
     *
     * @param faultSelector error code of the #SS raised when a slot is outside the segment
     */
    public static int push(CpuCore c, Segment ss, int esp, int width, int user, int faultSelector, int... values) {
        boolean big = ss.big();
        int n = values.length;
        int[] offs = new int[n];
        int sp = esp;
        for (int k = 0; k < n; k++) {
            sp = big ? sp - width : (sp - width) & 0xffff;
            offs[k] = sp;
            if (!ss.writable || !ss.inLimit(sp, width)) {
                throw CpuFault.withCode(CpuFault.SS, faultSelector);
            }
            c.mmu.probeWrite(ss.base + sp, width, user);
        }
        for (int k = 0; k < n; k++) {
            if (width == 4) {
                c.mmu.write32(ss.base + offs[k], values[k], user);
            } else {
                c.mmu.write16(ss.base + offs[k], values[k], user);
            }
        }
        return big ? sp : (esp & 0xffff0000) | sp;
    }
}
