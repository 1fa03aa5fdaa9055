package dev.tern.pc.boot;

import static dev.tern.pc.boot.SyntheticKernel.DATA;
import static dev.tern.pc.boot.SyntheticKernel.DATA_MEMSZ;
import static dev.tern.pc.boot.SyntheticKernel.DATA_PADDR;
import static dev.tern.pc.boot.SyntheticKernel.LOAD;
import static dev.tern.pc.boot.SyntheticKernel.PAGE_OFFSET;
import static dev.tern.pc.boot.SyntheticKernel.TEXT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class LinuxImageTest {

    private static final byte[] VMLINUX = SyntheticKernel.vmlinux(LOAD);

    @Test
    void parsesSetupHeaderFields() {
        var h = SetupHeader.parse(SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX)));
        assertEquals(0x020F, h.version());
        assertEquals(4, h.setupSects());
        assertEquals(LOAD, h.prefAddress());
        assertEquals(0x800000, h.initSize());
        assertEquals(0x1000000, h.kernelAlignment());
        assertTrue(h.relocatable());
        assertEquals(0x7FFFFFFF, h.initrdAddrMax());
        assertEquals(2047, h.cmdlineSize());
        assertEquals(3, h.xloadflags());
        assertEquals(5 * 512 + 0x94, h.payloadFileOffset());
        assertEquals(0x26C - 0x1F1, h.raw().length);
    }

    @Test
    void xzAndGzipPayloadsDecompressToTheSameSegments() {
        var xz = LinuxImage.parse("xz", SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX)));
        var gz = LinuxImage.parse("gz", SyntheticKernel.bzImage(SyntheticKernel.gzip(VMLINUX)));
        for (var img : new LinuxImage[] {xz, gz}) {
            assertEquals(LOAD, img.kernel().entry());
            assertEquals(2, img.kernel().segments().size());
            var text = img.kernel().segments().get(0);
            assertEquals(LOAD, text.physicalAddress());
            assertArrayEquals(TEXT, text.data());
            var data = img.kernel().segments().get(1);
            assertEquals(DATA_PADDR, data.physicalAddress());
            assertArrayEquals(DATA, data.data());
            assertEquals(DATA_MEMSZ, data.memorySize());
            assertEquals(DATA_PADDR + DATA_MEMSZ, img.kernel().end());
            assertEquals(LOAD + 0x800000, img.reservedEnd());
            assertTrue(img.header().isPresent());
        }
    }

    @Test
    void bareElfIsAcceptedAndVirtualEntryIsTranslated() {
        var img = LinuxImage.parse("vmlinux", SyntheticKernel.vmlinux(PAGE_OFFSET + LOAD + 0x10));
        assertFalse(img.header().isPresent());
        assertEquals(LOAD + 0x10, img.kernel().entry());
        assertEquals(img.kernel().end(), img.reservedEnd());
        assertEquals(0x37FFFFFF, img.initrdAddrMax());
    }

    @Test
    void unsupportedCompressionsAreNamed() {
        byte[] zstd = {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 1, 2, 3, 4, 5, 6};
        var e = assertThrows(InvalidImageException.class, () -> LinuxImage.parse("k", SyntheticKernel.bzImage(zstd)));
        assertTrue(e.getMessage().contains("unsupported compression ZSTD"), e.getMessage());
        byte[] lzma = {0x5D, 0, 0, (byte) 0x80, 0, 1, 2, 3, 4, 5};
        e = assertThrows(InvalidImageException.class, () -> LinuxImage.parse("k", SyntheticKernel.bzImage(lzma)));
        assertTrue(e.getMessage().contains("unsupported compression LZMA"), e.getMessage());
        byte[] junk = {1, 2, 3, 4, 5, 6, 7, 8};
        e = assertThrows(InvalidImageException.class, () -> LinuxImage.parse("k", SyntheticKernel.bzImage(junk)));
        assertTrue(e.getMessage().contains("unknown compression (payload starts 01 02 03"), e.getMessage());
    }

    @Test
    void corruptXzPayloadIsReported() {
        byte[] payload = SyntheticKernel.xz(VMLINUX);
        payload[payload.length / 2] ^= 0x55;
        var e = assertThrows(InvalidImageException.class, () -> LinuxImage.parse("k", SyntheticKernel.bzImage(payload)));
        assertTrue(e.getMessage().contains("corrupt XZ payload"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsRejected() {
        byte[] image = SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX));
        byte[] cut = java.util.Arrays.copyOf(image, 0x200);
        var e = assertThrows(InvalidImageException.class, () -> SetupHeader.parse(cut));
        assertTrue(e.getMessage().contains("too short for a setup header"), e.getMessage());
        byte[] cutInHeader = java.util.Arrays.copyOf(image, 0x230);
        e = assertThrows(InvalidImageException.class, () -> SetupHeader.parse(cutInHeader));
        assertTrue(e.getMessage().contains("beyond file size 560"), e.getMessage());
    }

    @Test
    void hugeSetupSectsIsRejected() {
        byte[] image = SyntheticKernel.setU8(SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX)), 0x1F1, 255);
        var e = assertThrows(InvalidImageException.class, () -> SetupHeader.parse(image));
        assertTrue(e.getMessage().startsWith("bzImage: setup_sects 255 (131072 bytes of setup code) exceeds file size"),
                e.getMessage());
    }

    @Test
    void payloadOutsideTheFileIsRejected() {
        byte[] image = SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX));
        byte[] far = SyntheticKernel.setU32(image, 0x248, 0xFFFFFFF0L);
        var e = assertThrows(InvalidImageException.class, () -> SetupHeader.parse(far));
        assertTrue(e.getMessage().contains("payload_offset 4294967280"), e.getMessage());
        byte[] empty = SyntheticKernel.setU32(image, 0x24C, 0);
        assertThrows(InvalidImageException.class, () -> SetupHeader.parse(empty));
    }

    @Test
    void otherHeaderDefectsAreRejected() {
        byte[] image = SyntheticKernel.bzImage(SyntheticKernel.xz(VMLINUX));
        var noMagic = assertThrows(InvalidImageException.class,
                () -> SetupHeader.parse(SyntheticKernel.setU8(image, 0x202, 'X')));
        assertTrue(noMagic.getMessage().contains("no \"HdrS\" magic"), noMagic.getMessage());
        var old = assertThrows(InvalidImageException.class,
                () -> SetupHeader.parse(SyntheticKernel.setU32(image, 0x206, 0xAA550204L)));
        assertTrue(old.getMessage().contains("protocol 2.04 predates"), old.getMessage());
        var zImage = assertThrows(InvalidImageException.class,
                () -> SetupHeader.parse(SyntheticKernel.setU8(image, 0x211, 0)));
        assertTrue(zImage.getMessage().contains("lack LOADED_HIGH"), zImage.getMessage());
        var longHeader = assertThrows(InvalidImageException.class,
                () -> SetupHeader.parse(SyntheticKernel.setU8(image, 0x201, 0xF0)));
        assertTrue(longHeader.getMessage().contains("outside [0x250, 0x290]"), longHeader.getMessage());
        var sys = assertThrows(InvalidImageException.class,
                () -> SetupHeader.parse(SyntheticKernel.setU32(image, 0x1F4, 0x10000000)));
        assertTrue(sys.getMessage().contains("syssize 268435456"), sys.getMessage());
    }

    @Test
    void elfProgramHeaderOutOfBoundsIsRejected() {
        byte[] elf = VMLINUX.clone();
        var b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(52 + 64 + 16, 0x100000); // third phdr's p_filesz
        b.putInt(52 + 64 + 20, 0x100000);
        var e = assertThrows(InvalidImageException.class, () -> ElfKernel.parse("vmlinux", elf));
        assertTrue(e.getMessage().contains("program header 2: p_offset"), e.getMessage());
        assertTrue(e.getMessage().contains("exceeds file size " + elf.length), e.getMessage());

        byte[] table = VMLINUX.clone();
        ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN).putInt(28, table.length - 10);
        e = assertThrows(InvalidImageException.class, () -> ElfKernel.parse("vmlinux", table));
        assertTrue(e.getMessage().contains("program header table (3 entries"), e.getMessage());
    }

    @Test
    void elfSemanticDefectsAreRejected() {
        byte[] bigFile = VMLINUX.clone();
        ByteBuffer.wrap(bigFile).order(ByteOrder.LITTLE_ENDIAN).putInt(52 + 64 + 20, 0x10); // memsz < filesz
        assertTrue(assertThrows(InvalidImageException.class, () -> ElfKernel.parse("v", bigFile))
                .getMessage().contains("p_filesz 2048 > p_memsz 16"));
        var elf64 = assertThrows(InvalidImageException.class,
                () -> ElfKernel.parse("v", SyntheticKernel.setU8(VMLINUX, 4, 2)));
        assertTrue(elf64.getMessage().contains("not ELFCLASS32"), elf64.getMessage());
        var arm = assertThrows(InvalidImageException.class,
                () -> ElfKernel.parse("v", SyntheticKernel.setU8(VMLINUX, 18, 40)));
        assertTrue(arm.getMessage().contains("e_machine 40 is not EM_386"), arm.getMessage());
        var entry = assertThrows(InvalidImageException.class,
                () -> ElfKernel.parse("v", SyntheticKernel.setU32(VMLINUX, 24, 0x500)));
        assertTrue(entry.getMessage().contains("entry 0x500 lies in no PT_LOAD"), entry.getMessage());
        byte[] overlap = SyntheticKernel.setU32(VMLINUX, 52 + 64 + 12, LOAD + 0x1000);
        assertTrue(assertThrows(InvalidImageException.class, () -> ElfKernel.parse("v", overlap))
                .getMessage().contains("overlap"));
        assertTrue(assertThrows(InvalidImageException.class, () -> ElfKernel.parse("v", new byte[10]))
                .getMessage().contains("not an ELF file"));
    }
}
