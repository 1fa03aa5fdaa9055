package dev.tern.kernel.monitor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves a {@link Monitor} on a TCP or unix socket, one client at a time (like QEMU's
 * {@code -monitor tcp:HOST:PORT,server} or {@code unix:PATH,server}), for people and scripts. A
 * client that disconnects leaves the machine running; the next one gets a fresh prompt.
 * {@code quit} ends the server.
 */
public final class MonitorServer implements AutoCloseable {

    private final Monitor monitor;
    private final ServerSocket server;
    private final ServerSocketChannel unix;
    private final Path unixPath;
    private final Thread thread;

    private MonitorServer(Monitor monitor, ServerSocket server, ServerSocketChannel unix, Path unixPath) {
        this.monitor = monitor;
        this.server = server;
        this.unix = unix;
        this.unixPath = unixPath;
        this.thread = Thread.ofPlatform().daemon().name("tern-monitor").unstarted(this::acceptLoop);
    }

    /** Listens on {@code host:port} (port 0 picks a free one) and starts serving. */
    public static MonitorServer start(Monitor monitor, String host, int port) throws IOException {
        var socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
        var s = new MonitorServer(monitor, socket, null, null);
        s.thread.start();
        return s;
    }

    /** Listens on the unix socket {@code path} (a stale socket file there is replaced) and starts serving. */
    public static MonitorServer startUnix(Monitor monitor, Path path) throws IOException {
        if (Files.exists(path) && !Files.isRegularFile(path) && !Files.isDirectory(path)) {
            Files.delete(path);
        }
        var ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path), 1);
        var s = new MonitorServer(monitor, null, ch, path);
        s.thread.start();
        return s;
    }

    /** The bound port (TCP only). */
    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed() && !monitor.quitRequested()) {
            if (unix != null) {
                try (SocketChannel client = unix.accept()) {
                    serve(Channels.newInputStream(client), Channels.newOutputStream(client));
                } catch (IOException e) {
                    // as below
                }
                continue;
            }
            try (Socket client = server.accept()) {
                serve(client.getInputStream(), client.getOutputStream());
            } catch (IOException e) {
                // A client that vanished, or the server closing: either way wait for the next one.
            }
        }
    }

    private boolean closed() {
        return unix != null ? !unix.isOpen() : server.isClosed();
    }

    private void serve(InputStream in, OutputStream out) throws IOException {
        var reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        var writer = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        writer.println("Tern monitor - type 'help' for a list of commands");
        monitor.serve(reader, writer);
    }

    @Override
    public void close() throws IOException {
        if (unix != null) {
            unix.close();
            Files.deleteIfExists(unixPath);
        } else {
            server.close();
        }
    }
}
