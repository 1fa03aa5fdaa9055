package org.example.tern.transport;

import dev.tern.spi.Config;
import dev.tern.spi.ConfigException;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.TransportProvider;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * The smallest complete transport: {@code plain-tcp:HOST:PORT} over blocking sockets. Tern's own
 * {@code tcp} adds idle timeouts and tuning; this one shows what the SPI asks for and nothing more.
 */
public final class PlainTcpTransport implements TransportProvider {

    @Override
    public String id() {
        return "plain-tcp";
    }

    @Override
    public String description() {
        return "TCP over blocking sockets, no timeouts (example plugin)";
    }

    @Override
    public Connection connect(String address, Config config) throws IOException {
        InetSocketAddress peer = parse(address);
        SocketChannel channel = SocketChannel.open();
        try {
            channel.connect(peer);
        } catch (IOException e) {
            channel.close();
            throw new IOException("plain-tcp: cannot connect to " + address + ": " + e.getMessage(), e);
        }
        return new PlainTcpConnection(channel, address);
    }

    @Override
    public Listener listen(String address, Config config) throws IOException {
        InetSocketAddress local = parse(address);
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.bind(local);
        } catch (IOException e) {
            server.close();
            throw new IOException("plain-tcp: cannot listen on " + address + ": " + e.getMessage(), e);
        }
        return new PlainTcpListener(server, id());
    }

    /**
     * {@code HOST:PORT} (an IPv6 host in brackets).
     *
     * @throws ConfigException naming the address when it is not of that form
     */
    static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new ConfigException("plain-tcp address '" + address + "' is not HOST:PORT");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException("plain-tcp address '" + address + "' has no numeric port", e);
        }
        if (port < 0 || port > 65535) {
            throw new ConfigException("plain-tcp address '" + address + "': port " + port + " is out of range");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException("plain-tcp address '" + address + "': unknown host '" + host + "'", e);
        }
    }
}
