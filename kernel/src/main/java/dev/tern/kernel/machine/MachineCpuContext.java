package dev.tern.kernel.machine;

import dev.tern.spi.Config;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.cpu.CpuContext;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptController;
import dev.tern.spi.memory.GuestMemory;
import dev.tern.kernel.irq.IrqRouter;

import java.util.function.UnaryOperator;

/**
 * A vCPU's wiring in a {@link Machine}; {@code acknowledge} wraps the interrupt controller the vCPU
 * acknowledges through (with parallel vCPUs: under the {@link DeviceLock}).
 */
record MachineCpuContext(int vcpuId, Config config, GuestMemory memory, PortIoSpace ports, MmioSpace mmio,
                         VirtualClock clock, IrqRouter irq, UnaryOperator<InterruptController> acknowledge)
        implements CpuContext {

    @Override
    public InterruptController interruptController() {
        // Looked up per call: the controller device connects itself after the vCPUs exist.
        InterruptController c = irq.controller();
        return c == null ? null : acknowledge.apply(c);
    }
}
