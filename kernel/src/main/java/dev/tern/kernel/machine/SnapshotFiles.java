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
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Snapshot files written and read through the {@code file} transport plugin (URI {@code file:PATH}),
 * the same way a migration stream to a file travels: the plugin owns buffering, fsync and the
 * all-or-nothing replacement of the file (SPI {@code Connection.abort()}), the kernel only knows
 * the SPI. A failed save never leaves a truncated snapshot behind.
 */
public final class SnapshotFiles {

    /** The transport scheme snapshots use. */
    public static final String SCHEME = "file";

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

    /**
     * Saves {@code machine} (not running) to {@code file}, reporting RAM progress to {@code bar} (may
     * be null). Closing the connection is the commit point: the transport puts the whole file in
     * place or, on {@link Connection#abort()}, leaves what the path held.
     */
    public void save(Machine machine, Path file, Progress bar) throws IOException {
        Connection c = transport.connect(file.toString(), config);
        try {
            MachineSnapshot.save(machine, Channels.newOutputStream(c), bar);
        } catch (IOException | RuntimeException | Error e) {
            try {
                c.abort();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        c.close();
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
