package dev.tern.x86.ops;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/**
 * Near branches (Jcc, JMP, CALL, RET). Each form is its own small method so the interpreter's
 * large opcode switch makes one call per instruction and the JIT inlines the fetch, condition and
 * limit check inside it; called straight from the switch they stay out-of-line calls.
 */
public final class BranchOps {

    private BranchOps() {
    }

    /** Jcc with an 8-bit displacement (70..7F). */
    public static void jccShort(CpuCore c, int op) {
        int rel = (byte) c.fetch8();
        if (c.condition(op & 15)) {
            c.jumpNear(c.ip + rel);
        }
    }

    /** Jcc with a 16/32-bit displacement (0F 80..8F). */
    public static void jccNear(CpuCore c, int op) {
        int rel = c.fetchV();
        if (c.condition(op & 15)) {
            c.jumpNear(c.ip + rel);
        }
    }

    /** JMP rel8 (EB) or rel16/32 (E9). */
    public static void jump(CpuCore c, boolean shortForm) {
        int rel = shortForm ? (byte) c.fetch8() : c.fetchV();
        c.jumpNear(c.ip + rel);
    }

    /** CALL rel16/32 (E8): a failed push leaves IP at the return address for the fault. */
    public static void call(CpuCore c) {
        int rel = c.fetchV();
        int ret = c.ip;
        c.jumpNear(ret + rel);
        try {
            c.pushV(ret);
        } catch (CpuFault f) {
            c.ip = ret;
            throw f;
        }
    }

    /** RET (C3) and RET imm16 (C2). */
    public static void ret(CpuCore c, int release) {
        int t = c.peekV(0);
        c.jumpNear(t);
        c.adjustSp((c.op32 ? 4 : 2) + release);
    }
}
