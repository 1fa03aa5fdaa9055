package dev.tern.x86.ops;

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

        /** The instruction's operand size (selects the 28- or 14-byte environment layout). */
        boolean operandSize32();

        /** Real or virtual-8086 mode: environment pointers are stored as linear addresses. */
        boolean realMode();
    }

    /**
     * Executes one ESC instruction; {@code mem} is null for register forms. {@code cs:eip} (the
     * instruction's first byte, prefixes included) and {@code dataSel:dataOff} (the memory operand)
     * feed the last-instruction pointers; {@code eflags} is what FCMOVcc tests.
     *
     * @return ZF/PF/CF to install in EFLAGS (FCOMI family, OF/SF/AF cleared), or -1 to leave EFLAGS
     * @throws CpuFault the exception the instruction raises instead of completing (#UD, #MF)
     */
    int execute(int opcode, int modrm, Operand mem, int cs, int eip, int dataSel, int dataOff, int eflags);

    /** FXSAVE: the 512-byte image of the unit's state (the CPU has checked access and alignment). */
    void fxsave(Operand mem);

    /** FXRSTOR: loads the unit from a 512-byte image (the CPU has checked access and alignment). */
    void fxrstor(Operand mem);

    /** Whether a waiting instruction (FWAIT) must report an unmasked exception (status word ES). */
    boolean errorPending();

    /** The FPU status word (for FNSTSW AX). */
    int statusWord();

    /** Power-on reset state. */
    void reset();
}
