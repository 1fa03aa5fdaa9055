package dev.tern.cli;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Debian guest finds a virtio-blk disk hot-plugged through the monitor (after a PCI rescan, as
 * a guest without a hot-plug controller does), reads it, lets it go, and the monitor removes it.
 */
class LinuxHotPlugTest {

    private static final long LIMIT = 6_000_000_000L;
    private static final Pattern REMOVE = Pattern.compile("/sys/bus/pci/devices/(0000:00:[0-9a-f]{2}\\.0)/remove");

    @TempDir
    Path dir;

    @Test
    @Timeout(1800)
    void guestFindsReadsAndReleasesAHotPluggedDisk() throws Exception {
        LinuxGuest.assumeGuest();
        Path disk = dir.resolve("hot.img");
        byte[] image = new byte[8 << 20];
        byte[] tag = "HOTPLUGGED-DISK".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tag, 0, image, 0, tag.length);
        Files.write(disk, image);

        try (var g = LinuxGuest.create(LIMIT, List.of())) {
            var mon = new Monitor(g.machine, new SnapshotStore(dir));
            var events = new CopyOnWriteArrayList<MonitorEvents.Event>();
            mon.events().subscribe(events::add);
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), g.output());

            assertEquals("", mon.execute("device_add virtio-blk-pci,id=hd1,path=" + disk));
            int at = g.type("echo 1 > /sys/bus/pci/rescan; for i in 1 2 3 4 5; do [ -e /sys/block/vda ] && break;"
                    + " sleep 1; done; echo size-$(cat /sys/block/vda/size)");
            assertNull(g.waitFor("size-16384", at), "the guest did not find the 8 MiB disk:\n" + g.output());
            at = g.type("dd if=/dev/vda bs=512 count=1 2>/dev/null | head -c 15; echo");
            assertNull(g.waitFor("\nHOTPLUGGED-DISK", at), "the guest read something else:\n" + g.output());

            String refused = mon.execute("device_del hd1");
            assertTrue(refused.startsWith("Error: Device 'hd1' is in use: hd1: the guest still drives PCI function"),
                    refused);
            Matcher remove = REMOVE.matcher(refused);
            assertTrue(remove.find(), refused);
            assertTrue(events.stream().noneMatch(e -> e.name().equals("DEVICE_DELETED")), events.toString());

            at = g.type("echo 1 > " + remove.group() + "; echo released-$?");
            assertNull(g.waitFor("released-0", at), g.output());
            assertEquals("", mon.execute("device_del hd1"));
            var deleted = events.stream().filter(e -> e.name().equals("DEVICE_DELETED")).toList();
            assertEquals(1, deleted.size(), events.toString());
            assertEquals("hd1", deleted.getFirst().data().get("device"));
            assertTrue(g.machine.spec().devices().stream().noneMatch(d -> d.instance().equals("hd1")));

            // a rescan finds nothing in the slot now, and the guest runs on
            at = g.type("echo 1 > /sys/bus/pci/rescan; [ -e /sys/bus/pci/devices/" + remove.group(1)
                    + " ] || echo slot-em''pty");
            assertNull(g.waitFor("slot-empty", at), g.output());
            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertEquals(MachineExit.Reason.HALTED, exit.reason(), exit.detail() + "\n" + g.output());
        }
    }
}
