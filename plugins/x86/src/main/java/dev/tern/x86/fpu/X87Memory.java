package dev.tern.x86.fpu;

/**
 * The memory operand of one x87 instruction, supplied by the CPU. Offsets are relative to the
 * instruction's effective address (multi-part operands such as FSAVE images or 80-bit reals
 * touch EA+0 .. EA+n). Values are little-endian; reads return zero-extended values. The CPU
 * performs segmentation, paging and fault checks and may throw its own exceptions from any
 * method. Single-operand instructions read before changing any register and write last, so a
 * fault leaves the FPU unchanged; multi-part FSAVE/FRSTOR-style accesses are not atomic.
 */
public interface X87Memory {
    int readU8(int off);

    int readU16(int off);

    int readU32(int off);

    long readU64(int off);

    void writeU8(int off, int v);

    void writeU16(int off, int v);

    void writeU32(int off, int v);

    void writeU64(int off, long v);

    /**
     * The instruction's operand size for FSTENV/FLDENV/FSAVE/FRSTOR: true selects the 28-byte
     * (32-bit) environment layout, false the 14-byte (16-bit) one.
     */
    default boolean operandSize32() {
        return true;
    }

    /**
     * Whether the CPU is in real (or virtual-8086) mode: the environment layouts then store the
     * instruction and operand pointers as 20-bit linear addresses instead of selector:offset.
     */
    default boolean realMode() {
        return false;
    }
}
