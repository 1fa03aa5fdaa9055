package dev.tern.kernel.monitor.qmp;

import dev.tern.kernel.monitor.ClientListener;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A QMP endpoint ({@code --qmp unix:PATH,server} or {@code tcp:HOST:PORT,server}): serves one
 * client at a time on its own monitor thread, as QEMU's socket chardev does; the next client waits
 * in the backlog. Several servers may share one {@link Monitor}.
 */
public final class QmpServer implements AutoCloseable {

    /** How long {@link #close()} lets a connected client take its last events before cutting it off. */
    private static final long DRAIN_MILLIS = 2000;

    private final Monitor monitor;
    private final ClientListener clients;
    /** The socket of a tcp: or unix: endpoint (for {@link #address()}); null over a transport. */
    private final ServerSocketChannel server;
    private final String where;
    private final Path unixPath;
    private final Thread thread;
    private final AtomicLong droppedEvents = new AtomicLong();
    private volatile ClientListener.Client client;
    private volatile boolean closed;

    private QmpServer(Monitor monitor, ServerSocketChannel server, String where, Path unixPath) {
        this(monitor, ClientListener.channel(server), server, where, unixPath);
    }

    private QmpServer(Monitor monitor, ClientListener clients, ServerSocketChannel server, String where, Path unixPath) {
        this.monitor = monitor;
        this.clients = clients;
        this.server = server;
        this.where = where;
        this.unixPath = unixPath;
        this.thread = Thread.ofPlatform().daemon().name("tern-qmp " + where).unstarted(this::acceptLoop);
    }

    /**
     * Opens the endpoint {@code spec}: {@code unix:PATH,server} or {@code tcp:HOST:PORT,server}
     * (port 0 picks a free one), optionally followed by {@code ,wait=off} or {@code ,nowait}, which
     * Tern accepts for QEMU compatibility (it never waits for a client before the guest runs).
     */
    public static QmpServer open(String spec, Monitor monitor) throws IOException {
        return open(spec, monitor, null);
    }

    /**
     * {@link #open(String, Monitor)}, and also any transport's URI through {@code plugins} (null:
     * none), e.g. {@code tls:HOST:PORT?cert=F&key=F&ca=F,server}: QMP over TLS, the client's
     * certificate checked as a migration's is.
     */
    public static QmpServer open(String spec, Monitor monitor, PluginRegistry plugins) throws IOException {
        String[] parts = spec.split(",");
        boolean server = false;
        for (int i = 1; i < parts.length; i++) {
            switch (parts[i]) {
                case "server", "server=on" -> server = true;
                case "wait=off", "nowait" -> { }
                default -> throw new IllegalArgumentException("--qmp " + spec + ": unknown option '" + parts[i]
                        + "' (expected server, wait=off)");
            }
        }
        if (!server) {
            throw new IllegalArgumentException("--qmp " + spec + ": Tern only listens; add ',server'");
        }
        String address = parts[0];
        if (address.startsWith("unix:")) {
            Path path = Path.of(address.substring(5));
            if (path.toString().isEmpty()) {
                throw new IllegalArgumentException("--qmp " + spec + ": unix: needs a path");
            }
            if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
                Files.delete(path); // a stale socket of an earlier run, as QEMU replaces it
            }
            var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(UnixDomainSocketAddress.of(path), 1);
            return start(new QmpServer(monitor, ch, "unix:" + path, path));
        }
        if (address.startsWith("tcp:")) {
            int colon = address.lastIndexOf(':');
            String host = address.substring(4, colon);
            int port;
            try {
                port = Integer.parseInt(address.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--qmp " + spec + ": '" + address.substring(colon + 1)
                        + "' is not a port number");
            }
            if (colon <= 4 || port < 0 || port > 65535) {
                throw new IllegalArgumentException("--qmp " + spec + ": expected tcp:HOST:PORT");
            }
            var ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
            var bound = (InetSocketAddress) ch.getLocalAddress();
            return start(new QmpServer(monitor, ch, "tcp:" + host + ":" + bound.getPort(), null));
        }
        if (plugins != null && address.startsWith("tls:")) {
            var t = ClientListener.transport(address, plugins);
            return start(new QmpServer(monitor, t, null, t.address(), null));
        }
        throw new IllegalArgumentException("--qmp " + spec + ": expected unix:PATH,server or tcp:HOST:PORT,server"
                + (plugins != null ? " (or tls:HOST:PORT?cert=F&key=F&ca=F,server)" : ""));
    }

    private static QmpServer start(QmpServer s) {
        s.thread.start();
        return s;
    }

    /** Where it listens ({@code unix:PATH} or {@code tcp:HOST:PORT} with the bound port). */
    public String where() {
        return where;
    }

    /** The bound address of a tcp: or unix: endpoint (see {@link #where()} for any). */
    public SocketAddress address() throws IOException {
        if (server == null) {
            throw new IllegalStateException("QMP over " + where + " has no socket address of its own; see where()");
        }
        return server.getLocalAddress();
    }

    /** Events dropped because a client did not read them fast enough. */
    public long droppedEvents() {
        return droppedEvents.get();
    }

    private void acceptLoop() {
        while (!closed) {
            try (ClientListener.Client c = clients.accept()) {
                client = c;
                if (closed) {
                    break;
                }
                new QmpSession(monitor, c.in(), c.out(), droppedEvents).serve();
            } catch (IOException e) {
                // a client that vanished, or the server closing: either way wait for the next one
            } catch (InterruptedException e) {
                return;
            } finally {
                client = null;
            }
        }
    }

    /**
     * Stops listening. A connected client's input is shut so its session ends after writing what
     * is queued (the SHUTDOWN event of a run that ended); a client that does not read is cut off
     * after {@value #DRAIN_MILLIS} ms.
     */
    @Override
    public void close() throws IOException {
        closed = true;
        clients.close();
        ClientListener.Client c = client;
        if (c != null) {
            try {
                c.shutdownInput();
            } catch (IOException e) {
                // already gone
            }
        }
        try {
            thread.join(DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (c != null) {
            c.close();
        }
        if (unixPath != null) {
            Files.deleteIfExists(unixPath);
        }
    }
}
