package dev.tern.devices.debugcon;

import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.device.Device;
import dev.tern.spi.device.DeviceContext;
import dev.tern.spi.device.DeviceProvider;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Supplies the debug console port (0xE9 by default). */
public final class DebugConsoleProvider implements DeviceProvider {

    private static final List<ConfigKey> KEYS = List.of(
            ConfigKey.of("port", ConfigType.INTEGER, "0xe9", "I/O port"),
            ConfigKey.of("path", ConfigType.STRING, "-", "output file; '-' is the VMM's standard output"));

    @Override
    public String id() {
        return "debugcon";
    }

    @Override
    public String description() {
        return "Bochs/QEMU debug console: bytes written to the port go to a file or standard output";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return KEYS;
    }

    @Override
    public Device create(DeviceContext context) {
        long port = context.config().integer("port");
        if (port < 0 || port > 0xffff) {
            throw new ConfigException("config key 'port' = " + port + " is outside the port space");
        }
        String path = context.config().string("path");
        OutputStream out;
        if (path.equals("-")) {
            out = new FileOutputStream(FileDescriptor.out) {
                @Override
                public void close() {
                    // Standard output outlives the device.
                }
            };
        } else {
            try {
                out = Files.newOutputStream(Path.of(path));
            } catch (IOException e) {
                throw new UncheckedIOException("debugcon: cannot open '" + path + "': " + e.getMessage(), e);
            }
        }
        return new DebugConsole(context, (int) port, out);
    }
}
