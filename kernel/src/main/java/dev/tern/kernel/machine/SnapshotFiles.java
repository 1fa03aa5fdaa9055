package dev.tern.kernel.machine;

import dev.tern.kernel.config.ValidatedConfig;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.progress.Progress;
import dev.tern.kernel.state.StateSource;
import dev.tern.spi.Config;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Snapshot files written and read through the {@code file} transport plugin (URI {@code file:PATH}),
 * the same way a migration stream to a file travels: the plugin owns buffering and fsync, the
 * kernel only knows the SPI. A save goes to {@code PATH.part} first and is renamed over
 * {@code PATH} only once complete, so a failed save never leaves a truncated snapshot behind.
 */
public final class SnapshotFiles {

    /** The transport scheme snapshots use. */
    public static final String SCHEME = "file";
    private static final String PART = ".part";

    private final TransportProvider transport;
    private final Config config;

    /**
     * @param transport the {@value #SCHEME} transport
     * @param config its configuration
     */
    public SnapshotFiles(TransportProvider transport, Config config) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * The {@value #SCHEME} transport of {@code plugins}, with its default configuration.
     *
     * @throws dev.tern.kernel.plugin.PluginException when no such transport is installed
     */
    public static SnapshotFiles using(PluginRegistry plugins) {
        TransportProvider t = plugins.require(TransportProvider.class, SCHEME);
        return new SnapshotFiles(t, ValidatedConfig.of(SCHEME, t.configKeys(), Map.of()));
    }

    /** The {@value #SCHEME} transport found on the class path of this kernel. */
    public static SnapshotFiles onClassPath() {
        return using(PluginRegistry.discover(SnapshotFiles.class.getClassLoader(), List.of()));
    }

    /** Saves {@code machine} (not running) to {@code file}, reporting RAM progress to {@code bar} (may be null). */
    public void save(Machine machine, Path file, Progress bar) throws IOException {
        Path part = file.resolveSibling(file.getFileName() + PART);
        try {
            try (OutputStream out = Channels.newOutputStream(transport.connect(part.toString(), config))) {
                MachineSnapshot.save(machine, out, bar);
            }
            // The rename is the commit point; the bytes themselves went through the transport.
            Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** {@code file} as a re-readable source: every {@code open()} accepts a fresh transport reader. */
    public StateSource source(Path file) {
        String address = file.toString();
        return () -> {
            Listener listener = transport.listen(address, config);
            Connection c;
            try {
                c = listener.accept();
            } catch (IOException | RuntimeException e) {
                listener.close();
                throw e;
            }
            return new FilterInputStream(Channels.newInputStream(c)) {
                @Override
                public void close() throws IOException {
                    try {
                        super.close();
                    } finally {
                        listener.close();
                    }
                }
            };
        };
    }
}
