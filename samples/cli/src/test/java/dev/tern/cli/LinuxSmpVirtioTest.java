package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
import dev.tern.kernel.machine.Pacing;
import dev.tern.kernel.replay.LiveJournal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A virtio disk under {@code --smp 2} with the APIC on: the MP table routes the PCI slot's INTA# to
 * an I/O APIC input (level, active high), so Debian's virtio_pci driver takes its interrupts there
 * rather than through the 8259 — the disk reads back intact, and /proc/interrupts shows the
 * virtio line on the I/O APIC, level-triggered (fasteoi), with interrupts counted. With
 * {@code msix=on} the same driver takes MSI-X vectors instead (PCI-MSI in /proc/interrupts), and a
 * snapshot taken then restores into a new machine whose disk interrupts still arrive as messages.
 */
class LinuxSmpVirtioTest {

    private static final String APPEND = "console=ttyS0 acpi=off cryptomgr.notests noisapnp pnpbios=off";
    private static final long LIMIT = 20_000_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(1800)
    void virtioDiskInterruptsArriveThroughTheIoApic() throws Exception {
        LinuxGuest.assumeGuest();
        Path disk = dir.resolve("disk.img");
        String md5 = writeDisk(disk);

        try (var g = LinuxGuest.create(2, APPEND, LIMIT, List.of(new DeviceSpec("virtio-blk", "disk0",
                Map.of("path", disk.toString()))), Pacing.WARP, spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            assertTrue(g.output().contains("smp: Brought up 1 node, 2 CPUs"), g.output());

            int at = g.type("dd if=/dev/vda bs=4096 count=2048 2>/dev/null | md5sum");
            assertNull(g.waitFor(md5 + "  -", at), "the guest read another checksum:\n" + g.output());

            at = g.type("grep virtio /proc/interrupts; echo end-of-$((1+1))");
            assertNull(g.waitFor("end-of-2", at), g.output());
            String lines = g.output().substring(at);
            String line = lines.lines().filter(l -> l.contains("virtio") && !l.contains("grep")).findFirst()
                    .orElseThrow(() -> new AssertionError("no virtio interrupt line:\n" + lines));
            assertTrue(line.contains("IO-APIC") && line.contains("fasteoi"),
                    "the virtio interrupt is not a level-triggered I/O APIC input: " + line);
            long count = 0;
            for (String f : line.trim().split("\\s+")) {
                if (f.matches("[0-9]+")) {
                    count += Long.parseLong(f);
                }
            }
            assertTrue(count > 0, "no virtio interrupt counted: " + line);

            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertTrue(exit.reason() == MachineExit.Reason.HALTED || exit.reason() == MachineExit.Reason.POWER_OFF,
                    exit.detail() + "\n" + g.output());
        }
    }

    /**
     * {@code msix=on}: Debian's virtio_pci driver enables MSI-X and gives the configuration and the
     * request queue a vector each; the local APICs take them as messages (PCI-MSI, edge, counted),
     * and no virtio line is left on the I/O APIC. Saved once that is set up, the machine restores
     * into a new one (the {@code msix} subsection) whose disk reads, past the page cache, still
     * complete: their interrupts arrive through the restored table.
     */
    @Test
    @Timeout(1800)
    void withMsixTheDiskInterruptsAreMessagesAndSurviveASnapshot() throws Exception {
        LinuxGuest.assumeGuest();
        Path disk = dir.resolve("disk.img");
        String md5 = writeDisk(disk);
        var devices = List.of(new DeviceSpec("virtio-blk", "disk0", Map.of("path", disk.toString(), "msix", "true")));
        var snapshot = new java.io.ByteArrayOutputStream();
        long before;
        try (var g = LinuxGuest.create(2, APPEND, LIMIT, devices, Pacing.WARP, spec -> new LiveJournal())) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), "the guest stopped before its shell prompt:\n" + g.output());
            int at = g.type("dd if=/dev/vda bs=4096 count=2048 2>/dev/null | md5sum");
            assertNull(g.waitFor(md5 + "  -", at), "the guest read another checksum:\n" + g.output());
            Map<String, String> lines = virtioInterrupts(g);
            assertTrue(lines.containsKey("virtio0-config") && lines.containsKey("virtio0-req.0"),
                    "no MSI-X vectors for the configuration and the request queue: " + lines);
            lines.values().forEach(l -> assertTrue(l.contains("PCI-MSI") && !l.contains("IO-APIC"),
                    "a virtio interrupt that is not a message: " + l));
            before = count(lines.get("virtio0-req.0"));
            assertTrue(before > 0, "no request-queue message counted: " + lines);
            g.machine.pause();
            dev.tern.kernel.machine.MachineSnapshot.save(g.machine, snapshot);
            g.machine.stop("snapshot taken");
        }
        try (var g = LinuxGuest.create(2, APPEND, LIMIT, devices, Pacing.WARP, spec -> new LiveJournal())) {
            dev.tern.kernel.machine.MachineSnapshot.load(g.machine, dev.tern.kernel.state.StateSource.of(snapshot.toByteArray()));
            g.machine.start();
            int at = g.type("echo 3 > /proc/sys/vm/drop_caches; dd if=/dev/vda bs=4096 count=2048 2>/dev/null | md5sum");
            assertNull(g.waitFor(md5 + "  -", at), "the restored guest read another checksum:\n" + g.output());
            long after = count(virtioInterrupts(g).get("virtio0-req.0"));
            assertTrue(after > before, "the restored guest's reads took no request-queue message: " + before + " -> " + after);
            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertTrue(exit.reason() == MachineExit.Reason.HALTED || exit.reason() == MachineExit.Reason.POWER_OFF,
                    exit.detail() + "\n" + g.output());
        }
    }

    /** An 8 MiB image whose every page starts with its number; returns its MD5. */
    private static String writeDisk(Path disk) throws Exception {
        byte[] image = new byte[8 << 20];
        for (int i = 0; i < image.length; i += 4096) {
            byte[] tag = String.format("TERN%08d", i / 4096).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(tag, 0, image, i, tag.length);
        }
        Files.write(disk, image);
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image));
    }

    /** The guest's /proc/interrupts lines naming virtio, by the action name that ends them. */
    private static Map<String, String> virtioInterrupts(LinuxGuest g) throws InterruptedException {
        int at = g.type("grep virtio /proc/interrupts; echo end-of-$((2+1))");
        assertNull(g.waitFor("end-of-3", at), g.output());
        var lines = new java.util.TreeMap<String, String>();
        g.output().substring(at).lines().filter(l -> l.contains("virtio") && !l.contains("grep"))
                .forEach(l -> lines.put(l.trim().substring(l.trim().lastIndexOf(' ') + 1), l));
        return lines;
    }

    /** The interrupts a /proc/interrupts line counts over all CPUs. */
    private static long count(String line) {
        long count = 0;
        for (String f : line.trim().split("\\s+")) {
            if (f.matches("[0-9]+")) {
                count += Long.parseLong(f);
            }
        }
        return count;
    }
}
