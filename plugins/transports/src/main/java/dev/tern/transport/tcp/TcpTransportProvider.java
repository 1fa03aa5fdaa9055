package dev.tern.transport.tcp;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigKey;
import dev.tern.spi.transport.TransportProvider;
import dev.tern.transport.address.AddressOptions;
import dev.tern.transport.channel.IdleTimeout;
import dev.tern.transport.channel.StreamConnection;
import dev.tern.transport.channel.StreamListener;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;

/** The {@code tcp} transport: {@code tcp:HOST:PORT}, IPv6 literals in brackets, port 0 = ephemeral on listen. */
public final class TcpTransportProvider implements TransportProvider {

    @Override
    public String id() {
        return "tcp";
    }

    @Override
    public String description() {
        return "TCP stream (tcp:HOST:PORT[?KEY=VALUE&...]), TCP_NODELAY, keepalive, connect and idle timeouts";
    }

    @Override
    public List<ConfigKey> configKeys() {
        return TcpOptions.KEYS;
    }

    @Override
    public StreamConnection connect(String address, Config config) throws IOException {
        AddressOptions given = AddressOptions.parse(id(), address, TcpOptions.KEYS);
        return connect(TcpAddress.parse(given.address()), TcpOptions.from(given.over(config)));
    }

    @Override
    public StreamListener listen(String address, Config config) throws IOException {
        AddressOptions given = AddressOptions.parse(id(), address, TcpOptions.KEYS);
        return listen(TcpAddress.parse(given.address()), TcpOptions.from(given.over(config)));
    }

    /** Connects to {@code address}; refused, unresolvable and timed-out attempts fail naming the address. */
    public static StreamConnection connect(TcpAddress address, TcpOptions options) throws IOException {
        return connect(address, options, "tcp");
    }

    /**
     * Connects over TCP for a transport layered on it; the connection and its messages name the
     * peer as {@code scheme:HOST:PORT}.
     */
    public static StreamConnection connect(TcpAddress address, TcpOptions options, String scheme) throws IOException {
        String peer = scheme + ":" + address;
        InetSocketAddress target = resolve(address);
        SocketChannel channel = SocketChannel.open();
        try {
            configure(channel, options);
            channel.configureBlocking(false);
            if (!channel.connect(target)) {
                finishConnect(channel, peer, options);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw describe(e, peer);
        }
        return StreamConnection.over(channel, peer, options.idleTimeout());
    }

    /** Binds a listener; {@link StreamListener#address()} reports the real port. */
    public static StreamListener listen(TcpAddress address, TcpOptions options) throws IOException {
        return listen(address, options, "tcp");
    }

    /**
     * Binds a TCP listener for a transport layered on it: its address and its connections' peers
     * are written {@code scheme:HOST:PORT}.
     */
    public static StreamListener listen(TcpAddress address, TcpOptions options, String scheme) throws IOException {
        InetSocketAddress local = resolve(address);
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(local);
        } catch (IOException e) {
            server.close();
            throw new IOException(scheme + ":" + address + ": cannot listen: " + e.getMessage(), e);
        }
        int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
        String bound = scheme + ":" + address.withPort(port);
        return new StreamListener(server, bound, options.idleTimeout(), channel -> {
            configure(channel, options);
            return scheme + ":" + format((InetSocketAddress) channel.getRemoteAddress());
        }, () -> { });
    }

    private static InetSocketAddress resolve(TcpAddress address) throws UnknownHostException {
        InetSocketAddress resolved = new InetSocketAddress(address.host(), address.port());
        if (resolved.isUnresolved()) {
            throw new UnknownHostException("tcp:" + address + ": cannot resolve host '" + address.host() + "'");
        }
        return resolved;
    }

    private static void finishConnect(SocketChannel channel, String peer, TcpOptions options) throws IOException {
        try (Selector selector = Selector.open()) {
            channel.register(selector, SelectionKey.OP_CONNECT);
            long allowed = options.connectTimeout().toNanos();
            long start = System.nanoTime();
            while (!channel.finishConnect()) {
                if (allowed == 0) {
                    selector.select();
                } else {
                    long remaining = allowed - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        throw new SocketTimeoutException("connecting to " + peer + " timed out after "
                                + IdleTimeout.format(options.connectTimeout()));
                    }
                    selector.select(Math.max(1, remaining / 1_000_000));
                }
                selector.selectedKeys().clear();
            }
        }
    }

    private static void configure(SocketChannel channel, TcpOptions options) throws IOException {
        channel.setOption(StandardSocketOptions.TCP_NODELAY, options.noDelay());
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, options.keepAlive());
    }

    private static IOException describe(Exception e, String peer) {
        if (e instanceof SocketTimeoutException timeout) {
            return timeout;
        }
        if (e instanceof ConnectException) {
            ConnectException refused = new ConnectException("cannot connect to " + peer + ": " + e.getMessage());
            refused.initCause(e);
            return refused;
        }
        return new IOException("cannot connect to " + peer + ": " + e.getMessage(), e);
    }

    private static String format(InetSocketAddress a) {
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        int percent = host.indexOf('%');
        if (percent >= 0) {
            host = host.substring(0, percent);
        }
        return new TcpAddress(host, a.getPort()).toString();
    }
}
