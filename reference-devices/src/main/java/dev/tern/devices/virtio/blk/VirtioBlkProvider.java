package dev.tern.devices.virtio.blk;

import dev.tern.devices.virtio.VirtioPciDevice;
import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.io.UncheckedIOException;
import java.util.List;

/** Supplies virtio-blk disks on the PCI bus of a {@code pci-host}. */
public final class VirtioBlkProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.required("path", ConfigType.PATH, "raw disk image file"),
            ConfigKey.of("readonly", ConfigType.BOOLEAN, "false", "refuse guest writes (VIRTIO_BLK_F_RO)"),
            ConfigKey.of("serial", ConfigType.STRING, "", "disk serial returned by GET_ID, up to 20 ASCII bytes"),
            ConfigKey.of("modern", ConfigType.BOOLEAN, "true", "also offer the virtio 1.0 interface (capabilities, memory BAR 4); off = legacy-only device"),
            ConfigKey.of("msix", ConfigType.BOOLEAN, "false", "also offer MSI-X (capability, table in memory BAR 1; needs modern): a guest with local APICs then takes the device's interrupts as messages, one vector per queue"),
            ConfigKey.of("slot", ConfigType.INTEGER, "-1", "PCI slot on its bus (1..31), -1 for the first free one"),
            ConfigKey.of("bus", ConfigType.STRING, "pci.0", "PCI bus: pci.0, or the id of a pci-bridge (hot-plug through its SHPC)"));

    @Override
    public String id() {
        return "virtio-blk";
    }

    @Override
    public String description() {
        return "virtio block device (transitional PCI: legacy and virtio 1.0 interfaces) over a raw image";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    /** Removable once the guest let the PCI function go ({@link VirtioPciDevice#unplugBlocker()}). */
    @Override
    public boolean hotPluggable() {
        return true;
    }

    @Override
    public Device create(DeviceContext context) {
        Config c = context.config();
        String serial = c.string("serial");
        if (serial.length() > VirtioBlk.ID_BYTES || !serial.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
            throw new ConfigException("config key 'serial' = '" + serial + "' must be at most 20 printable ASCII characters");
        }
        int slot = slot(c.integer("slot"));
        try {
            return new VirtioPciDevice(context, new VirtioBlk(c.path("path"), c.bool("readonly"), serial), c.string("bus"),
                    slot, c.bool("modern"), VirtioPciDevice.msix(c));
        } catch (UncheckedIOException e) {
            throw new ConfigException("config key 'path': " + e.getMessage());
        }
    }

    static int slot(long slot) {
        if (slot != -1 && (slot < 1 || slot > 31)) {
            throw new ConfigException("config key 'slot' = " + slot + " is not 1..31 or -1");
        }
        return (int) slot;
    }
}
