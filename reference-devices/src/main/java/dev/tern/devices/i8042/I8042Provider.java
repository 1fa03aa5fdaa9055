package dev.tern.devices.i8042;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** Supplies the i8042 keyboard controller. */
public final class I8042Provider implements DeviceProvider {

    @Override
    public String id() {
        return "i8042";
    }

    @Override
    public String description() {
        return "i8042 keyboard controller (0x60/0x64, IRQ1/IRQ12) with A20 and reset via the output port";
    }

    @Override
    public Device create(DeviceContext context) {
        return new KeyboardController(context);
    }
}
