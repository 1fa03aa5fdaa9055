package dev.tern.transport.file;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.TransportProvider;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;

/**
 * The {@code file} transport. {@code connect} creates (or truncates) the file and writes the stream
 * into it; {@code listen} + {@code accept} read the file once from the beginning. Reads past the
 * end return -1. The written file is fsync'ed on close unless {@code fsync=off}, so that a snapshot
 * reported as saved survives a host crash.
 */
public final class FileTransportProvider implements TransportProvider {

    /** Config key: fsync the file when the writing connection closes. */
    public static final String FSYNC = "fsync";
    /** Config key: write buffer size. */
    public static final String BUFFER_SIZE = "buffer-size";

    private static final long MAX_BUFFER = 64L << 20;

    @Override
    public String id() {
        return "file";
    }

    @Override
    public String description() {
        return "migration stream to/from a file (file:PATH), one-way";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(
                ConfigKey.of(FSYNC, ConfigType.BOOLEAN, "on", "fsync the file when the writer closes"),
                ConfigKey.of(BUFFER_SIZE, ConfigType.SIZE, "1M",
                        "bytes gathered before a write system call (4K..64M)"));
    }

    @Override
    public FileWriteConnection connect(String address, Config config) throws IOException {
        long buffer = config.size(BUFFER_SIZE);
        if (buffer < 4096 || buffer > MAX_BUFFER) {
            throw new ConfigException("config key '" + BUFFER_SIZE + "' must be within 4K..64M, was " + buffer);
        }
        return FileWriteConnection.create(path(address), (int) buffer, config.bool(FSYNC));
    }

    @Override
    public FileListener listen(String address, Config config) {
        return new FileListener(path(address));
    }

    private static Path path(String address) {
        if (address == null || address.isBlank()) {
            throw new ConfigException("file address is empty; expected file:PATH");
        }
        try {
            return Path.of(address);
        } catch (InvalidPathException e) {
            throw new ConfigException("file address '" + address + "' is not a valid path: " + e.getMessage(), e);
        }
    }
}
