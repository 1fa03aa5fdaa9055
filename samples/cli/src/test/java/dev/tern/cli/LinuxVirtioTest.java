package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
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

/** The Debian guest uses Tern's virtio-blk and virtio-net through its stock virtio_pci drivers. */
class LinuxVirtioTest {

    private static final long LIMIT = 6_000_000_000L;

    @TempDir
    Path dir;

    @Test
    @Timeout(1800)
    void guestReadsAndWritesTheDiskThenPowersOff() throws Exception {
        LinuxGuest.assumeGuest();
        Path disk = dir.resolve("disk.img");
        byte[] image = new byte[16 << 20];
        for (int i = 0; i < image.length; i += 4096) {
            byte[] tag = String.format("TERN%08d", i / 4096).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(tag, 0, image, i, tag.length);
        }
        Files.write(disk, image);
        String md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image));

        try (var g = LinuxGuest.create(LIMIT, List.of(new DeviceSpec("virtio-blk", "disk0", Map.of("path", disk.toString()))))) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), g.output());
            int at = g.type("dd if=/dev/vda bs=4096 count=4096 2>/dev/null | md5sum");
            assertNull(g.waitFor(md5 + "  -", at), "the guest read another checksum:\n" + g.output());
            at = g.type("echo tern-was-here | dd of=/dev/vda bs=512 seek=100 conv=fsync 2>/dev/null; echo wrote-$?");
            assertNull(g.waitFor("wrote-0", at), g.output());
            g.type("poweroff -f");
            MachineExit exit = g.machine.awaitExit();
            assertEquals(MachineExit.Reason.HALTED, exit.reason(), exit.detail() + "\n" + g.output());
            assertEquals(0, exit.status());
        }
        byte[] after = Files.readAllBytes(disk);
        assertEquals("tern-was-here\n", new String(after, 51200, 14, StandardCharsets.US_ASCII));
    }

    @Test
    @Timeout(1800)
    void twoGuestsOnAHubPingEachOther() throws Exception {
        LinuxGuest.assumeGuest();
        String hub = "lan-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (var a = LinuxGuest.create(LIMIT, List.of(new DeviceSpec("virtio-net", "net0",
                     Map.of("backend", "hub", "hub", hub, "mac", "52:54:00:00:00:0a"))));
             var b = LinuxGuest.create(LIMIT, List.of(new DeviceSpec("virtio-net", "net0",
                     Map.of("backend", "hub", "hub", hub, "mac", "52:54:00:00:00:0b"))))) {
            a.machine.start();
            b.machine.start();
            assertNull(a.waitFor(LinuxGuest.PROMPT, 0), a.output());
            assertNull(b.waitFor(LinuxGuest.PROMPT, 0), b.output());
            int atB = b.type("ifconfig eth0 10.0.2.2 netmask 255.255.255.0 up && echo up-$?");
            assertNull(b.waitFor("up-0", atB), b.output());
            int atA = a.type("ifconfig eth0 10.0.2.1 netmask 255.255.255.0 up && echo up-$?");
            assertNull(a.waitFor("up-0", atA), a.output());
            atA = a.type("ping -c 3 10.0.2.2");
            assertNull(a.waitFor("3 packets received", atA), "ping failed:\n" + a.output() + "\n--- peer:\n" + b.output());
            assertTrue(a.output().contains("64 bytes from 10.0.2.2"), a.output());
        }
    }
}
