package dev.tern.kernel.monitor;

import dev.tern.kernel.migration.MigrationUri;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.spi.transport.Connection;
import dev.tern.spi.transport.Listener;
import dev.tern.spi.transport.RefusedConnectionException;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ByteChannel;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Where a server for people and tools (the human monitor, QMP) takes its clients, one at a time:
 * a socket of its own ({@code tcp:}, {@code unix:}), or a transport plugin's listener, which gives
 * these servers what the transports offer migrations ({@code tls:} with mutual authentication).
 */
public sealed interface ClientListener extends Closeable {

    /** One connected client. */
    interface Client extends Closeable {
        InputStream in();

        OutputStream out();

        /** Where the client is, for messages; empty when the socket cannot say (unix). */
        String peer();

        /** Ends the client's input (so its session ends after what it has queued), or all of it. */
        void shutdownInput() throws IOException;
    }

    /**
     * The next client; blocks. A peer refused on admission (a failed TLS handshake) is skipped.
     *
     * @throws IOException once closed, or when the socket broke
     */
    Client accept() throws IOException;

    /**
     * Serves clients of a transport URI. A monitor session idles for as long as its person does, so
     * the transport's idle timeout is off unless the URI sets {@code io-timeout} itself.
     *
     * @throws IOException when it cannot listen there
     */
    static Transported transport(String uri, PluginRegistry plugins) throws IOException {
        String idle = uri.contains("io-timeout=") ? uri : uri + (uri.contains("?") ? "&" : "?") + "io-timeout=0";
        return new Transported(MigrationUri.parse(idle).listen(plugins));
    }

    /** Serves clients of a bound server socket channel (tcp or unix). */
    static ClientListener channel(ServerSocketChannel channel) {
        return new Channeled(channel);
    }

    /** A client at {@code peer} on {@code channel}, whose input {@code endInput} ends. */
    private static Client client(ByteChannel channel, Closeable endInput, String peer) {
        return new Client() {
            @Override
            public String peer() {
                return peer;
            }

            @Override
            public InputStream in() {
                return Channels.newInputStream(channel);
            }

            @Override
            public OutputStream out() {
                return Channels.newOutputStream(channel);
            }

            @Override
            public void shutdownInput() throws IOException {
                endInput.close();
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    }

    /** A bound {@link ServerSocketChannel}. */
    record Channeled(ServerSocketChannel channel) implements ClientListener {
        @Override
        public Client accept() throws IOException {
            SocketChannel c = channel.accept();
            String peer = c.getRemoteAddress() instanceof java.net.InetSocketAddress a ? a.toString() : "";
            return ClientListener.client(c, c::shutdownInput, peer);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    /** A transport plugin's {@link Listener}. */
    record Transported(Listener listener) implements ClientListener {
        @Override
        public Client accept() throws IOException {
            while (true) {
                Connection c;
                try {
                    c = listener.accept();
                } catch (RefusedConnectionException e) {
                    continue; // one peer failed admission: the next may be the operator
                }
                return ClientListener.client(c, c::close, c.peer()); // a transport connection has no half-close
            }
        }

        /** The address a client connects to (the bound port, no credentials). */
        public String address() {
            return listener.address();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
