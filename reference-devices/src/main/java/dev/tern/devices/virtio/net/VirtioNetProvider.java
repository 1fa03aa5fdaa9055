package dev.tern.devices.virtio.net;

import dev.tern.devices.virtio.VirtioPciDevice;
import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;

/** Supplies virtio-net cards on the PCI bus of a {@code pci-host}. */
public final class VirtioNetProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("mac", ConfigType.STRING, "52:54:00:12:34:56", "Ethernet address"),
            ConfigKey.of("backend", ConfigType.STRING, "none", "host side: hub, udp or none"),
            ConfigKey.of("hub", ConfigType.STRING, "hub0", "hub backend: name of the in-process hub to join"),
            ConfigKey.of("local", ConfigType.STRING, "127.0.0.1:0", "udp backend: host:port to bind (port 0 = any)"),
            ConfigKey.of("remote", ConfigType.STRING, "127.0.0.1:5555", "udp backend: host:port frames are sent to"),
            ConfigKey.of("modern", ConfigType.BOOLEAN, "true", "also offer the virtio 1.0 interface (capabilities, memory BAR 4); off = legacy-only device"),
            ConfigKey.of("msix", ConfigType.BOOLEAN, "false", "also offer MSI-X (capability, table in memory BAR 1; needs modern): a guest with local APICs then takes the device's interrupts as messages, one vector per queue"),
            ConfigKey.of("slot", ConfigType.INTEGER, "-1", "PCI slot on its bus (1..31), -1 for the first free one"),
            ConfigKey.of("bus", ConfigType.STRING, "pci.0", "PCI bus: pci.0, or the id of a pci-bridge (hot-plug through its SHPC)"));

    @Override
    public String id() {
        return "virtio-net";
    }

    @Override
    public String description() {
        return "virtio network card (transitional PCI: legacy and virtio 1.0 interfaces) with hub, udp and none backends";
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
        MacAddress mac;
        try {
            mac = MacAddress.parse(c.string("mac"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config key 'mac': " + e.getMessage());
        }
        long slot = c.integer("slot");
        if (slot != -1 && (slot < 1 || slot > 31)) {
            throw new ConfigException("config key 'slot' = " + slot + " is not 1..31 or -1");
        }
        NetBackend backend = switch (c.string("backend")) {
            case "none" -> new NetBackend.None();
            case "hub" -> NetHub.named(c.string("hub")).join();
            case "udp" -> udp(context.instanceName(), c);
            default -> throw new ConfigException("config key 'backend' = '" + c.string("backend") + "' is not hub, udp or none");
        };
        return new VirtioPciDevice(context, new VirtioNet(mac, backend), c.string("bus"), (int) slot, c.bool("modern"),
                VirtioPciDevice.msix(c));
    }

    private static NetBackend udp(String name, Config c) {
        InetSocketAddress local = address("local", c.string("local"));
        InetSocketAddress remote = address("remote", c.string("remote"));
        try {
            return new UdpBackend(name, local, remote);
        } catch (UncheckedIOException e) {
            throw new ConfigException("config key 'local': " + e.getMessage());
        }
    }

    static InetSocketAddress address(String key, String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new ConfigException("config key '" + key + "' = '" + text + "' is not host:port");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("config key '" + key + "' = '" + text + "' has no numeric port");
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("config key '" + key + "' port " + port + " is not 0..65535");
        }
        InetSocketAddress a = new InetSocketAddress(text.substring(0, colon), port);
        if (a.isUnresolved()) {
            throw new ConfigException("config key '" + key + "': host '" + text.substring(0, colon) + "' does not resolve");
        }
        return a;
    }
}
