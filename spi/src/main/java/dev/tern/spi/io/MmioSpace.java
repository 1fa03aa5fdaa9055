package dev.tern.spi.io;

import dev.tern.spi.Registration;

/**
 * Guest-physical addresses decoded by devices rather than RAM. Reads of unmapped addresses return
 * all ones; writes are dropped.
 */
public interface MmioSpace {

    /**
     * Maps {@code [base, base+length)} to {@code handler} (e.g. a PCI BAR once the guest programs it).
     *
     * @throws IllegalStateException naming both owners when the range overlaps another mapping
     */
    Registration map(String owner, long base, long length, MmioHandler handler);

    /**
     * Maps {@code [base, base+length)} to {@code handler} for vCPU {@code vcpu} only, in front of the
     * shared mappings: each CPU sees its own device at the same address (the x86 local APIC's page at
     * 0xFEE00000). Accesses from other vCPUs, and from devices, reach the shared space.
     *
     * @throws IllegalArgumentException when the machine has no such vCPU
     * @throws UnsupportedOperationException when this space has no per-CPU view (the default)
     * @since SPI 1.6
     */
    default Registration mapForCpu(int vcpu, String owner, long base, long length, MmioHandler handler) {
        throw new UnsupportedOperationException("this MMIO space has no per-CPU mappings");
    }

    /** Dispatches a read; {@code size} is 1, 2, 4 or 8. */
    long read(long gpa, int size);

    /** Dispatches a write. */
    void write(long gpa, int size, long value);

    /** Whether some handler decodes {@code gpa}. */
    boolean isMapped(long gpa);
}
