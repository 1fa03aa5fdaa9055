package dev.tern.devices.pit;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** Supplies the PC's i8254 interval timer with port 0x61. */
public final class PitProvider implements DeviceProvider {

    @Override
    public String id() {
        return "i8254";
    }

    @Override
    public String description() {
        return "8254 PIT (0x40-0x43), channel 0 on IRQ0, channel 2 gate/OUT and refresh toggle in port 0x61";
    }

    @Override
    public Device create(DeviceContext context) {
        return new Pit8254(context);
    }
}
