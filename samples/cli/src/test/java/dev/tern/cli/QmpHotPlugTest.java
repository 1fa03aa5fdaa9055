package dev.tern.cli;

import dev.tern.devices.pci.PciHostBridge;
import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.monitor.qmp.QmpServer;
import dev.tern.kernel.plugin.PluginRegistry;
import dev.tern.kernel.replay.RecordingJournal;
import dev.tern.kernel.replay.ReplayLogHeader;
import dev.tern.kernel.replay.ReplayLogWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.tern.cli.QmpProtocolTest.err;
import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** device_add and device_del over a real QMP socket and the human monitor: the changes, every refusal, saved state. */
class QmpHotPlugTest {

    private static final int CONFIG_ADDRESS = 0xcf8;
    private static final int CONFIG_DATA = 0xcfc;

    @TempDir
    Path dir;

    private MachineSpec spec() throws Exception {
        var b = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP);
        PcDevices.standard("none").forEach(b::device);
        b.device("uart16550", "serial0", Map.of("backend", "file", "path", dir.resolve("serial.log").toString()));
        return b.build();
    }

    private static PluginRegistry plugins() {
        return PluginRegistry.discover(QmpHotPlugTest.class.getClassLoader(), List.of());
    }

    private String image(String name) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, new byte[1 << 20]);
        return p.toString();
    }

    private static String add(String arguments) {
        return "{\"execute\": \"device_add\", \"arguments\": {" + arguments + "}}";
    }

    private static String del(String id) {
        return "{\"execute\": \"device_del\", \"arguments\": {\"id\": \"" + id + "\"}}";
    }

    @SuppressWarnings("unchecked")
    private static String errorText(Map<String, Object> reply) {
        assertTrue(reply.containsKey("error"), "not an error: " + reply);
        var e = (Map<String, Object>) reply.get("error");
        assertEquals("GenericError", e.get("class"), reply.toString());
        return (String) e.get("desc");
    }

    /** What a guest's driver does to a function's command register, through the host bridge's ports. */
    private static void guestCommand(Machine m, int slot, int command) {
        m.withVcpusStopped(() -> {
            m.ports().write(CONFIG_ADDRESS, 4, 0x8000_0000 | slot << 11 | 0x04);
            m.ports().write(CONFIG_DATA, 2, command);
            return null;
        });
    }

    @Test
    @Timeout(120)
    void qmpAddsAndRemovesVirtioDevicesAndRefusesEveryBadRequest() throws Exception {
        String disk = image("d1.img");
        try (Machine m = Machine.create(plugins(), spec())) {
            m.start();
            Monitor mon = new Monitor(m, new SnapshotStore(dir));
            try (QmpServer server = QmpServer.open("unix:" + dir.resolve("qmp.sock") + ",server,wait=off", mon);
                 QmpTestClient c = QmpTestClient.connect(server.address())) {
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"qmp_capabilities\"}")));

                assertEquals(Map.of(), ret(c.execute(add("\"driver\": \"virtio-blk-pci\", \"id\": \"d1\", \"path\": \""
                        + disk + "\", \"bus\": \"pci.0\", \"addr\": \"0x7\""))));
                var bus = ((PciHostBridge) m.device("pci")).bus();
                assertEquals("d1", bus.function(7).owner());
                List<Map<String, Object>> blocks = ret(c.execute("{\"execute\": \"query-block\"}"));
                assertEquals(List.of("d1"), blocks.stream().map(b -> b.get("device")).toList());

                err(c.execute(add("\"driver\": \"virtio-blk-pci\", \"id\": \"d1\", \"path\": \"" + disk + "\"")),
                        "GenericError", "Duplicate device ID 'd1'");
                err(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"n9\", \"addr\": \"7.0\"")), "GenericError",
                        "device 'n9' (virtio-net) failed to realize: n9: PCI slot 7 is already taken by d1");
                err(c.execute(add("\"driver\": \"virtio-blk-pci\", \"id\": \"d9\", \"path\": \"" + disk + "\", \"addr\": \"7\"")),
                        "GenericError", "device 'd9' (virtio-blk) failed to realize: d9: PCI slot 7 is already taken by d1");
                assertTrue(errorText(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"n9\", \"colour\": \"red\"")))
                        .startsWith("virtio-net: unknown config key 'colour'"));
                assertTrue(errorText(c.execute(add("\"driver\": \"virtio-net-pci\", \"bus\": \"pci.1\"")))
                        .endsWith("failed to realize: Bus 'pci.1' not found; this machine's PCI buses are pci.0 (a"
                                + " 'pci-bridge' device adds one named after its id)"));
                err(c.execute(add("\"driver\": \"virtio-net-pci\", \"addr\": \"0x20\"")), "GenericError",
                        "Property 'addr' = '0x20': expected a PCI slot 0x1..0x1f (function 0 only, as 'slot' or 'slot.0')");
                err(c.execute(add("\"driver\": \"virtio-net-pci\", \"addr\": \"3\", \"slot\": 4")), "GenericError",
                        "device_add: give the PCI slot once, as addr= (QEMU) or slot=");
                err(c.execute(add("\"driver\": \"uart16550\", \"id\": \"com2\"")), "GenericError",
                        "device 'uart16550' cannot be hot-plugged; add it with --device when the machine starts");
                String unknown = errorText(c.execute(add("\"driver\": \"nosuch-pci\"")));
                assertTrue(unknown.startsWith("no ") && unknown.contains("'nosuch-pci'"), unknown);
                err(c.execute(add("\"driver\": \"virtio-net-pci\", \"mac\": {\"a\": 1}")), "GenericError",
                        "Parameter 'mac' expects a string, integer or boolean");
                err(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"1x\"")), "GenericError",
                        "Parameter 'id' expects an identifier (a letter, then letters, digits, '-', '.' or '_'), got '1x'");
                err(c.execute(add("\"id\": \"n1\"")), "GenericError", "Parameter 'driver' is missing");
                err(c.execute(add("\"driver\": 5")), "GenericError", "Invalid parameter type for 'driver', expected: string");
                assertEquals(List.of("d1"), m.spec().devices().stream().filter(d -> d.provider().startsWith("virtio"))
                        .map(DeviceSpec::instance).toList(), "a refused device_add left a device");

                assertEquals(Map.of(), ret(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"n1\", \"mac\": "
                        + "\"52:54:00:00:00:21\""))));
                assertEquals(Map.of(), ret(c.execute(del("n1"))));
                assertEquals(Map.of("device", "n1", "path", "/machine/peripheral/n1"), c.event("DEVICE_DELETED").get("data"));
                err(c.execute(del("n1")), "DeviceNotFound", "Device 'n1' not found");
                err(c.execute(del("serial0")), "GenericError", "Device 'serial0' (uart16550) cannot be hot-unplugged");
                err(c.execute("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"d1\", \"force\": true}}"),
                        "GenericError", "Parameter 'force' is unexpected");

                // a driver that turned bus mastering on holds the function; once it turned it off, it lets go
                guestCommand(m, 7, 0x4);
                err(c.execute(del("d1")), "GenericError", "Device 'd1' is in use: d1: the guest still drives PCI function"
                        + " 0000:00:07.0 (bus mastering is on, command register 0x4); release it in the guest first, in"
                        + " Linux with 'echo 1 > /sys/bus/pci/devices/0000:00:07.0/remove'");
                assertEquals("d1", bus.function(7).owner());
                guestCommand(m, 7, 0x0);
                assertEquals(Map.of(), ret(c.execute(del("d1"))));
                assertEquals(Map.of("device", "d1", "path", "/machine/peripheral/d1"), c.event("DEVICE_DELETED").get("data"));
                assertEquals(null, bus.function(7));
                assertEquals(List.of(), ret(c.execute("{\"execute\": \"query-block\"}")));
                // the freed slot takes the next device
                assertEquals(Map.of(), ret(c.execute(add("\"driver\": \"virtio-blk-pci\", \"id\": \"d9\", \"path\": \""
                        + disk + "\", \"addr\": \"7\""))));
                assertEquals("d9", bus.function(7).owner());
                assertEquals("running", ((Map<?, ?>) ret(c.execute("{\"execute\": \"query-status\"}"))).get("status"));
            }
        }
    }

    @Test
    @Timeout(120)
    void humanMonitorParsesAsDeviceDoesAndSnapshotsHoldTheDeviceSet() throws Exception {
        String disk = image("d2.img");
        try (Machine m = Machine.create(plugins(), spec())) {
            m.start();
            Monitor mon = new Monitor(m, new SnapshotStore(dir));
            assertEquals("Error: device_add: give the device's name once, as id= (QEMU) or name= (--device)\n",
                    mon.execute("device_add virtio-net,name=n3,id=n3"));
            assertEquals("", mon.execute("device_add virtio-blk,name=d2,path=" + disk + ",readonly=on"));
            assertEquals(List.of("d2"), mon.complete("device_del "), "completion offers what can be removed");
            assertEquals(List.of("virtio-blk-pci", "virtio-net-pci"), mon.complete("device_add "));
            assertEquals("", mon.execute("savevm with-d2"));
            assertEquals("", mon.execute("device_del d2"));

            // the snapshot holds d2: it loads only into a machine that has it, and a refused load changes nothing
            String refused = mon.execute("loadvm with-d2");
            assertTrue(refused.startsWith("Error: ") && refused.contains("instance d2"), refused);
            assertEquals("", mon.execute("device_add virtio-blk,id=d2,path=" + disk + ",readonly=on"));
            assertEquals("", mon.execute("loadvm with-d2"));
            assertTrue(mon.execute("info status").contains("running"), mon.execute("info status"));

            // a fresh machine made without d2 refuses the snapshot, naming it
            try (Machine other = Machine.create(plugins(), spec())) {
                Monitor otherMon = new Monitor(other, new SnapshotStore(dir));
                String fresh = otherMon.execute("loadvm with-d2");
                assertTrue(fresh.startsWith("Error: ") && fresh.contains("instance d2"), fresh);
            }

            // a paused machine takes and gives up devices too, and runs on with them
            assertEquals("", mon.execute("stop"));
            assertEquals("", mon.execute("device_add virtio-net-pci,id=n5,mac=52:54:00:00:00:25"));
            assertEquals("", mon.execute("cont"));
            assertEquals("", mon.execute("stop"));
            assertEquals("", mon.execute("device_del n5"));
            assertEquals("", mon.execute("cont"));
            assertTrue(mon.execute("info status").contains("running"), mon.execute("info status"));

            mon.refuseHotPlugWhen(() -> Optional.of("fault tolerance is on"));
            assertEquals("Error: device_add is not available: fault tolerance is on\n",
                    mon.execute("device_add virtio-net,id=n4"));
            assertEquals("Error: device_del is not available: fault tolerance is on\n", mon.execute("device_del d2"));
            assertEquals("Error: Device 'n4' not found\n", mon.execute("device_del n4"));
        }
    }

    /** A machine like {@link #spec()} started with {@code --device virtio-blk,name=hd1,path=DISK,addr=ADDR}. */
    private MachineSpec specWithDisk(String disk, String addr) throws Exception {
        var b = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP);
        PcDevices.standard("none").forEach(b::device);
        b.device("uart16550", "serial0", Map.of("backend", "file", "path", dir.resolve("serial.log").toString()));
        var options = new java.util.LinkedHashMap<>(Map.of("path", disk, "readonly", "on", "addr", addr));
        dev.tern.kernel.machine.PciAddressOption.foldInto(options, "--device virtio-blk");
        b.device("virtio-blk", "hd1", options);
        return b.build();
    }

    /** The slot the guest finds the (only) virtio-blk function in, by scanning configuration space. */
    private static int slotOfDisk(Machine m) {
        return m.withVcpusStopped(() -> {
            for (int slot = 0; slot < 32; slot++) {
                m.ports().write(CONFIG_ADDRESS, 4, 0x8000_0000 | slot << 11);
                if (m.ports().read(CONFIG_DATA, 4) == 0x1001_1af4) {
                    return slot;
                }
            }
            return -1;
        });
    }

    /**
     * A snapshot of a disk hot-plugged into slot 7 is refused by a machine that has the disk in slot
     * 5, naming both slots and leaving that machine as it was; one started with addr=0x07 takes it.
     */
    @Test
    @Timeout(120)
    void aSnapshotLoadsOnlyWhereItsDeviceSitsInTheSameSlot() throws Exception {
        String disk = image("hd1.img");
        try (Machine m = Machine.create(plugins(), spec())) {
            m.start();
            Monitor mon = new Monitor(m, new SnapshotStore(dir));
            assertEquals("", mon.execute("device_add virtio-blk-pci,id=hd1,path=" + disk + ",readonly=on,addr=0x07"));
            assertEquals(7, slotOfDisk(m));
            assertEquals("", mon.execute("savevm hd1-in-7"));
        }
        try (Machine in5 = Machine.create(plugins(), specWithDisk(disk, "5"))) {
            in5.start();
            Monitor mon = new Monitor(in5, new SnapshotStore(dir));
            assertEquals("", mon.execute("stop"));
            assertEquals("", mon.execute("savevm before"));
            String refused = mon.execute("loadvm hd1-in-7");
            assertTrue(refused.startsWith("Error: ") && refused.contains("device hd1 is in PCI slot 0x07 on the source"
                    + " but in slot 0x05 here: start this machine with --device ...,name=hd1,addr=0x07"), refused);
            assertEquals("", mon.execute("savevm after"));
            assertArrayEquals(Files.readAllBytes(dir.resolve("before.tern")), Files.readAllBytes(dir.resolve("after.tern")),
                    "the refused load changed nothing");
            assertEquals(5, slotOfDisk(in5));
        }
        try (Machine in7 = Machine.create(plugins(), specWithDisk(disk, "0x07"))) {
            in7.start();
            Monitor mon = new Monitor(in7, new SnapshotStore(dir));
            assertEquals("", mon.execute("loadvm hd1-in-7"));
            assertEquals(7, slotOfDisk(in7));
            assertTrue(mon.execute("info status").contains("running"), mon.execute("info status"));
        }
    }

    /** The CLI's monitor refuses device changes while a migration runs, and takes them again once it ended. */
    @Test
    @Timeout(120)
    void theCliRefusesHotPlugWhileAMigrationRuns() throws Exception {
        Path sock = dir.resolve("cli.sock");
        // a destination that takes the connection and never answers: the migration stays under way
        try (Machine m = Machine.create(plugins(), spec());
             var silent = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            m.start();
            try (var endpoint = MonitorEndpoint.open("none", List.of("unix:" + sock + ",server"), "none", m,
                    new SnapshotStore(dir), plugins(), null, null, null);
                 QmpTestClient c = QmpTestClient.negotiated(java.net.UnixDomainSocketAddress.of(sock))) {
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate-set-capabilities\", \"arguments\": "
                        + "{\"capabilities\": [{\"capability\": \"events\", \"state\": true}]}}")));
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate\", \"arguments\": {\"uri\": "
                        + "\"tcp:127.0.0.1:" + silent.getLocalPort() + "\"}}")));
                String refused = errorText(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"n1\"")));
                assertTrue(refused.startsWith("device_add is not available: a migration is ")
                        && refused.endsWith("; change devices before or after it (QEMU refuses too)"), refused);
                assertEquals(Map.of(), ret(c.execute("{\"execute\": \"migrate_cancel\"}")));
                String status;
                do {
                    status = (String) ((Map<?, ?>) c.event("MIGRATION").get("data")).get("status");
                } while (!status.equals("cancelled") && !status.equals("failed"));
                assertEquals(Map.of(), ret(c.execute(add("\"driver\": \"virtio-net-pci\", \"id\": \"n1\""))));
            }
        }
    }

    @Test
    @Timeout(120)
    void aRecordedRunRefusesHotPlug() throws Exception {
        MachineSpec spec = spec();
        var header = ReplayLogHeader.forMachine(spec, "test", List.of(), 0);
        try (Machine m = Machine.create(plugins(), spec, new RecordingJournal(new ReplayLogWriter(dir.resolve("run.log"), header), 0))) {
            Monitor mon = new Monitor(m, new SnapshotStore(dir));
            assertEquals("Error: device_add is not available while the run is recorded or replayed: a device added or"
                    + " removed mid-run is not an input the replay log can hold\n", mon.execute("device_add virtio-net,id=n1"));
            assertEquals(List.of(), m.spec().devices().stream().filter(d -> d.instance().equals("n1")).toList());
        }
    }
}
