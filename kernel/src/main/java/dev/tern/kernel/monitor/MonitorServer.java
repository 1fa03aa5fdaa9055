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
import java.nio.charset.StandardCharsets;

/**
 * Serves a {@link Monitor} on a TCP socket, one client at a time (like QEMU's
 * {@code -monitor tcp:HOST:PORT,server}). A client that disconnects leaves the machine running; the
 * next one gets a fresh prompt. {@code quit} ends the server.
 */
public final class MonitorServer implements AutoCloseable {

    private final Monitor monitor;
    private final ServerSocket server;
    private final Thread thread;

    private MonitorServer(Monitor monitor, ServerSocket server) {
        this.monitor = monitor;
        this.server = server;
        this.thread = Thread.ofPlatform().daemon().name("tern-monitor").unstarted(this::acceptLoop);
    }

    /** Listens on {@code host:port} (port 0 picks a free one) and starts serving. */
    public static MonitorServer start(Monitor monitor, String host, int port) throws IOException {
        var socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 1);
        var s = new MonitorServer(monitor, socket);
        s.thread.start();
        return s;
    }

    /** The bound port. */
    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed() && !monitor.quitRequested()) {
            try (Socket client = server.accept()) {
                var in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                var out = new PrintWriter(new OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8));
                out.println("Tern monitor - type 'help' for a list of commands");
                monitor.serve(in, out);
            } catch (IOException e) {
                // A client that vanished, or the server closing: either way wait for the next one.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
