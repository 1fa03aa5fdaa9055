package dev.tern.kernel.plugin;

import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** A class-path device provider with one key of each interesting shape (required, default, secret). */
public final class TestDeviceProvider implements DeviceProvider {

    @Override
    public String id() {
        return "test-uart";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(
                ConfigKey.required("port", ConfigType.INTEGER, "I/O port base"),
                ConfigKey.of("irq", ConfigType.INTEGER, "4", "interrupt line"),
                ConfigKey.of("fifo", ConfigType.BOOLEAN, "on", "16-byte FIFOs"),
                new ConfigKey("token", ConfigType.STRING, "s3cret-default", "access token", true));
    }

    @Override
    public Device create(DeviceContext context) {
        return () -> { };
    }
}
