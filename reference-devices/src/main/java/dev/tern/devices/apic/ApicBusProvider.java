package dev.tern.devices.apic;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** Supplies the local APICs of a machine's vCPUs and the bus between them. */
public final class ApicBusProvider implements DeviceProvider {

    @Override
    public String id() {
        return "lapic";
    }

    @Override
    public String description() {
        return "xAPIC local APIC per vCPU (registers at 0xFEE00000 as each CPU sees them), IPIs and the APIC bus";
    }

    @Override
    public Device create(DeviceContext context) {
        return new ApicBus(context);
    }
}
