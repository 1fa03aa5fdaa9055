package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.monitor.qmp.QmpServer;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** QMP over real unix and tcp sockets against a running machine: every command, every error path, events. */
class QmpProtocolTest {

    @TempDir
    Path dir;

    private Machine benchMachine() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP)
                .device("uart16550", "serial0", Map.of("backend", "file", "path", dir.resolve("serial.log").toString()))
                .build();
        return Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec);
    }

    /** A monitor with every command the CLI registers. */
    private Monitor monitor(Machine m, PrintStream log) {
        var mon = new Monitor(m, new SnapshotStore(dir));
        new MigrationCommands(m, PluginRegistry.discover(getClass().getClassLoader(), List.of()), log).registerOn(mon);
        new FtCommands(null).registerOn(mon);
        return mon;
    }

    @SuppressWarnings("unchecked")
    static <T> T ret(Map<String, Object> reply) {
        assertTrue(reply.containsKey("return"), "not a return: " + reply);
        return (T) reply.get("return");
    }

    @SuppressWarnings("unchecked")
    static void err(Map<String, Object> reply, String errorClass, String desc) {
        assertTrue(reply.containsKey("error"), "not an error: " + reply);
        var e = (Map<String, Object>) reply.get("error");
        assertEquals(errorClass, e.get("class"), reply.toString());
        assertEquals(desc, e.get("desc"), reply.toString());
    }

    @Test
    @Timeout(120)
    void greetingNegotiationAndEveryCommandOverUnix() throws Exception {
        try (Machine m = benchMachine()) {
            m.start();
            Monitor mon = monitor(m, System.err);
            try (QmpServer server = QmpServer.open("unix:" + dir.resolve("qmp.sock") + ",server,wait=off", mon);
                 QmpTestClient c = QmpTestClient.connect(server.address())) {
                Map<?, ?> qmp = (Map<?, ?>) c.greeting.get("QMP");
                assertEquals(Map.of("major", 7L, "minor", 2L, "micro", 0L), ((Map<?, ?>) qmp.get("version")).get("qemu"));
                assertTrue(((String) ((Map<?, ?>) qmp.get("version")).get("package")).startsWith("Tern"));
                assertEquals(List.of(), qmp.get("capabilities"));

                err(c.execute("{\"execute\": \"query-status\", \"id\": 7}"), "CommandNotFound",
                        "Expecting capabilities negotiation with 'qmp_capabilities'");
                err(c.execute("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}"),
                        "GenericError", "This monitor does not support Out-Of-Band (OOB)");
                var ok = c.execute("{\"execute\": \"qmp_capabilities\", \"id\": {\"any\": [1, \"json\"]}}");
                assertEquals(Map.of(), ret(ok));
                assertEquals(Map.of("any", List.of(1L, "json")), ok.get("id"), "the id is echoed whatever it is");
                err(c.execute("{\"execute\": \"qmp_capabilities\"}"), "CommandNotFound",
                        "Capabilities negotiation is already complete, command ignored");

                Map<String, Object> version = ret(c.execute("{\"execute\": \"query-version\"}"));
                assertEquals(qmp.get("version"), version);
                List<Map<String, Object>> commands = ret(c.execute("{\"execute\": \"query-commands\"}"));
                var names = commands.stream().map(x -> x.get("name")).toList();
                for (String n : List.of("query-status", "stop", "cont", "system_reset", "system_powerdown", "quit",
                        "human-monitor-command", "query-migrate", "migrate", "migrate_cancel", "migrate-start-postcopy",
                        "migrate-set-capabilities",
                        "query-migrate-capabilities", "migrate-set-parameters", "query-migrate-parameters",
                        "query-chardev", "query-block", "query-kvm", "query-name", "query-cpus-fast",
                        "x-tern-query-ft", "x-tern-query-replay", "qmp_capabilities", "snapshot-save",
                        "snapshot-load", "snapshot-delete", "query-jobs", "job-dismiss")) {
                    assertTrue(names.contains(n), n + " missing from " + names);
                }
                assertEquals(Map.of("status", "running", "singlestep", false, "running", true),
                        ret(c.execute("{\"execute\": \"query-status\"}")));
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"query-name\"}")));
                assertEquals(Map.of("enabled", false, "present", false), ret(c.execute("{\"execute\": \"query-kvm\"}")));
                List<Map<String, Object>> cpus = ret(c.execute("{\"execute\": \"query-cpus-fast\"}"));
                assertEquals(1, cpus.size());
                assertEquals(0L, cpus.getFirst().get("cpu-index"));
                assertEquals(m.vcpuThread(0).threadId(), cpus.getFirst().get("thread-id"));
                assertEquals(List.of(), ret(c.execute("{\"execute\": \"query-block\"}")));
                assertEquals(List.of(Map.of("label", "serial0", "filename", "file:" + dir.resolve("serial.log"),
                        "frontend-open", true)), ret(c.execute("{\"execute\": \"query-chardev\"}")));

                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"stop\"}")));
                assertTrue(c.event("STOP").containsKey("timestamp"));
                assertEquals("paused", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"));
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"stop\"}")), "stop when stopped does nothing");
                assertEquals("VM status: paused\n", ret(c.execute(
                        "{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info status\"}}")));
                assertTrue(((String) ret(c.execute("{\"execute\": \"human-monitor-command\", \"arguments\": "
                        + "{\"command-line\": \"frobnicate\"}}"))).startsWith("Error: unknown command 'frobnicate'"));
                assertEquals("", ret(c.execute("{\"execute\": \"human-monitor-command\", \"arguments\": "
                        + "{\"command-line\": \"savevm qmp\"}}")), "HMP's savevm through QMP");
                assertTrue(((String) ret(c.execute("{\"execute\": \"human-monitor-command\", \"arguments\": "
                        + "{\"command-line\": \"info snapshots\"}}"))).contains("qmp"));
                err(c.execute("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"info status\", "
                        + "\"cpu-index\": 3}}"), "GenericError", "Parameter 'cpu-index' expects a CPU index from 0 to 0");
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"cont\"}")));
                Map<String, Object> resume = c.event("RESUME");
                snapshotJobs(c);
                Map<?, ?> ts = (Map<?, ?>) resume.get("timestamp");
                assertTrue((Long) ts.get("seconds") > 1_600_000_000L && (Long) ts.get("microseconds") < 1_000_000L, ts.toString());

                Map<String, Object> replay = ret(c.execute("{\"execute\": \"x-tern-query-replay\"}"));
                assertEquals("none", replay.get("mode"));
                assertTrue((Long) replay.get("icount") > 0);
                Map<String, Object> ft = ret(c.execute("{\"execute\": \"x-tern-query-ft\"}"));
                assertEquals(false, ft.get("enabled"));
                err(c.execute("{\"execute\": \"x-tern-ft-failover\"}"), "GenericError", "fault tolerance is off");

                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"query-migrate\"}")), "no migration yet");
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate_cancel\"}")), "nothing to cancel");
                List<Map<String, Object>> caps = ret(c.execute("{\"execute\": \"query-migrate-capabilities\"}"));
                assertEquals(Map.of("capability", "xbzrle", "state", false), caps.getFirst());
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
                        + "{\"capabilities\": [{\"capability\": \"xbzrle\", \"state\": true}, "
                        + "{\"capability\": \"events\", \"state\": true}]}}")));
                caps = ret(c.execute("{\"execute\": \"query-migrate-capabilities\"}"));
                assertTrue(caps.contains(Map.of("capability", "xbzrle", "state", true))
                        && caps.contains(Map.of("capability", "events", "state", true)), caps.toString());
                err(c.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                        + "[{\"capability\": \"auto-converge\", \"state\": true}, {\"capability\": \"warp\", \"state\": true}]}}"),
                        "GenericError", "Parameter 'capability' does not accept value 'warp'");
                caps = ret(c.execute("{\"execute\": \"query-migrate-capabilities\"}"));
                assertTrue(caps.contains(Map.of("capability", "auto-converge", "state", false)), "all or nothing: " + caps);
                err(c.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": {\"capabilities\": "
                        + "[{\"capability\": \"xbzrle\"}]}}"), "GenericError", "Parameter 'state' is missing");

                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                        + "{\"downtime-limit\": 50, \"max-bandwidth\": 1048576, \"x-tern-compression\": \"lz4\"}}")));
                Map<String, Object> params = ret(c.execute("{\"execute\": \"query-migrate-parameters\"}"));
                assertEquals(50L, params.get("downtime-limit"));
                assertEquals(1048576L, params.get("max-bandwidth"));
                assertEquals("lz4", params.get("x-tern-compression"));
                assertTrue(((String) ((Map<?, ?>) c.execute("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                        + "{\"downtime-limit\": 10, \"multifd-channels\": 99}}").get("error")).get("desc"))
                        .contains("multifd-channels must be 1..16"));
                assertEquals(50L, ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-migrate-parameters\"}")))
                        .get("downtime-limit"), "all or nothing");
                err(c.execute("{\"execute\": \"migrate-set-parameters\", \"arguments\": {\"compress-level\": 1}}"),
                        "GenericError", "Parameter 'compress-level' is unexpected");
                err(c.execute("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \"tcp:127.0.0.1:1\", \"inc\": true}}"),
                        "GenericError", "Tern does not migrate disks incrementally (inc): use blk, which copies them whole");
                // device_add/device_del in full: QmpHotPlugTest
                err(c.execute("{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"uart16550\"}}"),
                        "GenericError", "device 'uart16550' cannot be hot-plugged; add it with --device when the machine starts");
                err(c.execute("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"disk9\"}}"), "DeviceNotFound",
                        "Device 'disk9' not found");
                err(c.execute("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"serial0\"}}"),
                        "GenericError", "Device 'serial0' (uart16550) cannot be hot-unplugged");
                assertTrue(c.pendingEvents().isEmpty(), c.pendingEvents().toString());

                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"system_powerdown\"}")));
                c.event("POWERDOWN");
                MachineExit exit = m.awaitExit();
                assertEquals(MachineExit.Reason.POWER_OFF, exit.reason());
                mon.runControl().ended(exit);
                assertEquals(Map.of("guest", true, "reason", "guest-shutdown"), c.event("SHUTDOWN").get("data"));
                err(c.execute("{\"execute\": \"cont\"}"), "GenericError",
                        "the machine has ended (shutdown); it cannot continue");
            }
        }
    }

    /** snapshot-save/load/delete as jobs: their status changes, query-jobs, job-dismiss, failures. */
    private static void snapshotJobs(QmpTestClient c) throws Exception {
        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"snapshot-save\", \"arguments\": {\"job-id\": \"s1\", "
                + "\"tag\": \"job\", \"vmstate\": \"none\", \"devices\": []}}")));
        for (String status : List.of("created", "running", "waiting", "pending", "concluded")) {
            assertEquals(Map.of("status", status, "id", "s1"), c.event("JOB_STATUS_CHANGE").get("data"));
        }
        assertEquals(List.of(Map.of("id", "s1", "type", "snapshot-save", "status", "concluded", "current-progress", 1L,
                "total-progress", 1L)), ret(c.execute("{\"execute\": \"query-jobs\"}")));
        err(c.execute("{\"execute\": \"snapshot-delete\", \"arguments\": {\"job-id\": \"s1\", \"tag\": \"job\", "
                + "\"devices\": []}}"), "GenericError", "Job ID 's1' already in use");
        err(c.execute("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"nope\"}}"), "DeviceNotActive",
                "Job not found");
        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"job-dismiss\", \"arguments\": {\"id\": \"s1\"}}")));
        assertEquals(Map.of("status", "null", "id", "s1"), c.event("JOB_STATUS_CHANGE").get("data"));
        assertEquals(List.of(), ret(c.execute("{\"execute\": \"query-jobs\"}")));

        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"snapshot-load\", \"arguments\": {\"job-id\": \"l1\", "
                + "\"tag\": \"job\", \"vmstate\": \"none\", \"devices\": []}}")));
        for (String status : List.of("created", "running", "waiting", "pending", "concluded")) {
            assertEquals(Map.of("status", status, "id", "l1"), c.event("JOB_STATUS_CHANGE").get("data"));
        }
        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"snapshot-load\", \"arguments\": {\"job-id\": \"l2\", "
                + "\"tag\": \"missing\", \"vmstate\": \"none\", \"devices\": []}}")));
        for (String status : List.of("created", "running", "aborting", "concluded")) {
            assertEquals(Map.of("status", status, "id", "l2"), c.event("JOB_STATUS_CHANGE").get("data"));
        }
        List<Map<String, Object>> jobs = ret(c.execute("{\"execute\": \"query-jobs\"}"));
        assertEquals(2, jobs.size());
        assertTrue(((String) jobs.get(1).get("error")).startsWith("no snapshot named 'missing'"), jobs.toString());
        assertEquals(Map.of(), ret(c.execute("{\"execute\": \"snapshot-delete\", \"arguments\": {\"job-id\": \"d1\", "
                + "\"tag\": \"job\", \"devices\": []}}")));
        for (String status : List.of("created", "running", "waiting", "pending", "concluded")) {
            assertEquals(Map.of("status", status, "id", "d1"), c.event("JOB_STATUS_CHANGE").get("data"));
        }
        err(c.execute("{\"execute\": \"snapshot-save\", \"arguments\": {\"job-id\": \"s2\", \"tag\": \"x\", "
                + "\"vmstate\": \"none\", \"devices\": [\"disk0\"]}}"), "GenericError",
                "Tern's snapshots hold the whole machine in one file; 'devices' must be empty");
        // the save and the load paused and resumed the guest around their work
        while (!c.pendingEvents().isEmpty()) {
            String name = (String) c.pendingEvents().removeFirst().get("event");
            assertTrue(name.equals("STOP") || name.equals("RESUME"), name);
        }
    }

    @Test
    @Timeout(120)
    void hostileInputGetsQemuErrorsAndTheConnectionSurvives() throws Exception {
        try (Machine m = benchMachine()) {
            m.start();
            Monitor mon = monitor(m, System.err);
            try (QmpServer server = QmpServer.open("tcp:127.0.0.1:0,server", mon);
                 QmpTestClient c = QmpTestClient.negotiated(server.address())) {
                err(c.execute("{\"execute\": \"nosuch\", \"id\": \"x\"}"), "CommandNotFound", "The command nosuch has not been found");
                assertEquals("x", c.execute("{\"execute\": \"nosuch\", \"id\": \"x\"}").get("id"));
                err(c.execute("{\"execute\": \"query-status\", \"arguments\": {\"a\": 1}}"), "GenericError",
                        "Parameter 'a' is unexpected");
                err(c.execute("{\"execute\": \"migrate\", \"arguments\": {\"uri\": 5}}"), "GenericError",
                        "Invalid parameter type for 'uri', expected: string");
                err(c.execute("{\"execute\": \"migrate\"}"), "GenericError", "Parameter 'uri' is missing");
                err(c.execute("{\"exec\": \"x\"}"), "GenericError", "QMP input member 'exec' is unexpected");
                err(c.execute("[1]"), "GenericError", "QMP input must be a JSON object");
                err(c.execute("{\"execute\": 1}"), "GenericError", "QMP input member 'execute' must be a string");
                err(c.execute("{\"id\": 1}"), "GenericError", "QMP input lacks member 'execute'");
                assertEquals(1L, c.execute("{\"id\": 1}").get("id"), "an error about the message still echoes its id");
                err(c.execute("{\"execute\": \"query-status\", \"arguments\": []}"), "GenericError",
                        "QMP input member 'arguments' must be an object");
                err(c.execute("{\"execute\": \"query-status\", \"foo\": 1}"), "GenericError",
                        "QMP input member 'foo' is unexpected");
                err(c.execute("{\"execute\": \"query-status\", \"execute\": \"stop\"}"), "GenericError",
                        "JSON parse error at character 28: duplicate key 'execute'");
                err(c.execute("{\"execute\": \"query-status\",}"), "GenericError",
                        "JSON parse error at character 27: expecting a member name in double quotes");
                err(c.execute("{\"execute\": 'single'}"), "GenericError",
                        "JSON parse error at character 12: expecting a value, found '''");
                err(c.execute("{\"execute\": \"a\\qb\"}"), "GenericError", "JSON parse error at character 15: invalid escape '\\q'");
                err(c.execute("nonsense"), "GenericError", "JSON parse error at character 0: invalid literal");
                err(c.execute("42"), "GenericError", "QMP input must be a JSON object");
                err(c.execute("}"), "GenericError", "JSON parse error at character 0: expecting a value, found '}'");
                c.send(new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}', '\n'});
                err(c.reply(), "GenericError", "JSON parse error, invalid UTF-8 sequence in input");
                err(c.execute("[".repeat(100) + "]".repeat(100)), "GenericError",
                        "JSON parse error at character 64: nesting deeper than 64");
                // braces inside strings do not confuse the framing
                err(c.execute("{\"execute\": \"}{[\", \"id\": \"]\"}"), "CommandNotFound", "The command }{[ has not been found");

                String huge = "{\"execute\": \"query-status\", \"id\": \"" + "x".repeat(2 << 20) + "\"}";
                err(c.execute(huge), "GenericError", "JSON message of " + huge.length()
                        + " bytes is longer than the limit of 1048576 bytes");
                String deep = "[".repeat(3 << 20) + "]".repeat(3 << 20);
                err(c.execute(deep), "GenericError", "JSON message of " + deep.length()
                        + " bytes is longer than the limit of 1048576 bytes");
                // two messages in one write, one split over two writes
                c.send("{\"execute\": \"query-kvm\", \"id\": 1}{\"execute\": \"query-name\", \"id\": 2}\n{\"execute\": ");
                assertEquals(1L, c.reply().get("id"));
                assertEquals(2L, c.reply().get("id"));
                c.send("\"query-status\", \"id\": 3}\n");
                Map<String, Object> status = c.reply();
                assertEquals(3L, status.get("id"));
                assertEquals("running", ((Map<?, ?>) ret(status)).get("status"), "nothing the client sent reached the machine");
            }
            try (QmpServer server = QmpServer.open("tcp:127.0.0.1:0,server", mon)) {
                try (QmpTestClient half = QmpTestClient.negotiated(server.address())) {
                    half.send("{\"execute\": \"query-st");
                }
                try (QmpTestClient next = QmpTestClient.negotiated(server.address())) {
                    assertEquals("running", ((Map<?, ?>) ret(next.execute("{\"execute\": \"query-status\"}"))).get("status"),
                            "a client that left mid-message does not affect the next one");
                }
            }
            assertTrue(m.lifecycle().state() == dev.tern.kernel.vm.VmState.RUNNING);
        }
    }

    @Test
    @Timeout(120)
    void systemResetResetsOrEndsTheRunByPolicy() throws Exception {
        var spec = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP)
                .onReset(dev.tern.kernel.machine.ResetPolicy.RESET).build();
        try (Machine m = Machine.create(PluginRegistry.discover(getClass().getClassLoader(), List.of()), spec)) {
            m.start();
            Monitor mon = monitor(m, System.err);
            try (QmpServer server = QmpServer.open("tcp:127.0.0.1:0,server", mon);
                 QmpTestClient c = QmpTestClient.negotiated(server.address())) {
                LiveMigrationTest.runAtLeast(m, 1_000_000);
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"system_reset\"}")));
                assertEquals(Map.of("guest", false, "reason", "host-qmp-system-reset"), c.event("RESET").get("data"));
                assertEquals("running", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"));
            }
        }
        try (Machine m = benchMachine()) {
            m.start();
            Monitor mon = monitor(m, System.err);
            try (QmpServer server = QmpServer.open("tcp:127.0.0.1:0,server", mon);
                 QmpTestClient c = QmpTestClient.negotiated(server.address())) {
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"system_reset\"}")));
                MachineExit exit = m.awaitExit();
                assertEquals(MachineExit.Reason.RESET, exit.reason(), "without --reboot a reset ends the run");
                mon.runControl().ended(exit);
                assertEquals(Map.of("guest", false, "reason", "host-qmp-system-reset"), c.event("SHUTDOWN").get("data"));
                assertTrue(c.pendingEvents().stream().noneMatch(e -> e.get("event").equals("RESET")));
            }
        }
    }

    @Test
    @Timeout(120)
    void badEndpointsAreRefused() throws Exception {
        try (Machine m = benchMachine()) {
            Monitor mon = monitor(m, System.err);
            for (var bad : Map.of("unix:" + dir.resolve("q.sock"), "add ',server'",
                    "tcp:127.0.0.1:4444,server,telnet", "unknown option 'telnet'",
                    "tcp:127.0.0.1:http,server", "'http' is not a port number",
                    "serial:/dev/ttyS0,server", "expected unix:PATH,server or tcp:HOST:PORT,server").entrySet()) {
                var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> QmpServer.open(bad.getKey(), mon));
                assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
            }
        }
    }

    @Test
    @Timeout(300)
    void migrateWithEventsAndQuitOverSeveralEndpoints() throws Exception {
        var guests = new LiveMigrationTest();
        guests.dir = dir;
        List<String> args = guests.guestArgs();
        var log = new ByteArrayOutputStream();
        try (MigrationPeer dest = MigrationPeer.start(LiveMigrationTest.with(args, "--incoming", "tcp:127.0.0.1:0")
                .toArray(String[]::new));
             // the source has no instruction limit: under load it must not end before the migration does
             Machine source = guests.machine(args.subList(0, args.indexOf("--max-instructions")))) {
            String address = dest.awaitAddress();
            Monitor mon = monitor(source, new PrintStream(log, true, StandardCharsets.UTF_8));
            source.start();
            try (QmpServer unix = QmpServer.open("unix:" + dir.resolve("a.sock") + ",server", mon);
                 QmpServer tcp = QmpServer.open("tcp:127.0.0.1:0,server", mon);
                 QmpTestClient a = QmpTestClient.negotiated(unix.address());
                 QmpTestClient b = QmpTestClient.negotiated(tcp.address())) {
                // auto-converge and a loose downtime limit: on a loaded host the unthrottled
                // dirty-writer would otherwise outrun the link and the migration never switch over
                assertEquals(Map.of(), ret(a.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
                        + "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}, "
                        + "{\"capability\": \"auto-converge\", \"state\": true}]}}")));
                assertEquals(Map.of(), ret(a.execute("{\"execute\": \"migrate-set-parameters\", \"arguments\": "
                        + "{\"downtime-limit\": 2000}}")));
                assertEquals(Map.of(), ret(a.execute("{\"execute\": \"migrate\", \"arguments\": {\"uri\": \""
                        + address + "\"}}")));
                for (String status : List.of("setup", "active", "device", "completed")) {
                    assertEquals(Map.of("status", status), a.event("MIGRATION").get("data"));
                    assertEquals(Map.of("status", status), b.event("MIGRATION").get("data"), "every endpoint hears it");
                }
                a.event("STOP");
                assertEquals(Map.of("pass", 1L), a.event("MIGRATION_PASS").get("data"), "each pass over RAM is announced");
                assertEquals(Map.of("pass", 1L), b.event("MIGRATION_PASS").get("data"));
                assertEquals(Map.of("pass", 2L), b.event("MIGRATION_PASS").get("data"), "the switch-over's sync is a pass");
                Map<String, Object> info = ret(b.execute("{\"execute\": \"query-migrate\"}"));
                assertEquals("completed", info.get("status"));
                Map<?, ?> ram = (Map<?, ?>) info.get("ram");
                assertTrue((Long) ram.get("transferred") > 0 && (Long) ram.get("total") > 0, ram.toString());
                assertTrue(info.get("downtime") instanceof Long, info.toString());
                assertEquals("postmigrate", ((Map<?, ?>) ret(a.execute("{\"execute\": \"query-status\"}"))).get("status"));
                assertEquals(0, dest.awaitExit(), dest.output());

                assertEquals(Map.of(), ret(b.execute("{\"execute\": \"quit\"}")));
                MachineExit exit = source.awaitExit();
                assertEquals(MachineExit.Reason.HOST_STOP, exit.reason());
                mon.runControl().ended(exit);
                assertEquals(Map.of("guest", false, "reason", "host-qmp-quit"), a.event("SHUTDOWN").get("data"));
                unix.close();
                assertNull(a.readOrEnd(), "closing the server ends its session after the queued events");
                assertFalse(java.nio.file.Files.exists(dir.resolve("a.sock")), "the socket file is removed");
            }
        }
    }
}
