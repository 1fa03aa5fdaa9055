package dev.tern.devices.pic;

import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

/** Supplies the PC's cascaded i8259 interrupt controllers. */
public final class PicProvider implements DeviceProvider {

    @Override
    public String id() {
        return "i8259";
    }

    @Override
    public String description() {
        return "Cascaded 8259A PICs (0x20, 0xA0) with PIIX ELCR (0x4D0), IRQ 0-15";
    }

    @Override
    public Device create(DeviceContext context) {
        return new PicPair(context);
    }
}
