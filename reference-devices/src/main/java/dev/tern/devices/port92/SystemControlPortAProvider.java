package dev.tern.devices.port92;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** Supplies system control port A (0x92). */
public final class SystemControlPortAProvider implements DeviceProvider {

    @Override
    public String id() {
        return "port92";
    }

    @Override
    public String description() {
        return "System control port A (0x92): fast A20 gate and fast reset";
    }

    @Override
    public Device create(DeviceContext context) {
        return new SystemControlPortA(context);
    }
}
