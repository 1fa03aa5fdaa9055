package dev.tern.devices.debugexit;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies the isa-debug-exit port. */
public final class DebugExitProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("iobase", ConfigType.INTEGER, "0xf4", "I/O port"),
            ConfigKey.of("iosize", ConfigType.INTEGER, "4", "number of ports (1, 2 or 4)"));

    @Override
    public String id() {
        return "isa-debug-exit";
    }

    @Override
    public String description() {
        return "Guest-requested exit: writing v exits the VMM with status (v << 1) | 1";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        long base = context.config().integer("iobase");
        long size = context.config().integer("iosize");
        if (size != 1 && size != 2 && size != 4) {
            throw new ConfigException("config key 'iosize' = " + size + " is not 1, 2 or 4");
        }
        if (base < 0 || base + size > 0x10000) {
            throw new ConfigException("config key 'iobase' = 0x" + Long.toHexString(base) + " is outside the port space");
        }
        return new DebugExit(context, (int) base, (int) size);
    }
}
