package dev.tern.x86.jit;

import dev.tern.x86.decode.FastForm;

/**
 * One instruction of the subset {@link BlockCompiler} translates: 32-bit register operations, the
 * common 32-bit and byte memory forms (MOV, MOVZX, group-1 ALU, TEST, PUSH/POP, LEA), and a near
 * branch, jump, call or return ending the block. The decoder's fast form of an instruction describes
 * itself as a step ({@code FastForm.step()}).
 *
 * <p>Memory operands go through the soft TLB's fast path only ({@link TlbPath}): anything else — a
 * miss, MMIO, a page holding decoded code, a page-crossing or limit-violating access — leaves the
 * translated code before the instruction changes anything, and the interpreter runs it.
 */
public sealed interface Step {

    /**
     * A 32-bit memory operand: segment register {@code seg}, offset {@code disp + r[base] +
     * (r[index] << shift)} with {@code base} or {@code index} -1 when absent.
     */
    record Address(int seg, int base, int index, int shift, int disp) {
    }

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

    /** LEA r32, m: the offset only, no access. */
    record Lea(int dst, Address a) implements Step {
    }

    /**
     * A load of {@code size} bytes (1, 2 or 4) zero-extended into {@code r[dst]} (MOV r32, m32;
     * MOVZX r32, m8/m16), or into the byte register {@code dst} (AL..BH numbering) when
     * {@code byteReg}.
     */
    record Read(int dst, Address a, int size, boolean byteReg) implements Step {
    }

    /**
     * A store of {@code size} bytes (1 or 4): of register {@code src} (a byte register in AL..BH
     * numbering when {@code size} is 1), or of {@code imm} when {@code src} is negative.
     */
    record Write(Address a, int size, int src, int imm) implements Step {
    }

    /**
     * CMOVcc r32, m32: the dword at {@code a} is read whatever the condition (so an access off the
     * fast path leaves the block before anything changed), then moved to {@code r[dst]} when
     * condition {@code cc} holds.
     */
    record CondRead(int cc, int dst, Address a) implements Step {
    }

    /** ALU operation {@code op} of {@code r[dst]} and the dword at {@code a}, into {@code r[dst]} (CMP: flags only). */
    record AluFromMemory(int op, int dst, Address a) implements Step {
    }

    /**
     * ALU operation {@code op} of the dword at {@code a} and {@code r[src]} (or {@code imm} when
     * {@code src} is negative), stored back (CMP: flags only).
     */
    record AluToMemory(int op, Address a, int src, int imm) implements Step {
    }

    /** TEST of the dword at {@code a} and {@code r[reg]}. */
    record TestMemory(Address a, int reg) implements Step {
    }

    /** PUSH r32 ({@code src} >= 0) or PUSH imm ({@code imm}), 32-bit stack. */
    record Push(int src, int imm) implements Step {
    }

    /** POP r32, 32-bit stack. */
    record Pop(int dst) implements Step {
    }

    /**
     * Jcc with condition {@code cc}: EIP becomes {@code target} when taken, else {@code next}. The
     * target must lie within the CS limit the block was decoded under (a target beyond it faults,
     * which translated code does not do).
     */
    record Branch(int cc, int target, int next) implements Step {
    }

    /** JMP rel; the target, as for {@link Branch}, within the CS limit. */
    record Jump(int target) implements Step {
    }

    /** CALL rel: pushes {@code next}, goes to {@code target} (within the CS limit). */
    record Call(int target, int next) implements Step {
    }

    /** RET (near, no immediate): pops EIP, which must lie within the CS limit. */
    record Return() implements Step {
    }

    /**
     * A register-only fast form outside the forms above that cannot fault or branch (byte ALU and
     * TEST, shifts, IMUL, SETcc, CMOVcc, MOVZX, MOVSX and byte moves between registers): the translation
     * calls the form itself, so it does exactly what the interpreter does.
     */
    record Execute(FastForm form) implements Step {
    }
}
