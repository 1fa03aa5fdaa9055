package dev.tern.x86.jit;

import dev.tern.x86.core.CpuCore;
import dev.tern.x86.decode.FastForm;
import dev.tern.x86.ops.Eflags;

/**
 * Group-1 ALU operations on a memory destination, split in two so translated code can store the
 * result before recording the flags: the store is the step that may leave the block (see
 * {@link TlbPath}), and nothing of the instruction may have happened when it does; and the call
 * through which translated code runs a register-only fast form.
 */
public final class AluOps {

    private AluOps() {
    }

    /** The 32-bit result of operation {@code op} (ADD OR ADC SBB AND SUB XOR CMP) with carry-in {@code carry}. */
    public static int value(int op, int a, int b, int carry) {
        return switch (op) {
            case 0 -> a + b;
            case 1 -> a | b;
            case 2 -> a + b + carry;
            case 3 -> a - b - carry;
            case 4 -> a & b;
            case 6 -> a ^ b;
            default -> a - b;
        };
    }

    /** Records the lazy flags of {@link #value}, as the interpreter's fast forms do. */
    public static void record(CpuCore c, int op, int a, int b, int carry, int res) {
        switch (op) {
            case 0 -> c.ef.recordLast(Eflags.ADD, a, b, res, 4);
            case 2 -> c.ef.recordLast(carry == 0 ? Eflags.ADD : Eflags.ADC, a, b, res, 4);
            case 3 -> c.ef.recordLast(carry == 0 ? Eflags.SUB : Eflags.SBB, a, b, res, 4);
            case 5, 7 -> c.ef.recordLast(Eflags.SUB, a, b, res, 4);
            default -> c.ef.recordLast(Eflags.LOGIC, 0, 0, res, 4);
        }
    }

    /** Runs a register-only fast form as the interpreter's fast-form loop does ({@link Step.Execute}). */
    public static void execute(FastForm f, CpuCore c) {
        c.ef.beginInstruction();
        f.execute(c);
    }
}
