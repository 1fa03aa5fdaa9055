package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.monitor.Monitor;
import dev.tern.kernel.monitor.MonitorEvents;
import dev.tern.kernel.monitor.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest behind a {@code pci-bridge}: it finds a disk given at start on the bridge's bus,
 * and one hot-plugged into a bridge slot on its own (the SHPC presses the slot's button, Linux's
 * shpchp powers the slot and probes it: no rescan); {@code device_del} presses the button again,
 * Linux lets the disk go and powers the slot off, and only then is it removed and DEVICE_DELETED sent.
 */
class LinuxShpcHotPlugTest {

    private static final long LIMIT = 8_000_000_000L;

    @TempDir
    Path dir;

    private Path disk(String name, String tag) throws Exception {
        Path disk = dir.resolve(name);
        byte[] image = new byte[8 << 20];
        byte[] t = tag.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, image, 0, t.length);
        Files.write(disk, image);
        return disk;
    }

    /**
     * The snapshot taken with the hot-added disk in the bridge's slot 3 loads into a machine started
     * with it there, whose guest reads it on; a machine without it, or with it on bus 0, refuses.
     */
    private void restoreElsewhere(List<DeviceSpec> extra, Path hot) throws Exception {
        var hd1 = new DeviceSpec("virtio-blk", "hd1", Map.of("path", hot.toString(), "bus", "br1", "slot", "3"));
        try (var without = LinuxGuest.create(LIMIT, extra)) {
            String refused = new Monitor(without.machine, new SnapshotStore(dir)).execute("loadvm behind-bridge");
            assertTrue(refused.startsWith("Error: ") && refused.contains("slot 0x03 behind the bridge holds a card on the"
                    + " source but is empty here: start this machine with that device (--device ...,bus=br1,addr=0x03)"),
                    refused);
        }
        var onBus0 = new java.util.ArrayList<>(extra);
        onBus0.add(new DeviceSpec("virtio-blk", "hd1", Map.of("path", hot.toString(), "slot", "3")));
        try (var elsewhere = LinuxGuest.create(LIMIT, onBus0)) {
            String refused = new Monitor(elsewhere.machine, new SnapshotStore(dir)).execute("loadvm behind-bridge");
            assertTrue(refused.startsWith("Error: ") && refused.contains("bus=br1,addr=0x03"), refused);
        }
        var same = new java.util.ArrayList<>(extra);
        same.add(hd1);
        try (var copy = LinuxGuest.create(LIMIT, same)) {
            var mon = new Monitor(copy.machine, new SnapshotStore(dir));
            copy.machine.start();
            assertEquals("", mon.execute("loadvm behind-bridge"));
            int at = copy.type("dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -c 16; echo; echo res''tored");
            assertNull(copy.waitFor("restored", at), "the restored guest:\n" + copy.output());
            assertTrue(copy.output().indexOf("HOT-DISK-BEHIND!", at) > 0, "the restored guest:\n" + copy.output());
            copy.type("poweroff -f");
            assertEquals(MachineExit.Reason.HALTED, copy.machine.awaitExit().reason(), copy.output());
        }
    }

    @Test
    @Timeout(1800)
    void theGuestSeesStartTimeAndHotPluggedDisksBehindTheBridgeAndLetsOneGo() throws Exception {
        LinuxGuest.assumeGuest();
        Path cold = disk("cold.img", "COLD-DISK-BEHIND");
        Path hot = disk("hot.img", "HOT-DISK-BEHIND!");
        var extra = List.of(new DeviceSpec("pci-bridge", "br1", Map.of("chassis-nr", "1", "slot", "5")),
                new DeviceSpec("virtio-blk", "cold", Map.of("path", cold.toString(), "bus", "br1", "slot", "1")));
        try (var g = LinuxGuest.create(LIMIT, extra)) {
            var mon = new Monitor(g.machine, new SnapshotStore(dir));
            var events = new CopyOnWriteArrayList<MonitorEvents.Event>();
            var deleted = new CountDownLatch(1);
            mon.events().subscribe(e -> {
                events.add(e);
                if (e.name().equals("DEVICE_DELETED")) {
                    deleted.countDown();
                }
            });
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), g.output());

            int at = g.type("dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 16; echo; ls /sys/bus/pci/slots/");
            assertNull(g.waitFor("\nCOLD-DISK-BEHIND", at), "the start-time disk behind the bridge:\n" + g.output());

            assertEquals("", mon.execute("device_add virtio-blk-pci,id=hd1,bus=br1,addr=3,path=" + hot));
            at = g.type("while [ ! -e /sys/block/vdb ]; do sleep 1; done; dd if=/dev/vdb bs=512 count=1 2>/dev/null"
                    + " | head -c 16; echo");
            assertNull(g.waitFor("\nHOT-DISK-BEHIND!", at), "the hot-plugged disk, with no rescan:\n" + g.output());

            assertEquals("", mon.execute("savevm behind-bridge"));
            restoreElsewhere(extra, hot);

            assertEquals("", mon.execute("device_del hd1"));
            assertTrue(events.stream().noneMatch(e -> e.name().equals("DEVICE_DELETED")),
                    "removed before the guest let it go: " + events);
            at = g.type("while [ -e /sys/block/vdb ]; do sleep 1; done; echo vdb-g''one");
            assertNull(g.waitFor("vdb-gone", at), "the guest did not let the disk go:\n" + g.output());
            assertTrue(deleted.await(60, TimeUnit.SECONDS), "no DEVICE_DELETED: " + events);
            var del = events.stream().filter(e -> e.name().equals("DEVICE_DELETED")).toList();
            assertEquals(1, del.size(), events.toString());
            assertEquals("hd1", del.getFirst().data().get("device"));
            assertTrue(g.machine.spec().devices().stream().noneMatch(d -> d.instance().equals("hd1")));

            at = g.type("head -c 16 /dev/vda; echo; echo still-r''unning");
            assertNull(g.waitFor("still-running", at), g.output());
            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertEquals(MachineExit.Reason.HALTED, exit.reason(), exit.detail() + "\n" + g.output());
        }
    }
}
