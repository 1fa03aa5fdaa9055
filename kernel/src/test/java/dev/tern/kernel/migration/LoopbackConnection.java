package dev.tern.kernel.migration;

import dev.tern.spi.transport.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;

/** Two ends of an in-memory bidirectional connection (two pipes), for tests without transports. */
final class LoopbackConnection implements Connection {

    private final Pipe.SourceChannel in;
    private final Pipe.SinkChannel out;
    private final String peer;

    private LoopbackConnection(Pipe.SourceChannel in, Pipe.SinkChannel out, String peer) {
        this.in = in;
        this.out = out;
        this.peer = peer;
    }

    /** {@code [a, b]}: what a writes, b reads, and back. */
    static LoopbackConnection[] pair() throws IOException {
        Pipe ab = Pipe.open();
        Pipe ba = Pipe.open();
        return new LoopbackConnection[] {
            new LoopbackConnection(ba.source(), ab.sink(), "loop:b"),
            new LoopbackConnection(ab.source(), ba.sink(), "loop:a")};
    }

    @Override
    public String peer() {
        return peer;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return in.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return out.write(src);
    }

    @Override
    public boolean isOpen() {
        return in.isOpen() || out.isOpen();
    }

    @Override
    public void close() throws IOException {
        in.close();
        out.close();
    }
}
