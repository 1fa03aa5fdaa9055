package dev.tern.spi.cpu;

import dev.tern.spi.Config;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.memory.GuestMemory;

/** What a vCPU is connected to. */
public interface CpuContext {

    /** This vCPU's id, 0 for the boot processor. */
    int vcpuId();

    /** The validated configuration of the CPU provider. */
    Config config();

    /** Guest physical RAM. */
    GuestMemory memory();

    /** The I/O port space. */
    PortIoSpace ports();

    /** Memory-mapped I/O. */
    MmioSpace mmio();

    /** The virtual clock (e.g. for the TSC). */
    VirtualClock clock();

    /** The controller acknowledged when the vCPU takes an external interrupt. */
    InterruptController interruptController();
}
