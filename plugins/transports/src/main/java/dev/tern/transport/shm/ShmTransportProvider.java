package dev.tern.transport.shm;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.transport.address.AddressOptions;
import dev.tern.transport.channel.IdleTimeout;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;
import dev.tern.transport.tcp.TcpOptions;
import dev.tern.transport.tcp.TcpTransportProvider;
import dev.tern.transport.unix.UnixTransportProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code shm} transport, RDMA-style migration between two processes on one host:
 * {@code shm:unix:PATH} or {@code shm:tcp:HOST:PORT} names the control channel; guest RAM is
 * shared through files in {@code dir} (tmpfs by default), which both ends must configure alike.
 * Connections are {@link dev.tern.spi.transport.RemoteMemoryConnection}s.
 */
public final class ShmTransportProvider implements TransportProvider {

    /** Config key: the directory of the shared region files. */
    public static final String DIR = "dir";
    /** Config key: idle timeout of the control channel. */
    public static final String IO_TIMEOUT = "io-timeout";
    /** Config key: connect timeout of a TCP control channel. */
    public static final String CONNECT_TIMEOUT = "connect-timeout";

    @Override
    public String id() {
        return "shm";
    }

    @Override
    public String description() {
        return "same-host shared-memory migration, RDMA-style one-sided writes (shm:unix:PATH, shm:tcp:HOST:PORT, then ?KEY=VALUE&... options)";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(
                ConfigKey.of(DIR, ConfigType.PATH, "/dev/shm", "directory of the shared region files (same on both ends)"),
                ConfigKey.of(IO_TIMEOUT, ConfigType.DURATION, "30s",
                        "fail a control-channel read or write that makes no progress for this long (0 = never)"),
                ConfigKey.of(CONNECT_TIMEOUT, ConfigType.DURATION, "5s", "give up connecting a tcp control channel after this long"));
    }

    @Override
    public ShmConnection connect(String address, Config given) throws IOException {
        AddressOptions options = AddressOptions.parse(id(), address, configKeys());
        Config config = options.over(given);
        ControlAddress at = ControlAddress.parse(options.address());
        Path dir = dir(config);
        IdleTimeout timeout = timeout(config);
        StreamConnection control = switch (at) {
            case ControlAddress.Unix u -> UnixTransportProvider.connect(u.path(), timeout);
            case ControlAddress.Tcp t -> TcpTransportProvider.connect(t.address(), tcp(config, timeout));
        };
        return ShmConnection.open(control, dir);
    }

    @Override
    public ShmListener listen(String address, Config given) throws IOException {
        AddressOptions options = AddressOptions.parse(id(), address, configKeys());
        Config config = options.over(given);
        ControlAddress at = ControlAddress.parse(options.address());
        Path dir = dir(config);
        IdleTimeout timeout = timeout(config);
        StreamListener control = switch (at) {
            case ControlAddress.Unix u -> UnixTransportProvider.listen(u.path(), timeout);
            case ControlAddress.Tcp t -> TcpTransportProvider.listen(t.address(), tcp(config, timeout));
        };
        return new ShmListener(control, dir);
    }

    private static TcpOptions tcp(Config config, IdleTimeout timeout) {
        return new TcpOptions(config.duration(CONNECT_TIMEOUT), timeout, true, true);
    }

    private static Path dir(Config config) throws IOException {
        Path dir = config.path(DIR);
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException("shm config key '" + DIR + "' = " + dir + " is not an existing directory");
        }
        return dir;
    }

    private static IdleTimeout timeout(Config config) {
        Duration d = config.duration(IO_TIMEOUT);
        if (d.isNegative()) {
            throw new ConfigException("config key '" + IO_TIMEOUT + "' must not be negative: " + d);
        }
        return new IdleTimeout(d);
    }
}
