package dev.tern.x86.ops;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.core.CpuFault;

/**
 * The common one-byte data forms (MOV, TEST, INC/DEC/PUSH/POP of a register), each its own small
 * method for the same reason as {@link BranchOps}: one call from the opcode switch, with the
 * register and memory accessors inlined inside.
 */
public final class MoveOps {

    private MoveOps() {
    }

    /** 88..8B: MOV between a register and r/m. */
    public static void mov(CpuCore c, int op) {
        switch (op & 3) {
            case 0 -> c.writeE8(c.get8(c.reg));
            case 1 -> c.writeEV(c.r[c.reg]);
            case 2 -> c.set8(c.reg, c.readE8());
            default -> c.setV(c.reg, c.readEV());
        }
    }

    /** B0..BF: MOV register, immediate. */
    public static void movImmediate(CpuCore c, int op) {
        if (op < 0xB8) {
            c.set8(op & 7, c.fetch8());
        } else {
            c.setV(op & 7, c.fetchV());
        }
    }

    /** C6/C7 /0: MOV r/m, immediate (other ModRM reg values are undefined). */
    public static void movImmediateToE(CpuCore c, boolean wide) {
        if (c.reg != 0) {
            throw CpuFault.ud();
        }
        if (wide) {
            c.writeEV(c.fetchV());
        } else {
            c.writeE8(c.fetch8());
        }
    }

    /** 68 (imm16/32) and 6A (imm8 sign-extended): PUSH immediate. */
    public static void pushImmediate(CpuCore c, boolean byteForm) {
        c.pushV(byteForm ? (byte) c.fetch8() : c.fetchV());
    }

    /** A8/A9: TEST AL/eAX, immediate. */
    public static void testAccumulator(CpuCore c, boolean wide) {
        if (wide) {
            Alu.logic(c, c.r[CpuCore.EAX] & c.fetchV(), c.op32 ? 4 : 2);
        } else {
            Alu.logic(c, c.r[CpuCore.EAX] & c.fetch8(), 1);
        }
    }

    /** 84/85: TEST r/m, register. */
    public static void test(CpuCore c, boolean wide) {
        if (wide) {
            Alu.logic(c, c.readEV() & c.getV(c.reg), c.op32 ? 4 : 2);
        } else {
            Alu.logic(c, c.readE8() & c.get8(c.reg), 1);
        }
    }

    /** 40..4F: INC/DEC register. */
    public static void incDec(CpuCore c, int op) {
        int i = op & 7;
        int size = c.op32 ? 4 : 2;
        c.setV(i, op < 0x48 ? Alu.inc(c, c.getV(i), size) : Alu.dec(c, c.getV(i), size));
    }

    /** 50..57: PUSH register. */
    public static void push(CpuCore c, int op) {
        c.pushV(c.r[op & 7]);
    }

    /** 58..5F: POP register. */
    public static void pop(CpuCore c, int op) {
        int v = c.popV();
        c.setV(op & 7, v);
    }
}
