package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.pc.boot.archive.ArchiveBytes;
import dev.tern.pc.boot.initramfs.ModuleElf;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class GuestBuilderTest {

    private static byte[] xz(byte[] data) throws Exception {
        var out = new ByteArrayOutputStream();
        try (var xz = new XZOutputStream(out, new LZMA2Options(1))) {
            xz.write(data);
        }
        return out.toByteArray();
    }

    private static Path deb(Path file, byte[] tar) throws Exception {
        return Files.write(file, ArchiveBytes.ar(ArchiveBytes.arMember("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII)),
                ArchiveBytes.arMember("data.tar.xz", xz(tar))));
    }

    @Test
    void writesVmlinuzAndInitrdThatLinuxBootAccepts(@TempDir Path dir) throws Exception {
        byte[] bzImage = SyntheticKernel.bzImage(SyntheticKernel.xz(SyntheticKernel.vmlinux(SyntheticKernel.LOAD)));
        Path kernel = deb(dir.resolve("k.deb"), ArchiveBytes.concat(
                ArchiveBytes.tarEntry("./boot/vmlinuz-1.0-t", '0', bzImage, ""),
                ArchiveBytes.tarEntry("./lib/modules/1.0-t/kernel/a.ko", '0', ModuleElf.module("name=a\0depends=\0"), ""),
                new byte[1024]));
        Path busybox = deb(dir.resolve("b.deb"), ArchiveBytes.concat(
                ArchiveBytes.tarEntry("./bin/busybox", '0', ModuleElf.module("bb"), ""), new byte[1024]));
        var log = new ByteArrayOutputStream();
        Path out = dir.resolve("guest");
        GuestBuilder.run(new String[] {"--kernel-deb", kernel.toString(), "--busybox-deb", busybox.toString(),
            "--out", out.toString(), "--module", "a"}, new PrintStream(log, true, StandardCharsets.UTF_8));
        assertArrayEquals(bzImage, Files.readAllBytes(out.resolve("vmlinuz")));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("kernel 1.0-t"), log.toString(StandardCharsets.UTF_8));
        var image = LinuxBoot.prepare(out.resolve("vmlinuz"), out.resolve("initrd.cpio"), "console=ttyS0", 64L << 20);
        long initrdSize = Files.size(out.resolve("initrd.cpio"));
        assertTrue(image.blobs().stream().anyMatch(b -> b.name().equals("initrd") && b.data().length == initrdSize));
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".part")), "no temporary files left");
        }
    }

    @Test
    void badArgumentsAreNamed() {
        var sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GuestBuilder.run(new String[] {"--bogus"}, sink))
                .getMessage().contains("unknown argument \"--bogus\""));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GuestBuilder.run(new String[] {"--out"}, sink))
                .getMessage().contains("--out needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GuestBuilder.run(new String[0], sink))
                .getMessage().contains("are required"));
    }
}
