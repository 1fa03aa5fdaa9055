package dev.tern.kernel.monitor;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.tern.kernel.monitor.QmpParam.Type.INT;
import static dev.tern.kernel.monitor.QmpParam.Type.STRING;

/**
 * The QMP forms of the machine's own operations (run control, queries, the human monitor), each
 * calling what the human monitor's command calls.
 */
public final class MachineQmpCommands {

    /**
     * The QEMU release whose QAPI schema Tern's replies follow (the shapes of query-status,
     * query-migrate ...), reported by query-version and in the greeting so clients pick the right
     * dialect.
     */
    static final Map<String, Object> QEMU_DIALECT = ordered("major", 7L, "minor", 2L, "micro", 0L);

    private MachineQmpCommands() {
    }

    static void registerOn(Monitor monitor, Machine machine) {
        RunControl run = monitor.runControl();
        monitor.registerQmp(QmpCommand.of("query-version", () -> fixed(version())));
        monitor.registerQmp(QmpCommand.of("query-commands", () -> {
            var list = new ArrayList<Object>();
            monitor.qmpCommandNames().forEach(n -> list.add(ordered("name", n)));
            list.add(ordered("name", "qmp_capabilities"));
            return fixed(list);
        }));
        monitor.registerQmp(QmpCommand.of("query-status", run::status));
        monitor.registerQmp(QmpCommand.of("query-name", () -> fixed(Map.of())));
        monitor.registerQmp(QmpCommand.of("query-kvm", () -> fixed(ordered("enabled", false, "present", false))));
        monitor.registerQmp(QmpCommand.of("query-cpus-fast", () -> fixed(cpus(machine))));
        monitor.registerQmp(QmpCommand.of("query-chardev", () -> fixed(chardevs(machine))));
        monitor.registerQmp(QmpCommand.of("query-block", () -> fixed(blocks(machine))));
        monitor.registerQmp(QmpCommand.of("stop", run::stop));
        monitor.registerQmp(QmpCommand.of("cont", run::cont));
        monitor.registerQmp(QmpCommand.of("system_reset", run::reset));
        monitor.registerQmp(QmpCommand.of("system_powerdown", run::powerdown));
        monitor.registerQmp(QmpCommand.of("quit", run::quit));
        monitor.registerQmp(QmpCommand.of("x-tern-query-replay", monitor::replayInfo));
        new SnapshotJobs(monitor).register();
        monitor.registerQmp(new QmpCommand("human-monitor-command",
                List.of(QmpParam.required("command-line", STRING), QmpParam.optional("cpu-index", INT)), args -> {
                    long cpu = args.integer("cpu-index", 0);
                    if (cpu < 0 || cpu >= machine.vcpus().size()) {
                        throw QmpError.generic("Parameter 'cpu-index' expects a CPU index from 0 to "
                                + (machine.vcpus().size() - 1));
                    }
                    return fixed(monitor.execute(args.string("command-line")));
                }));
    }

    /** The greeting's and query-version's version object. */
    public static Map<String, Object> version() {
        String tern = MachineQmpCommands.class.getPackage().getImplementationVersion();
        return ordered("qemu", QEMU_DIALECT, "package", "Tern " + (tern == null ? "(development build)" : tern));
    }

    private static List<Object> cpus(Machine machine) {
        var list = new ArrayList<Object>();
        for (int i = 0; i < machine.vcpus().size(); i++) {
            list.add(ordered("cpu-index", (long) i, "qom-path", "/machine/unattached/device[" + i + "]",
                    "thread-id", machine.vcpuThread(i).threadId(),
                    "props", ordered("core-id", 0L, "thread-id", 0L, "socket-id", (long) i),
                    "target", "i386"));
        }
        return list;
    }

    private static List<Object> chardevs(Machine machine) {
        var list = new ArrayList<Object>();
        for (DeviceSpec d : machine.spec().devices()) {
            String backend = d.config().get("backend");
            if (backend == null) {
                continue;
            }
            String filename = switch (backend) {
                case "file" -> "file:" + d.config().get("path");
                case "socket" -> "tcp:" + d.config().get("host") + ":" + d.config().get("socket-port");
                default -> backend;
            };
            list.add(ordered("label", d.instance(), "filename", filename, "frontend-open", true));
        }
        return list;
    }

    private static List<Object> blocks(Machine machine) throws IOException {
        var list = new ArrayList<Object>();
        for (DeviceSpec d : machine.spec().devices()) {
            if (!d.provider().equals("virtio-blk")) {
                continue;
            }
            String path = d.config().get("path");
            boolean ro = Boolean.parseBoolean(d.config().getOrDefault("readonly", "false"));
            long size = Files.size(Path.of(path));
            var image = ordered("filename", path, "format", "raw", "virtual-size", size);
            var inserted = ordered("file", path, "ro", ro, "drv", "raw", "encrypted", false,
                    "detect_zeroes", "off", "bps", 0L, "bps_rd", 0L, "bps_wr", 0L, "iops", 0L, "iops_rd", 0L,
                    "iops_wr", 0L, "image", image, "backing_file_depth", 0L,
                    "cache", ordered("writeback", true, "direct", false, "no-flush", false), "write_threshold", 0L);
            list.add(ordered("device", d.instance(), "qdev", d.instance(), "locked", false, "removable", false,
                    "inserted", inserted));
        }
        return list;
    }

    private static Reply fixed(Object qmp) {
        return new Reply.Text(qmp instanceof String s ? s : "", qmp);
    }

    /** An insertion-ordered JSON object from name/value pairs. */
    static Map<String, Object> ordered(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
