package dev.tern.kernel.machine;

import dev.tern.spi.Config;
import dev.tern.spi.clock.VirtualClock;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.MachineControl;
import dev.tern.spi.device.MachineServices;
import dev.tern.spi.io.MmioSpace;
import dev.tern.spi.io.PortIoSpace;
import dev.tern.spi.irq.InterruptRouting;
import dev.tern.spi.memory.GuestMemory;

/** A device's wiring in a {@link Machine}. */
record MachineDeviceContext(String instanceName, Config config, GuestMemory memory, PortIoSpace ports,
                            MmioSpace mmio, InterruptRouting interrupts, VirtualClock clock,
                            MachineControl machine, MachineServices services) implements DeviceContext {
}
