package dev.tern.devices.apic;

import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies the I/O APIC; it needs the {@code lapic} device in the same machine. */
public final class IoApicProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("base", ConfigType.INTEGER, "0xfec00000", "register page (IOREGSEL at +0, IOWIN at +0x10)"),
            ConfigKey.of("gsi-base", ConfigType.INTEGER, "0", "global interrupt of input 0 (24 inputs)"),
            ConfigKey.of("isa", ConfigType.BOOLEAN, "false", "PC wiring: hear ISA IRQs 0-15 beside the 8259 (IRQ 0 on INTIN 2,"
                    + " IRQ 2 on none) and own GSIs 16-23 for INTIN 16-23; needs gsi-base 0"),
            ConfigKey.of("id", ConfigType.INTEGER, "-1", "I/O APIC ID 0..15; -1: the number of vCPUs, the first ID after the processors'"));

    @Override
    public String id() {
        return "ioapic";
    }

    @Override
    public String description() {
        return "I/O APIC (version 0x20, 24 redirection entries) at 0xFEC00000, sending to the local APICs";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        return new IoApic(context);
    }
}
