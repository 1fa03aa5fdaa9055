package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.kernel.memory.GuestRam;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxBootTest {

    private static final long RAM = 32L << 20;
    private static final byte[] BZIMAGE =
            SyntheticKernel.bzImage(SyntheticKernel.xz(SyntheticKernel.vmlinux(SyntheticKernel.LOAD)));

    /** The same layout as the PC machine: low RAM, hole, high RAM, firmware in both ROM windows. */
    private static GuestRam pcMemory(BootImage image) {
        return GuestRam.builder().ram("ram-low", 0, 0xA0000).ram("ram", 0x100000, RAM - 0x100000)
                .rom("bios-low", 0x100000 - image.firmware().length, image.firmware())
                .rom("bios", (1L << 32) - image.firmware().length, image.firmware()).build();
    }

    @Test
    void loadsKernelZeroPageCommandLineAndInitrdIntoGuestMemory(@TempDir Path dir) throws Exception {
        Path kernel = Files.write(dir.resolve("vmlinuz"), BZIMAGE);
        byte[] initrdBytes = SyntheticKernel.pattern(10_000, 11);
        Path initrd = Files.write(dir.resolve("initrd.cpio"), initrdBytes);
        var image = LinuxBoot.prepare(kernel, initrd, "console=ttyS0 nolapic", RAM);
        assertEquals(SyntheticKernel.LOAD, image.entry());
        try (var ram = pcMemory(image)) {
            image.load(ram);
            assertEquals(0xFA, ram.readU8(0xFFFF0), "reset vector visible at F000:FFF0");
            byte[] text = new byte[SyntheticKernel.TEXT.length];
            ram.read(SyntheticKernel.LOAD, text, 0, text.length);
            assertArrayEquals(SyntheticKernel.TEXT, text);
            assertEquals(0, ram.readU32(SyntheticKernel.DATA_PADDR + SyntheticKernel.DATA_MEMSZ - 4), "BSS zeroed");
            assertEquals(0x53726448, ram.readU32(LinuxBoot.BOOT_PARAMS + 0x202));
            assertEquals(LinuxBoot.CMDLINE, ram.readU32(LinuxBoot.BOOT_PARAMS + 0x228));
            byte[] cmd = new byte[22];
            ram.read(LinuxBoot.CMDLINE, cmd, 0, cmd.length);
            assertEquals("console=ttyS0 nolapic\0", new String(cmd, java.nio.charset.StandardCharsets.US_ASCII));

            long initrdAt = Integer.toUnsignedLong(ram.readU32(LinuxBoot.BOOT_PARAMS + 0x218));
            assertEquals(initrdBytes.length, ram.readU32(LinuxBoot.BOOT_PARAMS + 0x21C));
            assertEquals(0, initrdAt % 4096, "page aligned");
            assertTrue(initrdAt + initrdBytes.length <= RAM && initrdAt + initrdBytes.length > RAM - 4096,
                    "placed at the top of RAM: 0x" + Long.toHexString(initrdAt));
            byte[] back = new byte[initrdBytes.length];
            ram.read(initrdAt, back, 0, back.length);
            assertArrayEquals(initrdBytes, back);
        }
    }

    @Test
    void blobsAreSortedAndDisjoint() {
        var image = LinuxBoot.prepare(LinuxImage.parse("k", BZIMAGE), new byte[5000], "", RAM);
        for (int i = 1; i < image.blobs().size(); i++) {
            assertTrue(image.blobs().get(i).address() >= image.blobs().get(i - 1).end(), image.blobs().toString());
        }
        assertEquals(BootStub.SIZE, image.firmware().length);
    }

    @Test
    void initrdRespectsInitrdAddrMax() {
        byte[] lowMax = SyntheticKernel.setU32(BZIMAGE, 0x22C, 0x01BFFFFF);
        var img = LinuxImage.parse("k", lowMax);
        long at = LinuxBoot.placeInitrd(img, 0x1800, RAM);
        assertEquals(0x01BFE000, at);
    }

    @Test
    void initrdMustNotOverlapTheKernelInitSize() {
        var img = LinuxImage.parse("k", BZIMAGE);
        var e = assertThrows(InvalidImageException.class, () -> LinuxBoot.placeInitrd(img, RAM - 0x1800000 + 1, RAM));
        assertTrue(e.getMessage().contains("does not fit between the kernel's end 0x1800000"), e.getMessage());
        assertEquals(0x1800000, LinuxBoot.placeInitrd(img, RAM - 0x1800000, RAM));
    }

    @Test
    void kernelLargerThanRamIsRejected() {
        var e = assertThrows(InvalidImageException.class,
                () -> LinuxBoot.prepare(LinuxImage.parse("k", BZIMAGE), null, "", 20L << 20));
        assertTrue(e.getMessage().contains("kernel needs RAM up to 0x1800000"), e.getMessage());
    }

    @Test
    void overlongOrNonAsciiCommandLineIsRejected() {
        var img = LinuxImage.parse("k", SyntheticKernel.setU32(BZIMAGE, 0x238, 10));
        var e = assertThrows(InvalidImageException.class, () -> LinuxBoot.prepare(img, null, "console=ttyS0", RAM));
        assertTrue(e.getMessage().contains("command line of 13 bytes exceeds the kernel's cmdline_size 10"),
                e.getMessage());
        assertThrows(InvalidImageException.class,
                () -> LinuxBoot.prepare(LinuxImage.parse("k", BZIMAGE), null, "root=\u00e9", RAM));
    }

    @Test
    void badRamSizeAndMissingFilesAreReported(@TempDir Path dir) {
        var img = LinuxImage.parse("k", BZIMAGE);
        assertTrue(assertThrows(InvalidImageException.class, () -> LinuxBoot.prepare(img, null, "", 0x80000))
                .getMessage().startsWith("RAM size:"));
        var missing = assertThrows(InvalidImageException.class,
                () -> LinuxBoot.prepare(dir.resolve("nope"), null, "", RAM));
        assertTrue(missing.getMessage().contains("cannot read kernel"), missing.getMessage());
    }

    @Test
    void blobsOutsideRamAreRefusedBeforeAnythingIsWritten() {
        var image = LinuxBoot.prepare(LinuxImage.parse("k", BZIMAGE), new byte[5000], "", RAM);
        try (var small = GuestRam.builder().ram("ram-low", 0, 0xA0000).ram("ram", 0x100000, (20L << 20) - 0x100000)
                .build()) {
            var e = assertThrows(InvalidImageException.class, () -> image.load(small));
            assertTrue(e.getMessage().contains("is not in writable guest RAM"), e.getMessage());
            assertEquals(0, small.readU32(LinuxBoot.BOOT_PARAMS + 0x202), "nothing written");
        }
    }
}
