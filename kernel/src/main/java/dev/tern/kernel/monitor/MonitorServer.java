package dev.tern.kernel.monitor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves a {@link Monitor} to one client at a time (like QEMU's {@code -monitor
 * tcp:HOST:PORT,server} or {@code unix:PATH,server}), for people and scripts, on a socket of its
 * own or a transport's listener ({@code tls:}, {@link ClientListener}). A client that disconnects
 * leaves the machine running; the next one gets a fresh prompt. {@code quit} ends the server.
 */
public final class MonitorServer implements AutoCloseable {

    private final Monitor monitor;
    private final ClientListener clients;
    private final int port;
    private final Path unixPath;
    private final Thread thread;
    private volatile boolean closed;

    private MonitorServer(Monitor monitor, ClientListener clients, int port, Path unixPath) {
        this.monitor = monitor;
        this.clients = clients;
        this.port = port;
        this.unixPath = unixPath;
        this.thread = Thread.ofPlatform().daemon().name("tern-monitor").unstarted(this::acceptLoop);
    }

    /** Listens on {@code host:port} (port 0 picks a free one) and starts serving. */
    public static MonitorServer start(Monitor monitor, String host, int port) throws IOException {
        var ch = ServerSocketChannel.open(StandardProtocolFamily.INET);
        ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        ch.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
        int bound = ((InetSocketAddress) ch.getLocalAddress()).getPort();
        return started(new MonitorServer(monitor, ClientListener.channel(ch), bound, null));
    }

    /** Listens on the unix socket {@code path} (a stale socket file there is replaced) and starts serving. */
    public static MonitorServer startUnix(Monitor monitor, Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
            Files.delete(path);
        }
        var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path), 1);
        return started(new MonitorServer(monitor, ClientListener.channel(ch), -1, path));
    }

    /** Serves clients of {@code clients} (e.g. {@link ClientListener#transport}: {@code tls:}). */
    public static MonitorServer start(Monitor monitor, ClientListener clients) {
        return started(new MonitorServer(monitor, clients, -1, null));
    }

    private static MonitorServer started(MonitorServer s) {
        s.thread.start();
        return s;
    }

    /** The bound port (TCP only). */
    public int port() {
        return port;
    }

    private void acceptLoop() {
        while (!closed && !monitor.quitRequested()) {
            try (ClientListener.Client client = clients.accept()) {
                serve(client.in(), client.out());
            } catch (IOException e) {
                // A client that vanished, or the server closing: either way wait for the next one.
            }
        }
    }

    private void serve(InputStream in, OutputStream out) throws IOException {
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        var writer = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        writer.println("Tern monitor - type 'help' for a list of commands");
        monitor.serve(reader, writer);
    }

    @Override
    public void close() throws IOException {
        closed = true;
        clients.close();
        if (unixPath != null) {
            Files.deleteIfExists(unixPath);
        }
    }
}
