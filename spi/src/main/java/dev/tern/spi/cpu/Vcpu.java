package dev.tern.spi.cpu;

import dev.tern.spi.state.StateSection;

import java.util.List;

/**
 * One virtual CPU. {@link #run} is called only on the vCPU's own thread; {@link #requestExit} and
 * {@link #setInterruptRequest} may be called from any thread.
 *
 * <p>Instruction counting is exact: {@link #instructionCount()} advances by one for every retired
 * instruction (an instruction that faults does not retire; the delivery of an interrupt or exception
 * is not an instruction), on every execution path, so a recorded run can be replayed to the
 * instruction.
 */
public interface Vcpu {

    /**
     * Executes guest code until an exit condition, retiring at most {@code maxInstructions}
     * instructions.
     */
    VcpuExit run(long maxInstructions);

    /** Instructions retired since reset (part of the saved state). */
    long instructionCount();

    /** Returns to the architectural reset state. */
    void reset();

    /** Asks {@link #run} to return {@link VcpuExit.ExitRequested} at the next instruction boundary. */
    void requestExit();

    /** Level of the INTR pin, driven by the interrupt controller. */
    void setInterruptRequest(boolean asserted);

    /** The saved-state sections of this vCPU. */
    default List<StateSection<?>> sections() {
        return List.of();
    }

    /**
     * Drops every cached permission to write guest memory without telling the dirty log, so the next
     * write to each page is reported with {@link dev.tern.spi.memory.GuestMemory#markDirty}. Called on
     * the vCPU's own thread while all vCPUs are stopped, just before the dirty log is cleared.
     */
    default void writeProtectAll() {
    }

    /**
     * Reports with {@link dev.tern.spi.memory.GuestMemory#markDirty} every page this vCPU may still
     * write without telling the dirty log (its cached write permissions), and keeps the permissions.
     * Called like {@link #writeProtectAll()}, but just after the dirty log is cleared: the new round
     * then holds every page the vCPU can write unreported, so nothing written in it goes unmarked.
     * For a reader that can take a superset of the written pages (the replay fingerprint re-reads
     * them), this leaves the vCPU's write path as it was, where dropping the permissions sends each
     * page's next write down the slow path. The default drops them instead. Since SPI 1.8.
     */
    default void markWritableDirty() {
        writeProtectAll();
    }

    /**
     * Drives the A20 gate input: when disabled, physical address bit 20 reads as zero (the 8086
     * wrap-around real-mode software relies on). CPUs without such an input ignore enabling and
     * refuse disabling.
     */
    default void setA20(boolean enabled) {
        if (!enabled) {
            throw new UnsupportedOperationException("this CPU has no A20 gate");
        }
    }

    /**
     * Whether the vCPU is halted in a way no interrupt can end (x86: HLT with IF=0 and no NMI
     * source) — only a reset wakes it. Guests power off like this when they have no power-off
     * device (Linux with {@code acpi=off}); the machine then ends the run instead of waiting forever.
     */
    default boolean haltedForever() {
        return false;
    }

    /**
     * Connects the interrupt controller that delivers to this vCPU alone (its local APIC): from now on
     * INTR is acknowledged through {@code controller}, and the CPU reports the controller as present
     * (x86: CPUID's APIC flag and initial APIC ID, IA32_APIC_BASE enabled). Returns this vCPU's
     * interrupt inputs, which accept calls from any thread. Called once, while the machine is built.
     *
     * @throws UnsupportedOperationException when the CPU takes no per-CPU controller (the default)
     * @since SPI 1.6
     */
    default dev.tern.spi.irq.CpuInterruptPort connectLocalController(dev.tern.spi.irq.InterruptController controller) {
        throw new UnsupportedOperationException("this CPU has no local interrupt controller input");
    }

    /**
     * What a debugger may do with this vCPU; {@code null} when the CPU offers no debugging.
     *
     * @since SPI 1.3
     */
    default DebugAccess debug() {
        return null;
    }

    /** A one-line description of the vCPU's state, for diagnostics. */
    default String describe() {
        return "vcpu";
    }
}
