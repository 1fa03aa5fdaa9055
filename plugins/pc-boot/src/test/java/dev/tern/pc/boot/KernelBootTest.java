package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --kernel FILE}: which protocol boots a file, decided by its contents. */
class KernelBootTest {

    private static final long RAM = 32L << 20;

    @TempDir
    Path dir;

    @Test
    void aMultibootElfBootsAsMultibootWithItsNameFirstOnTheCommandLine() throws Exception {
        Path k = Files.write(dir.resolve("mb.elf"), MultibootImages.elf(MultibootHeader.MEMORY_INFO, 0));
        var image = KernelBoot.prepare(k, null, "a=1", RAM);
        assertEquals(MultibootImages.LOAD + 0x100, image.entry());
        assertEquals(k + " a=1\0", text(image, "cmdline"));
        assertTrue(image.blobs().stream().anyMatch(b -> b.name().equals("multiboot info")));
        assertEquals(k + "\0", text(KernelBoot.prepare(k, null, "", RAM), "cmdline"));
    }

    @Test
    void aLinuxVmlinuxStillBootsAsLinux() throws Exception {
        Path k = Files.write(dir.resolve("vmlinux"), SyntheticKernel.vmlinux(SyntheticKernel.LOAD));
        var image = KernelBoot.prepare(k, null, "quiet", RAM);
        assertEquals(SyntheticKernel.LOAD, image.entry());
        assertTrue(image.blobs().stream().anyMatch(b -> b.name().equals("boot_params")));
        assertEquals("quiet\0", text(image, "cmdline"));
    }

    @Test
    void theLinuxSetupHeaderWinsOverAMultibootHeader() throws Exception {
        byte[] bz = SyntheticKernel.bzImage(SyntheticKernel.xz(SyntheticKernel.vmlinux(SyntheticKernel.LOAD)));
        MultibootImages.header(ByteBuffer.wrap(bz).order(ByteOrder.LITTLE_ENDIAN), 0x400, 0);
        Path k = Files.write(dir.resolve("bzImage"), bz);
        var image = KernelBoot.prepare(k, null, "", RAM);
        assertTrue(image.blobs().stream().anyMatch(b -> b.name().equals("boot_params")));
    }

    @Test
    void multibootKernelsTakeNoInitrd() throws Exception {
        Path k = Files.write(dir.resolve("mb.elf"), MultibootImages.elf(0, 0));
        Path initrd = Files.write(dir.resolve("initrd"), new byte[16]);
        var e = assertThrows(InvalidImageException.class, () -> KernelBoot.prepare(k, initrd, "", RAM));
        assertTrue(e.getMessage().contains("Multiboot"), e.getMessage());
    }

    @Test
    void aFileThatIsNeitherIsRefusedAsNotALinuxImage() throws Exception {
        Path k = Files.write(dir.resolve("junk"), new byte[4096]);
        var e = assertThrows(InvalidImageException.class, () -> KernelBoot.prepare(k, null, "", RAM));
        assertTrue(e.getMessage().contains("HdrS"), e.getMessage());
        var missing = assertThrows(InvalidImageException.class,
                () -> KernelBoot.prepare(dir.resolve("absent"), null, "", RAM));
        assertTrue(missing.getMessage().contains("cannot read kernel"), missing.getMessage());
    }

    private static String text(BootImage image, String blob) {
        var b = image.blobs().stream().filter(x -> x.name().equals(blob)).findFirst().orElseThrow();
        return new String(b.data(), StandardCharsets.US_ASCII);
    }
}
