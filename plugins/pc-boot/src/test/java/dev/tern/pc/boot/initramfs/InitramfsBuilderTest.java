package dev.tern.pc.boot.initramfs;

import static dev.tern.pc.boot.archive.ArchiveBytes.ar;
import static dev.tern.pc.boot.archive.ArchiveBytes.arMember;
import static dev.tern.pc.boot.archive.ArchiveBytes.concat;
import static dev.tern.pc.boot.archive.ArchiveBytes.tarEntry;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.pc.boot.InvalidImageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class InitramfsBuilderTest {

    private static final String REL = "9.9.9-test";
    private static final byte[] VMLINUZ = "not really a bzImage".getBytes(StandardCharsets.US_ASCII);

    static byte[] xz(byte[] data) throws IOException {
        var out = new ByteArrayOutputStream();
        try (var xz = new XZOutputStream(out, new LZMA2Options(1))) {
            xz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] mod(String name, String depends) {
        return ModuleElf.module("name=" + name + "\0depends=" + depends + "\0");
    }

    static Path kernelDeb(Path dir) throws IOException {
        String m = "./lib/modules/" + REL + "/kernel/";
        byte[] tar = concat(tarEntry("./", '5', new byte[0], ""), tarEntry("./boot/", '5', new byte[0], ""),
                tarEntry("./boot/vmlinuz-" + REL, '0', VMLINUZ, ""),
                tarEntry(m + "drivers/virtio/virtio.ko", '0', mod("virtio", ""), ""),
                tarEntry(m + "drivers/virtio/virtio_ring.ko", '0', mod("virtio_ring", ""), ""),
                tarEntry(m + "drivers/virtio/virtio_pci_legacy_dev.ko.xz", '0', xz(mod("virtio_pci_legacy_dev", "")), ""),
                tarEntry(m + "drivers/virtio/virtio_pci.ko", '0',
                        mod("virtio_pci", "virtio_pci_legacy_dev,virtio_ring,virtio"), ""),
                tarEntry(m + "drivers/block/virtio_blk.ko", '0', mod("virtio_blk", "virtio,virtio_ring"), ""),
                tarEntry(m + "net/core/failover.ko", '0', mod("failover", ""), ""),
                tarEntry(m + "drivers/net/net_failover.ko", '0', mod("net_failover", "failover"), ""),
                tarEntry(m + "drivers/net/virtio_net.ko", '0', mod("virtio_net", "net_failover,virtio,virtio_ring"), ""),
                tarEntry(m + "fs/ext4/ext4.ko", '0', mod("ext4", "jbd2"), ""), new byte[1024]);
        return deb(dir.resolve("linux-image.deb"), "data.tar.xz", xz(tar));
    }

    static Path busyboxDeb(Path dir, byte[] busybox) throws IOException {
        byte[] tar = concat(tarEntry("./bin/", '5', new byte[0], ""), tarEntry("./bin/busybox", '0', busybox, ""),
                new byte[1024]);
        return deb(dir.resolve("busybox.deb"), "data.tar.xz", xz(tar));
    }

    static Path deb(Path file, String dataName, byte[] data) throws IOException {
        return Files.write(file, ar(arMember("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII)),
                arMember("control.tar.xz", xz(new byte[1024])), arMember(dataName, data)));
    }

    /** Walks a newc archive: name -> data. */
    static Map<String, byte[]> cpio(byte[] archive) {
        var out = new LinkedHashMap<String, byte[]>();
        int p = 0;
        while (true) {
            String h = new String(archive, p, 110, StandardCharsets.US_ASCII);
            assertEquals("070701", h.substring(0, 6), "magic at " + p);
            int fileSize = Integer.parseInt(h.substring(54, 62), 16);
            int nameSize = Integer.parseInt(h.substring(94, 102), 16);
            String name = new String(archive, p + 110, nameSize - 1, StandardCharsets.UTF_8);
            int data = (p + 110 + nameSize + 3) & ~3;
            if (name.equals("TRAILER!!!")) {
                assertEquals(archive.length, (data + 3) & ~3);
                return out;
            }
            out.put(name, java.util.Arrays.copyOfRange(archive, data, data + fileSize));
            p = (data + fileSize + 3) & ~3;
        }
    }

    @Test
    void buildsInitramfsWithVirtioModulesInDependencyOrder(@TempDir Path dir) throws IOException {
        byte[] busybox = ModuleElf.module("static i386 stand-in");
        var files = InitramfsBuilder.build(kernelDeb(dir), busyboxDeb(dir, busybox), InitramfsBuilder.VIRTIO_MODULES);
        assertEquals(REL, files.kernelRelease());
        assertArrayEquals(VMLINUZ, files.vmlinuz());
        assertEquals(List.of("virtio_pci_legacy_dev", "virtio_ring", "virtio", "virtio_pci", "virtio_blk", "failover",
                "net_failover", "virtio_net"), files.modules().stream().map(KernelModule::name).toList());
        var cpio = cpio(files.initramfs().toBytes());
        assertArrayEquals(busybox, cpio.get("bin/busybox"));
        assertEquals("busybox", new String(cpio.get("bin/sh"), StandardCharsets.US_ASCII));
        assertTrue(cpio.containsKey("dev/console") && cpio.containsKey("dev/ttyS0"));
        String base = "lib/modules/" + REL + "/";
        assertArrayEquals(mod("virtio_pci_legacy_dev", ""), cpio.get(base + "kernel/drivers/virtio/virtio_pci_legacy_dev.ko"),
                ".ko.xz stored decompressed");
        assertTrue(!cpio.containsKey(base + "kernel/fs/ext4/ext4.ko"), "unrequested modules stay out");
        String init = new String(cpio.get("init"), StandardCharsets.US_ASCII);
        assertTrue(init.startsWith("#!/bin/sh\n"));
        assertTrue(init.indexOf("kernel/drivers/virtio/virtio.ko") < init.indexOf("kernel/drivers/virtio/virtio_pci.ko"));
        assertTrue(init.contains("mount -t devtmpfs devtmpfs /dev") && init.endsWith("exec setsid cttyhack sh\n"));
        String dep = new String(cpio.get(base + "modules.dep"), StandardCharsets.US_ASCII);
        // depmod lists dependencies so that modprobe, loading from the end, starts with the deepest one.
        assertTrue(dep.contains("kernel/drivers/net/virtio_net.ko: kernel/drivers/virtio/virtio_ring.ko "
                + "kernel/drivers/virtio/virtio.ko kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"),
                dep);
    }

    @Test
    void missingOrDynamicBusyboxAndZstdPackagesAreReported(@TempDir Path dir) throws IOException {
        Path kernel = kernelDeb(dir);
        byte[] dynamic = dev.tern.pc.boot.initramfs.ModuleElf.module("x");
        java.nio.ByteBuffer.wrap(dynamic).order(java.nio.ByteOrder.LITTLE_ENDIAN).put(18, (byte) 62);
        var e = assertThrows(InvalidImageException.class,
                () -> InitramfsBuilder.build(kernel, busyboxDeb(dir, dynamic), List.of("virtio_blk")));
        assertTrue(e.getMessage().contains("is not a 32-bit i386 executable"), e.getMessage());
        Path zst = deb(dir.resolve("z.deb"), "data.tar.zst", new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD});
        e = assertThrows(InvalidImageException.class, () -> InitramfsBuilder.build(kernel, zst, List.of("virtio_blk")));
        assertTrue(e.getMessage().contains("zstd compression is unsupported"), e.getMessage());
        Path busybox = busyboxDeb(dir, ModuleElf.module("ok"));
        e = assertThrows(InvalidImageException.class, () -> InitramfsBuilder.build(kernel, busybox, List.of("ext4")));
        assertTrue(e.getMessage().contains("module jbd2 (needed by ext4) is not in the kernel package"), e.getMessage());
        e = assertThrows(InvalidImageException.class, () -> InitramfsBuilder.build(busybox, busybox, List.of()));
        assertTrue(e.getMessage().contains("expected one boot/vmlinuz-*"), e.getMessage());
    }

    @Test
    void dynamicallyLinkedBusyboxIsRefused() {
        byte[] elf = new byte[52 + 32];
        var b = java.nio.ByteBuffer.wrap(elf).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7F, 'E', 'L', 'F', 1, 1, 1});
        b.putShort(18, (short) 3).putInt(28, 52).putShort(44, (short) 1).putInt(52, 3);
        var e = assertThrows(InvalidImageException.class, () -> InitramfsBuilder.checkStaticI386("busybox", elf));
        assertTrue(e.getMessage().contains("dynamically linked (PT_INTERP)"), e.getMessage());
    }
}
