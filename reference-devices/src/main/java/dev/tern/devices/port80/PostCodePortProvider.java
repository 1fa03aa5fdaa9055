package dev.tern.devices.port80;

import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies the POST code port 0x80. */
public final class PostCodePortProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("log", ConfigType.BOOLEAN, "false", "log every POST code written"));

    @Override
    public String id() {
        return "port80";
    }

    @Override
    public String description() {
        return "POST code port 0x80 (last code readable, optional log)";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        return new PostCodePort(context, context.config().bool("log"));
    }
}
