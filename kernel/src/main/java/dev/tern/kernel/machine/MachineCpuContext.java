package dev.tern.kernel.machine;

import dev.tern.spi.Config;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.kernel.irq.IrqRouter;

/** A vCPU's wiring in a {@link Machine}. */
record MachineCpuContext(int vcpuId, Config config, GuestMemory memory, PortIoSpace ports, MmioSpace mmio,
                         VirtualClock clock, IrqRouter irq) implements CpuContext {

    @Override
    public InterruptController interruptController() {
        // Looked up per call: the controller device connects itself after the vCPUs exist.
        return irq.controller();
    }
}
