package dev.tern.spi.cpu;

import java.util.List;
import java.util.OptionalLong;

/**
 * What a debugger (the kernel's GDB stub) may do with a vCPU, in the vocabulary of the GDB remote
 * protocol: registers by GDB number as the CPU's own target description numbers them, memory at
 * the addresses the guest's code uses, and stops that live outside guest memory.
 *
 * <p>Every method is called only while the vCPU is stopped (the machine is paused), on any thread;
 * the pause hands the values over. Breakpoints and watchpoints are kept by the CPU, not written into
 * guest memory, so RAM, the dirty log and replay hashes stay exactly as without a debugger, and a
 * stop never changes the instruction count: {@link Vcpu#run} returns {@link VcpuExit.Debug} before
 * an instruction at a breakpoint retires, or right after the instruction that touched a watched byte.
 *
 * @since SPI 1.3
 */
public interface DebugAccess {

    /**
     * The GDB target description (the {@code target.xml} document of {@code qXfer:features:read}):
     * its architecture and registers, numbered in the order {@link #registerSizes()} lists them.
     */
    String targetDescription();

    /** The size in bytes of every register, by GDB register number. */
    int[] registerSizes();

    /** Reads register {@code number} into {@code dst} at {@code off}, little-endian, {@code registerSizes()[number]} bytes. */
    void readRegister(int number, byte[] dst, int off);

    /**
     * Writes register {@code number} from {@code src} at {@code off} (little-endian).
     *
     * @throws IllegalArgumentException naming the register when it cannot be written or the value is impossible
     */
    void writeRegister(int number, byte[] src, int off);

    /** The GDB number of the program counter register (what {@code c ADDRESS} and {@code s ADDRESS} set). */
    int programCounterRegister();

    /**
     * Reads guest memory at a debugger address (what the guest's code uses: a linear address on
     * x86) without side effects: no accessed/dirty bits, no device access. Returns how many bytes
     * were read; fewer than {@code len} when an unmapped page or a non-RAM address was reached.
     */
    int readMemory(long address, byte[] dst, int off, int len);

    /** Writes guest RAM at a debugger address like {@link #readMemory}; returns how many bytes were written. */
    int writeMemory(long address, byte[] src, int off, int len);

    /**
     * Replaces the instruction breakpoints: {@link Vcpu#run} returns {@link VcpuExit.Debug} with the
     * address before executing an instruction that starts there. The instruction the vCPU last
     * stopped at for a breakpoint does not stop it again when the run resumes there.
     */
    void setBreakpoints(long[] addresses);

    /** Replaces the watchpoints: {@link Vcpu#run} returns {@link VcpuExit.Debug} right after an instruction accessed one. */
    void setWatchpoints(List<Watchpoint> watchpoints);

    /** The data address of the watchpoint hit that ended the last run (cleared by the call), if one did. */
    OptionalLong takeWatchHit();

    /** A watched range of guest memory at debugger addresses. */
    record Watchpoint(long address, int length, Access access) {
        public Watchpoint {
            if (length < 1 || length > 4096) {
                throw new IllegalArgumentException("watchpoint length " + length + " is outside 1..4096");
            }
            java.util.Objects.requireNonNull(access, "access");
        }
    }

    /** Which accesses a watchpoint stops at (GDB's watch, rwatch and awatch). */
    enum Access {
        WRITE, READ, ACCESS
    }
}
