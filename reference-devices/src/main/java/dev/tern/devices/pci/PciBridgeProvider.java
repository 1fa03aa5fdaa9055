package dev.tern.devices.pci;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies {@code pci-bridge}: a PCI-to-PCI bridge on bus 0 whose secondary bus's slots hot-plug through an SHPC. */
public final class PciBridgeProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.required("chassis-nr", ConfigType.INTEGER,
                    "chassis number 1..63: the guest names the bridge's slots from it (slot N is chassis_nr*32+N)"),
            ConfigKey.of("slot", ConfigType.INTEGER, "-1", "PCI slot on bus 0 (1..31), -1 for the first free one"));

    @Override
    public String id() {
        return "pci-bridge";
    }

    @Override
    public String description() {
        return "PCI-to-PCI bridge with a Standard Hot-Plug Controller (SHPC) for the 31 slots of its secondary bus";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        Config c = context.config();
        long chassis = c.integer("chassis-nr");
        if (chassis < 1 || chassis > 63) {
            throw new ConfigException("config key 'chassis-nr' = " + chassis + " is not 1..63");
        }
        long slot = c.integer("slot");
        if (slot != -1 && (slot < 1 || slot > 31)) {
            throw new ConfigException("config key 'slot' = " + slot + " is not 1..31 or -1");
        }
        return new PciBridge(context, (int) slot, (int) chassis);
    }
}
