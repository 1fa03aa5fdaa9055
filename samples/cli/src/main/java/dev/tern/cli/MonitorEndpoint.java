package dev.tern.cli;

import dev.tern.kernel.ft.FtNode;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorServer;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.monitor.qmp.QmpServer;
import dev.tern.kernel.plugin.PluginRegistry;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Where {@code --monitor} serves the human monitor and {@code --qmp} the QMP endpoints, for the life of a run. */
final class MonitorEndpoint implements AutoCloseable {

    private final Monitor monitor;
    private final MonitorServer server;
    private final List<QmpServer> qmp;

    private MonitorEndpoint(Monitor monitor, MonitorServer server, List<QmpServer> qmp) {
        this.monitor = monitor;
        this.server = server;
        this.qmp = qmp;
    }

    static MonitorEndpoint open(String where, String serial, Machine machine, SnapshotStore snapshots,
            PluginRegistry plugins) throws IOException {
        return open(where, List.of(), serial, machine, snapshots, plugins, null, null, null);
    }

    /**
     * Serves the human monitor at {@code where} and QMP at each of {@code qmpSpecs}; also serves
     * {@code info ft} and {@code ft_failover} for {@code ft} (null: fault tolerance is off), and
     * migrate-incoming for {@code incoming} (null: this run does not defer its incoming migration),
     * and migrate_recover for {@code recovery} (null: none).
     */
    static MonitorEndpoint open(String where, List<String> qmpSpecs, String serial, Machine machine,
            SnapshotStore snapshots, PluginRegistry plugins, FtNode ft, DeferredIncoming incoming,
            PostcopyRecovery recovery) throws IOException {
        if (where.equals("none") && qmpSpecs.isEmpty()) {
            return new MonitorEndpoint(null, null, List.of());
        }
        Monitor monitor = new Monitor(machine, snapshots, ProgressBar::onTerminal);
        var migration = new MigrationCommands(machine, plugins, System.err);
        migration.registerOn(monitor);
        monitor.refuseHotPlugWhen(() -> ft != null
                ? java.util.Optional.of("fault tolerance is on: the standby holds the machine's devices as the run"
                        + " started, and a checkpoint of other devices would not load there")
                : migration.busy());
        new FtCommands(ft).registerOn(monitor);
        PciInfo.registerOn(monitor, machine);
        JitInfo.registerOn(monitor, machine);
        (incoming != null ? incoming : new DeferredIncoming(null)).registerOn(monitor);
        (recovery != null ? recovery : new PostcopyRecovery(plugins, System.err)).registerOn(monitor);
        var qmp = new ArrayList<QmpServer>();
        try {
            for (String spec : qmpSpecs) {
                QmpServer s = QmpServer.open(spec, monitor, plugins);
                qmp.add(s);
                System.err.println("tern: qmp listening on " + s.where());
            }
            return new MonitorEndpoint(monitor, human(where, serial, monitor, plugins), qmp);
        } catch (IOException | RuntimeException e) {
            for (QmpServer s : qmp) {
                s.close();
            }
            throw e;
        }
    }

    private static MonitorServer human(String where, String serial, Monitor monitor, PluginRegistry plugins)
            throws IOException {
        if (where.equals("none")) {
            return null;
        }
        if (where.equals("stdio")) {
            if (serial.equals("stdio")) {
                throw new IllegalArgumentException("--monitor stdio needs the serial port elsewhere (e.g. --serial file:serial.log)");
            }
            ConsoleMode keys = ConsoleMode.lineEditing();
            if (keys.changed()) {
                Runtime.getRuntime().addShutdownHook(new Thread(keys::restore, "tern-terminal-restore"));
            }
            Thread.ofPlatform().daemon().name("tern-monitor-stdio").start(() -> {
                try {
                    var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                    if (keys.changed()) {
                        monitor.serveEditing(in, new PrintWriter(System.out, true));
                    } else {
                        monitor.serve(in, new PrintWriter(System.out, true));
                    }
                } catch (IOException e) {
                    System.err.println("tern: monitor: " + e.getMessage());
                } finally {
                    keys.restore();
                }
            });
            return null;
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
            return server;
        }
        if (where.startsWith("unix:")) {
            String[] parts = where.substring(5).split(",");
            if (parts[0].isEmpty() || parts.length != 2 || !parts[1].equals("server")) {
                throw new IllegalArgumentException("--monitor " + where + ": expected unix:PATH,server");
            }
            MonitorServer server = MonitorServer.startUnix(monitor, java.nio.file.Path.of(parts[0]));
            System.err.println("tern: monitor listening on unix:" + parts[0]);
            return server;
        }
        if (where.startsWith("tls:")) {
            var clients = dev.tern.kernel.monitor.ClientListener.transport(where, plugins);
            MonitorServer server = MonitorServer.start(monitor, clients);
            System.err.println("tern: monitor listening on " + clients.address());
            return server;
        }
        throw new IllegalArgumentException("--monitor '" + where + "': expected none, stdio, tcp:HOST:PORT,"
                + " unix:PATH,server or tls:HOST:PORT?cert=F&key=F&ca=F");
    }

    /** Reports how the run ended (QMP's SHUTDOWN event), then closes. */
    void close(MachineExit exit) throws IOException {
        if (monitor != null && exit != null) {
            monitor.runControl().ended(exit);
        }
        close();
    }

    @Override
    public void close() throws IOException {
        for (QmpServer s : qmp) {
            s.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
