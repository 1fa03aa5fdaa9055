package org.example.tern.transport;

import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A bound server socket; {@link #address()} carries the real port when port 0 was asked for. */
final class PlainTcpListener implements Listener {

    private final ServerSocketChannel server;
    private final String address;

    PlainTcpListener(ServerSocketChannel server, String scheme) throws IOException {
        this.server = server;
        InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
        String host = bound.getAddress().getHostAddress();
        this.address = scheme + ":" + (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
    }

    @Override
    public Connection accept() throws IOException {
        SocketChannel channel = server.accept();
        InetSocketAddress from = (InetSocketAddress) channel.getRemoteAddress();
        return new PlainTcpConnection(channel, from.getAddress().getHostAddress() + ":" + from.getPort());
    }

    @Override
    public String address() {
        return address;
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
