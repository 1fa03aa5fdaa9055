package org.example.tern.transport;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** One blocking socket; reads and writes go straight to it. */
final class PlainTcpConnection implements Connection {

    private final SocketChannel channel;
    private final String peer;

    PlainTcpConnection(SocketChannel channel, String peer) {
        this.channel = channel;
        this.peer = peer;
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    /** Ends this side's output: the peer reads end of stream, the other direction stays open. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
