package org.example.tern.device;

import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Makes {@link ScratchRegister}s: {@code --device scratch[,port=0x510]}. */
public final class ScratchProvider implements DeviceProvider {

    @Override
    public String id() {
        return "scratch";
    }

    @Override
    public String description() {
        return "one byte-wide scratch register at an I/O port (example plugin)";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(ConfigKey.of("port", ConfigType.INTEGER, "0x510", "I/O port of the register"));
    }

    @Override
    public Device create(DeviceContext context) {
        long port = context.config().integer("port");
        if (port < 0 || port > 0xffff) {
            throw new IllegalArgumentException("scratch: port " + port + " is not an I/O port (0..0xffff)");
        }
        return new ScratchRegister(context, (int) port);
    }
}
