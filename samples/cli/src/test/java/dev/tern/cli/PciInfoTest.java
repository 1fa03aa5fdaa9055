package dev.tern.cli;

import dev.tern.kernel.machine.Machine;
import dev.tern.kernel.machine.MachineSpec;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.SnapshotStore;
import dev.tern.kernel.monitor.qmp.QmpServer;
import dev.tern.kernel.plugin.PluginRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.tern.cli.QmpProtocolTest.ret;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * query-pci and info pci over a real QMP socket and the human monitor: which slot each function
 * sits in (what a migration destination must repeat), its ids, class and BARs, following hot-plug.
 */
class PciInfoTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    @SuppressWarnings("unchecked")
    void queryPciListsEveryFunctionWithItsSlotAndFollowsHotPlug() throws Exception {
        Path disk = dir.resolve("d1.img");
        Files.write(disk, new byte[1 << 20]);
        overQmp(b -> { }, (m, mon, c) -> {
            List<Map<String, Object>> before = ret(c.execute("{\"execute\": \"query-pci\"}"));
            assertEquals(1, before.size(), before.toString());
            var hostBridge = ((List<Map<String, Object>>) before.getFirst().get("devices")).getFirst();
            assertEquals(0L, ((Number) hostBridge.get("slot")).longValue(), hostBridge.toString());

            ret(c.execute("{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-blk-pci\", \"id\": \"d1\","
                    + " \"path\": \"" + disk + "\", \"addr\": \"0x7\"}}"));
            List<Map<String, Object>> after = ret(c.execute("{\"execute\": \"query-pci\"}"));
            var devices = (List<Map<String, Object>>) after.getFirst().get("devices");
            var d1 = devices.stream().filter(d -> "d1".equals(d.get("qdev_id"))).findFirst().orElseThrow();
            assertEquals(7L, ((Number) d1.get("slot")).longValue(), d1.toString());
            var id = (Map<String, Object>) d1.get("id");
            assertEquals(0x1af4L, ((Number) id.get("vendor")).longValue(), d1.toString());
            assertEquals(0x0100L, ((Number) ((Map<String, Object>) d1.get("class_info")).get("class")).longValue(),
                    "mass storage, SCSI: " + d1);
            assertTrue(!((List<?>) d1.get("regions")).isEmpty(), "a virtio function has BARs: " + d1);

            String human = mon.execute("info pci");
            assertTrue(human.contains("Bus  0, device   7, function 0:") && human.contains("id \"d1\""), human);
            assertTrue(human.contains("PCI device 1af4:"), human);

            ret(c.execute("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"d1\"}}"));
            List<Map<String, Object>> gone = ret(c.execute("{\"execute\": \"query-pci\"}"));
            assertTrue(((List<Map<String, Object>>) gone.getFirst().get("devices")).stream()
                    .noneMatch(d -> "d1".equals(d.get("qdev_id"))), gone.toString());
        });
    }

    @Test
    @Timeout(120)
    @SuppressWarnings("unchecked")
    void aBridgesBusIsListedInItsPciBridgeAndACardItsGuestNeverPoweredComesOutAtOnce() throws Exception {
        Path disk = dir.resolve("d2.img");
        Files.write(disk, new byte[1 << 20]);
        overQmp(b -> {
            b.device("pci-bridge", "br1", Map.of("chassis-nr", "1", "slot", "5"));
            b.device("virtio-blk", "d2", Map.of("path", disk.toString(), "bus", "br1", "slot", "2"));
        }, (m, mon, c) -> {
            ret(c.execute("{\"execute\": \"device_add\", \"arguments\": {\"driver\": \"virtio-blk-pci\", \"id\": \"d3\","
                    + " \"path\": \"" + disk + "\", \"bus\": \"br1\", \"addr\": \"0x4\", \"readonly\": true}}"));
            List<Map<String, Object>> all = ret(c.execute("{\"execute\": \"query-pci\"}"));
            var br1 = ((List<Map<String, Object>>) all.getFirst().get("devices")).stream()
                    .filter(d -> "br1".equals(d.get("qdev_id"))).findFirst().orElseThrow();
            var bridge = (Map<String, Object>) br1.get("pci_bridge");
            var bus = (Map<String, Object>) bridge.get("bus");
            assertEquals(1L, ((Number) bus.get("secondary")).longValue(), bridge.toString());
            assertEquals(0xf800_0000L, ((Number) ((Map<String, Object>) bus.get("memory_range")).get("base")).longValue());
            var behind = (List<Map<String, Object>>) bridge.get("devices");
            assertEquals(List.of("d2", "d3"), behind.stream().map(d -> d.get("qdev_id")).toList(), behind.toString());
            assertEquals(1L, ((Number) behind.getFirst().get("bus")).longValue());
            String human = mon.execute("info pci");
            assertTrue(human.contains("Bus  1, device   4, function 0:") && human.contains("id \"d3\""), human);

            // the bench ROM runs no hot-plug driver: d3's slot was never powered, so it comes out at once
            ret(c.execute("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"d3\"}}"));
            assertEquals("d3", ((Map<?, ?>) c.event("DEVICE_DELETED").get("data")).get("device"));
            assertTrue(m.spec().devices().stream().noneMatch(d -> d.instance().equals("d3")));
            String refused = mon.execute("device_add virtio-blk-pci,id=d4,bus=br9,path=" + disk);
            assertTrue(refused.contains("Bus 'br9' not found; this machine's PCI buses are pci.0, br1"), refused);
        });
    }

    /** What a case does with the running machine, its monitor and a negotiated QMP client. */
    @FunctionalInterface
    private interface Session {
        void run(Machine m, Monitor mon, QmpTestClient c) throws Exception;
    }

    /**
     * Runs {@code session} against the bench ROM on the standard PC devices plus what {@code devices}
     * adds, with {@code query-pci}/{@code info pci} on its monitor, served over QMP.
     */
    private void overQmp(java.util.function.Consumer<MachineSpec.Builder> devices, Session session) throws Exception {
        var b = MachineSpec.builder().ramSize(16L << 20).firmware(BenchCommand.benchRom()).pacing(Pacing.WARP);
        PcDevices.standard("none").forEach(b::device);
        devices.accept(b);
        try (Machine m = Machine.create(PluginRegistry.discover(PciInfoTest.class.getClassLoader(), List.of()), b.build())) {
            m.start();
            Monitor mon = new Monitor(m, new SnapshotStore(dir));
            PciInfo.registerOn(mon, m);
            try (QmpServer server = QmpServer.open("unix:" + dir.resolve("qmp.sock") + ",server,wait=off", mon);
                 QmpTestClient c = QmpTestClient.connect(server.address())) {
                ret(c.execute("{\"execute\": \"qmp_capabilities\"}"));
                session.run(m, mon, c);
            }
        }
    }
}
