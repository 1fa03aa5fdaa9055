package dev.tern.devices.pci;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies the PCI host bridge (bus 0) that PCI devices such as virtio attach to. */
public final class PciHostProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("irqs", ConfigType.STRING, "10,10,11,11",
                    "ISA IRQs that PIRQA..PIRQD are routed to (written to each function's INTERRUPT_LINE)"));

    @Override
    public String id() {
        return "pci-host";
    }

    @Override
    public String description() {
        return "i440FX-like PCI host bridge, configuration mechanism #1 at 0xCF8/0xCFC, bus 0";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        return new PciHostBridge(context, parseIrqs(context.config().string("irqs")));
    }

    static int[] parseIrqs(String text) {
        String[] parts = text.split(",");
        if (parts.length != 4) {
            throw new ConfigException("config key 'irqs' = '" + text + "' must list 4 IRQs (PIRQA..D)");
        }
        int[] irqs = new int[4];
        for (int i = 0; i < 4; i++) {
            try {
                irqs[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new ConfigException("config key 'irqs': '" + parts[i] + "' is not a number");
            }
            if (irqs[i] < 1 || irqs[i] > 15 || irqs[i] == 2) {
                throw new ConfigException("config key 'irqs': " + irqs[i] + " is not a usable ISA IRQ (1..15, not 2)");
            }
        }
        return irqs;
    }
}
