package dev.tern.cli;

import dev.tern.kernel.machine.DeviceSpec;
import dev.tern.kernel.machine.MachineExit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
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

        // The legacy-only device: the modern one is the default and the network tests use it.
        try (var g = LinuxGuest.create(LIMIT, List.of(new DeviceSpec("virtio-blk", "disk0",
                Map.of("path", disk.toString(), "modern", "false"))))) {
            g.machine.start();
            assertNull(g.waitFor(LinuxGuest.PROMPT, 0), g.output());
            int at = g.type("cat /sys/bus/virtio/devices/virtio0/features");
            assertNull(g.waitFor(LinuxGuest.PROMPT, at), g.output());
            assertEquals('0', featureBit(g.output().substring(at), 32), "a legacy device negotiated VERSION_1:\n" + g.output());
            at = g.type("dd if=/dev/vda bs=4096 count=4096 2>/dev/null | md5sum");
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
    void twoGuestsOnAHubPingEachOtherThroughTheModernInterface() throws Exception {
        LinuxGuest.assumeGuest();
        String hub = "lan-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        pingBetween(Map.of("backend", "hub", "hub", hub), Map.of("backend", "hub", "hub", hub));
    }

    /** QEMU's {@code -netdev dgram}: each card's frames travel as UDP datagrams to the other's socket. */
    @Test
    @Timeout(1800)
    void twoGuestsOverUdpDatagramsPingEachOther() throws Exception {
        LinuxGuest.assumeGuest();
        int portA;
        int portB;
        // Two free loopback ports, released just before the cards bind them.
        try (DatagramSocket a = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket b = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            portA = a.getLocalPort();
            portB = b.getLocalPort();
        }
        pingBetween(Map.of("backend", "udp", "local", "127.0.0.1:" + portA, "remote", "127.0.0.1:" + portB),
                Map.of("backend", "udp", "local", "127.0.0.1:" + portB, "remote", "127.0.0.1:" + portA));
    }

    private static void pingBetween(Map<String, String> netA, Map<String, String> netB) throws Exception {
        try (var a = LinuxGuest.create(LIMIT, List.of(card(netA, "52:54:00:00:00:0a")));
             var b = LinuxGuest.create(LIMIT, List.of(card(netB, "52:54:00:00:00:0b")))) {
            a.machine.start();
            b.machine.start();
            assertNull(a.waitFor(LinuxGuest.PROMPT, 0), a.output());
            assertNull(b.waitFor(LinuxGuest.PROMPT, 0), b.output());
            int atB = b.type("ifconfig eth0 10.0.2.2 netmask 255.255.255.0 up && echo up-$?");
            assertNull(b.waitFor("up-0", atB), b.output());
            int atA = a.type("cat /sys/bus/virtio/devices/virtio0/features");
            assertNull(a.waitFor(LinuxGuest.PROMPT, atA), a.output());
            assertEquals('1', featureBit(a.output().substring(atA), 32), "the driver did not use virtio 1.0:\n" + a.output());
            atA = a.type("ifconfig eth0 10.0.2.1 netmask 255.255.255.0 up && echo up-$?");
            assertNull(a.waitFor("up-0", atA), a.output());
            atA = a.type("ping -c 3 10.0.2.2");
            assertNull(a.waitFor("3 packets received", atA), "ping failed:\n" + a.output() + "\n--- peer:\n" + b.output());
            assertTrue(a.output().contains("64 bytes from 10.0.2.2"), a.output());
        }
    }

    private static DeviceSpec card(Map<String, String> backend, String mac) {
        Map<String, String> config = new HashMap<>(backend);
        config.put("mac", mac);
        return new DeviceSpec("virtio-net", "net0", config);
    }

    /**
     * Bit {@code bit} of the feature string Linux prints in sysfs (one '0'/'1' per feature bit, bit 0
     * first) from the output of the {@code cat} that printed it.
     */
    private static char featureBit(String catOutput, int bit) {
        for (String line : catOutput.split("\r?\n")) {
            String t = line.strip();
            if (t.length() >= 64 && t.chars().allMatch(ch -> ch == '0' || ch == '1')) {
                return t.charAt(bit);
            }
        }
        throw new AssertionError("no feature bits in: " + catOutput);
    }
}
