package dev.tern.devices.uart;

import dev.tern.devices.chardev.CharBackendSpec;
import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.util.List;

/** Supplies 16550A serial ports. */
public final class UartProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("port", ConfigType.INTEGER, "0x3f8", "I/O base port (8 ports)"),
            ConfigKey.of("irq", ConfigType.INTEGER, "4", "interrupt line (GSI)"),
            ConfigKey.of("backend", ConfigType.STRING, "null", "host side: stdio, file, socket, memory or null"),
            ConfigKey.of("path", ConfigType.STRING, "", "file backend: output file"),
            ConfigKey.of("input", ConfigType.STRING, "", "file backend: optional input file"),
            ConfigKey.of("host", ConfigType.STRING, "127.0.0.1", "socket backend: loopback address to listen on"),
            ConfigKey.of("socket-port", ConfigType.INTEGER, "4555", "socket backend: TCP port (0 = any free port)"));

    @Override
    public String id() {
        return "uart16550";
    }

    @Override
    public String description() {
        return "16550A UART with 16-byte FIFOs and stdio/file/socket/memory backends";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        Config c = context.config();
        long port = c.integer("port");
        if (port < 0 || port > 0xfff8) {
            throw new ConfigException("config key 'port' = 0x" + Long.toHexString(port) + " leaves no room for 8 ports");
        }
        long irq = c.integer("irq");
        if (irq < 0 || irq > 255) {
            throw new ConfigException("config key 'irq' = " + irq + " is not a valid interrupt line");
        }
        CharBackendSpec spec = CharBackendSpec.parse(c.string("backend"), c.string("path"), c.string("input"),
                c.string("host"), c.integer("socket-port"));
        return new Uart16550(context, (int) port, (int) irq, spec.open());
    }
}
