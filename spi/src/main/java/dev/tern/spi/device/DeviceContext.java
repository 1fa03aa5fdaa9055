package dev.tern.spi.device;

import dev.tern.spi.Config;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptRouting;
import dev.tern.spi.memory.GuestMemory;

/** What a device is wired to. Side effects go through here, so a device can be tested alone. */
public interface DeviceContext {

    /** The instance name, unique in the machine (e.g. {@code "serial0"}); also the saved-state instance. */
    String instanceName();

    /** The validated configuration. */
    Config config();

    /** Guest memory, for DMA. */
    GuestMemory memory();

    /** The I/O port space. */
    PortIoSpace ports();

    /** Memory-mapped I/O. */
    MmioSpace mmio();

    /** Interrupt wiring. */
    InterruptRouting interrupts();

    /** The virtual clock and timers. */
    VirtualClock clock();

    /** Power and reset requests, and the event path for host-side input. */
    MachineControl machine();

    /** Services the machine's devices share (e.g. the PCI bus a host bridge publishes). */
    MachineServices services();
}
