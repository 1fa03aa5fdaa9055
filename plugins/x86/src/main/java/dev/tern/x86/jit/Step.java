package dev.tern.x86.jit;

/**
 * One instruction of the subset {@link BlockCompiler} translates: 32-bit register-only operations
 * that can neither fault nor reach memory, and a conditional near branch that ends the block. The
 * decoder's fast form of an instruction describes itself as a step ({@code FastForm.step()}).
 */
public sealed interface Step {

    /** MOV: {@code r[dst] = r[src]}. */
    record Move(int dst, int src) implements Step {
    }

    /** MOV r32, imm32. */
    record Load(int dst, int imm) implements Step {
    }

    /**
     * ALU operation {@code op} (the ModRM reg field of group 1: ADD OR ADC SBB AND SUB XOR CMP) of
     * {@code r[dst]} and {@code r[src]}, or of {@code imm} when {@code src} is negative; CMP writes no
     * register.
     */
    record Alu(int op, int dst, int src, int imm) implements Step {
    }

    /** TEST {@code r[a]}, {@code r[b]}. */
    record Test(int a, int b) implements Step {
    }

    /** INC or DEC of {@code r[reg]}. */
    record IncDec(int reg, boolean inc) implements Step {
    }

    /**
     * Jcc with condition {@code cc}: EIP becomes {@code target} when taken, else {@code next}. The
     * target must lie within the CS limit the block was decoded under (a target beyond it faults,
     * which translated code does not do).
     */
    record Branch(int cc, int target, int next) implements Step {
    }
}
