package dev.tern.kernel.gdb;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.ReplayTimeline;
import dev.tern.kernel.monitor.ClientListener;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code tern run --gdb tcp:HOST:PORT}, {@code unix:PATH} or {@code tls:...}: listens for GDB and serves one
 * connection at a time until the machine's run ends (a debugger that detached can attach again).
 * The machine is expected paused at its first instruction when the first debugger attaches.
 */
public final class GdbServer implements AutoCloseable {

    private final Machine machine;
    private final ReplayTimeline timeline;
    private final ClientListener clients;
    private final Path unixPath;
    private final PrintStream log;
    private final Thread thread;

    private volatile boolean closed;

    private GdbServer(Machine machine, ReplayTimeline timeline, ClientListener clients, Path unixPath, PrintStream log) {
        this.machine = machine;
        this.timeline = timeline;
        this.clients = clients;
        this.unixPath = unixPath;
        this.log = log;
        this.thread = Thread.ofPlatform().daemon().name("tern-gdb").unstarted(this::serve);
    }

    /**
     * Listens on {@code where} and serves debuggers on a thread of its own.
     *
     * @param timeline the replay's history for reverse execution, or null
     * @throws IllegalArgumentException when {@code where} is not tcp:HOST:PORT or unix:PATH
     */
    public static GdbServer start(Machine machine, ReplayTimeline timeline, String where, PrintStream log) throws IOException {
        return start(machine, timeline, where, log, null);
    }

    /**
     * {@link #start(Machine, ReplayTimeline, String, PrintStream)}, and also a transport's URI
     * through {@code plugins} (null: none): {@code tls:HOST:PORT?cert=F&key=F&ca=F}, for a debugger
     * behind a TLS tunnel (gdb itself speaks no TLS).
     */
    public static GdbServer start(Machine machine, ReplayTimeline timeline, String where, PrintStream log,
            PluginRegistry plugins) throws IOException {
        if (machine.vcpus().getFirst().debug() == null) {
            throw new IllegalArgumentException("--gdb: CPU '" + machine.spec().cpu() + "' offers no debugger access");
        }
        ClientListener clients;
        Path unix = null;
        String shown;
        if (where.startsWith("tcp:")) {
            String hostPort = where.substring(4);
            int colon = hostPort.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("--gdb " + where + ": expected tcp:HOST:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--gdb " + where + ": port '" + hostPort.substring(colon + 1) + "' is not a number");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("--gdb " + where + ": port " + port + " is outside 0..65535");
            }
            var server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(hostPort.substring(0, colon), port));
            var bound = (InetSocketAddress) server.getLocalAddress();
            shown = "tcp:" + bound.getHostString() + ":" + bound.getPort();
            clients = ClientListener.channel(server);
        } else if (where.startsWith("unix:") && where.length() > 5) {
            unix = Path.of(where.substring(5));
            var server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(unix));
            shown = where;
            clients = ClientListener.channel(server);
        } else if (where.startsWith("tls:") && plugins != null) {
            var t = ClientListener.transport(where, plugins);
            shown = t.address();
            clients = t;
        } else {
            throw new IllegalArgumentException("--gdb " + where + ": expected tcp:HOST:PORT or unix:PATH"
                    + (plugins != null ? " (or tls:HOST:PORT?cert=F&key=F&ca=F)" : ""));
        }
        var s = new GdbServer(machine, timeline, clients, unix, log);
        log.println("tern: waiting for gdb on " + shown + (timeline != null ? " (reverse execution on)" : ""));
        log.flush();
        s.thread.start();
        return s;
    }

    private void serve() {
        try {
            while (!machine.exitStage().toCompletableFuture().isDone()) {
                ClientListener.Client peer = clients.accept();
                try (peer) {
                    log.println("tern: gdb attached" + (peer.peer().isEmpty() ? "" : " from " + peer.peer()));
                    var channel = new RspChannel(peer.in(), peer.out());
                    var target = new DebugTarget(machine, timeline);
                    target.haltIfRunning();
                    new GdbSession(channel, target, log).serve();
                    log.println("tern: gdb detached");
                }
            }
        } catch (IOException e) {
            if (!closed) {
                log.println("tern: the gdb stub stopped: " + e.getMessage());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        clients.close();
        thread.interrupt();
        if (unixPath != null) {
            Files.deleteIfExists(unixPath);
        }
    }
}
