package dev.tern.cli;

import dev.tern.kernel.ft.FtNode;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorServer;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Where {@code --monitor} serves the human monitor, for the life of a run. */
final class MonitorEndpoint implements AutoCloseable {

    private final MonitorServer server;

    private MonitorEndpoint(MonitorServer server) {
        this.server = server;
    }

    static MonitorEndpoint open(String where, String serial, Machine machine, SnapshotStore snapshots,
            PluginRegistry plugins) throws IOException {
        return open(where, serial, machine, snapshots, plugins, null);
    }

    /** Also serves {@code info ft} and {@code ft_failover} for {@code ft} (null: fault tolerance is off). */
    static MonitorEndpoint open(String where, String serial, Machine machine, SnapshotStore snapshots,
            PluginRegistry plugins, FtNode ft) throws IOException {
        if (where.equals("none")) {
            return new MonitorEndpoint(null);
        }
        Monitor monitor = new Monitor(machine, snapshots, ProgressBar::onTerminal);
        new MigrationCommands(machine, plugins, System.err).registerOn(monitor);
        new FtCommands(ft).registerOn(monitor);
        if (where.equals("stdio")) {
            if (serial.equals("stdio")) {
                throw new IllegalArgumentException("--monitor stdio needs the serial port elsewhere (e.g. --serial file:serial.log)");
            }
            Thread.ofPlatform().daemon().name("tern-monitor-stdio").start(() -> {
                try {
                    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    monitor.serve(in, new PrintWriter(System.out, true));
                } catch (IOException e) {
                    System.err.println("tern: monitor: " + e.getMessage());
                }
            });
            return new MonitorEndpoint(null);
        }
        if (where.startsWith("tcp:")) {
            String[] hp = where.substring(4).split(":");
            if (hp.length != 2) {
                throw new IllegalArgumentException("--monitor " + where + ": expected tcp:HOST:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(hp[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--monitor " + where + ": '" + hp[1] + "' is not a port number");
            }
            MonitorServer server = MonitorServer.start(monitor, hp[0], port);
            System.err.println("tern: monitor listening on " + hp[0] + ":" + server.port());
            return new MonitorEndpoint(server);
        }
        throw new IllegalArgumentException("--monitor '" + where + "': expected none, stdio or tcp:HOST:PORT");
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }
}
