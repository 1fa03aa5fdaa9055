package dev.tern.transport.unix;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.ConfigType;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.transport.address.AddressOptions;
import dev.tern.transport.channel.IdleTimeout;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The {@code unix} transport: {@code unix:PATH}.
 *
 * <p>Listening on a path that already exists: if it is a socket nobody listens on (left behind by a
 * crashed process) it is removed and reused; if a live listener answers, or the path is not a
 * socket at all, listening fails and nothing is deleted. The listener deletes its socket file when
 * closed. Connecting is immediate on a local socket, so there is no connect timeout.
 */
public final class UnixTransportProvider implements TransportProvider {

    /** Config key: idle timeout of reads and writes. */
    public static final String IO_TIMEOUT = "io-timeout";

    private static final int SOCKET_TYPE_MASK = 0170000;
    private static final int SOCKET_TYPE = 0140000;

    @Override
    public String id() {
        return "unix";
    }

    @Override
    public String description() {
        return "Unix domain stream socket (unix:PATH[?KEY=VALUE&...]) with an idle timeout";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return List.of(ConfigKey.of(IO_TIMEOUT, ConfigType.DURATION, "30s",
                "fail a read or write that makes no progress for this long (0 = never)"));
    }

    @Override
    public StreamConnection connect(String address, Config config) throws IOException {
        AddressOptions given = AddressOptions.parse(id(), address, configKeys());
        return connect(path(given.address()), timeout(given.over(config)));
    }

    @Override
    public StreamListener listen(String address, Config config) throws IOException {
        AddressOptions given = AddressOptions.parse(id(), address, configKeys());
        return listen(path(given.address()), timeout(given.over(config)));
    }

    /** Connects to the socket at {@code path}. */
    public static StreamConnection connect(Path path, IdleTimeout timeout) throws IOException {
        String peer = "unix:" + path;
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot connect to " + peer + ": " + reason(e), e);
        }
        return StreamConnection.over(channel, peer, timeout);
    }

    /** Listens at {@code path}, replacing a stale socket file (see the class comment). */
    public static StreamListener listen(Path path, IdleTimeout timeout) throws IOException {
        String address = "unix:" + path;
        removeStaleSocket(path);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + address + ": " + reason(e), e);
        }
        return new StreamListener(server, address, timeout, channel -> address, () -> Files.deleteIfExists(path));
    }

    private static void removeStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new FileAlreadyExistsException(path.toString(), null,
                    "cannot listen on unix:" + path + ": the path exists and is not a socket");
        }
        // Non-blocking: a live listener with a full accept queue must not hang us, and it answers
        // "try again" (a SocketException), which is as alive as a completed connection.
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException refused) {
            // Nobody accepts on it: the file is what a crashed listener left behind.
            Files.deleteIfExists(path);
            return;
        } catch (SocketException busy) {
            throw new IOException("cannot listen on unix:" + path + ": another process is listening there ("
                    + busy.getMessage() + ")", busy);
        }
        throw new IOException("cannot listen on unix:" + path + ": another process is listening there");
    }

    private static boolean isSocket(Path path) throws IOException {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & SOCKET_TYPE_MASK) == SOCKET_TYPE;
        } catch (UnsupportedOperationException e) {
            // Without the unix attribute view, only "not a regular file, directory or link" is knowable.
            return Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
        }
    }

    private static Path path(String address) {
        if (address == null || address.isBlank()) {
            throw new ConfigException("unix address is empty; expected unix:PATH");
        }
        try {
            return Path.of(address);
        } catch (InvalidPathException e) {
            throw new ConfigException("unix address '" + address + "' is not a valid path: " + e.getMessage(), e);
        }
    }

    private static IdleTimeout timeout(Config config) {
        Duration d = config.duration(IO_TIMEOUT);
        if (d.isNegative()) {
            throw new ConfigException("config key '" + IO_TIMEOUT + "' must not be negative: " + d);
        }
        return new IdleTimeout(d);
    }

    private static String reason(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
