package dev.tern.transport.channel;

import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RefusedConnectionException;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accepts stream sockets and wraps each in a {@link StreamConnection}. {@link #accept()} blocks
 * until a peer connects or the listener is closed from another thread
 * ({@link java.nio.channels.AsynchronousCloseException}).
 */
public final class StreamListener implements Listener {

    /** Prepares an accepted socket (options) and names its peer. */
    @FunctionalInterface
    public interface Admission {
        /** Sets options on {@code channel} and returns the peer description for messages. */
        String admit(SocketChannel channel) throws IOException;
    }

    /** Runs after the server socket is closed, e.g. to remove a Unix socket file. */
    @FunctionalInterface
    public interface Cleanup {
        void run() throws IOException;
    }

    private final ServerSocketChannel server;
    private final String address;
    private final IdleTimeout timeout;
    private final Admission admission;
    private final Cleanup cleanup;
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param server a bound server channel, owned from now on
     * @param address the URI peers connect to, with scheme
     */
    public StreamListener(ServerSocketChannel server, String address, IdleTimeout timeout,
                          Admission admission, Cleanup cleanup) {
        this.server = server;
        this.address = address;
        this.timeout = timeout;
        this.admission = admission;
        this.cleanup = cleanup;
    }

    @Override
    public StreamConnection accept() throws IOException {
        SocketChannel channel = server.accept();
        try {
            return StreamConnection.over(channel, admission.admit(channel), timeout);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            // this peer's socket failed (e.g. reset before its options were set); the server socket is fine
            throw new RefusedConnectionException(address + ": admitting a peer failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String address() {
        return address;
    }

    /** Idempotent. Connections already accepted stay open. */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            server.close();
        } finally {
            cleanup.run();
        }
    }

    @Override
    public String toString() {
        return "StreamListener[" + address + "]";
    }
}
