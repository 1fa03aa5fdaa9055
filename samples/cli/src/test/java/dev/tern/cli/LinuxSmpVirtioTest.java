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
 * virtio line on the I/O APIC, level-triggered (fasteoi), with interrupts counted.
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
        byte[] image = new byte[8 << 20];
        for (int i = 0; i < image.length; i += 4096) {
            byte[] tag = String.format("TERN%08d", i / 4096).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(tag, 0, image, i, tag.length);
        }
        Files.write(disk, image);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image));

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
}
