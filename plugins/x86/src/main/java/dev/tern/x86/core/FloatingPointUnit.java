package dev.tern.x86.core;

/**
 * The CPU side of the x87 integration: the interpreter hands ESC opcodes (D8..DF) to an attached
 * unit after the CR0.EM/TS checks. Memory operands are accessed through {@link Operand}, relative to
 * the effective address, with the CPU's segmentation, paging and faults.
 */
public interface FloatingPointUnit {

    /** Memory at the instruction's effective address. */
    interface Operand {
        int readU8(int off);

        int readU16(int off);

        int readU32(int off);

        long readU64(int off);

        void writeU8(int off, int v);

        void writeU16(int off, int v);

        void writeU32(int off, int v);

        void writeU64(int off, long v);
    }

    /** Executes one ESC instruction; {@code mem} is null for register forms. */
    void execute(int opcode, int modrm, Operand mem);

    /** The FPU status word (for FNSTSW AX). */
    int statusWord();

    /** FNINIT-equivalent reset state. */
    void reset();
}
