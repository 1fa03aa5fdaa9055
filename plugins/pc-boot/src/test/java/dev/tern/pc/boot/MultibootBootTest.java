package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tern.kernel.memory.GuestRam;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MultibootBootTest {

    private static final long RAM = 32L << 20;
    private static final long LOAD = MultibootImages.LOAD;

    private static GuestRam pcMemory(BootImage image) {
        return GuestRam.builder().ram("ram-low", 0, 0xA0000).ram("ram", 0x100000, RAM - 0x100000)
                .rom("bios-low", 0x100000 - image.firmware().length, image.firmware())
                .rom("bios", (1L << 32) - image.firmware().length, image.firmware()).build();
    }

    private static BootImage prepare(byte[] image, String cmdline, long ram) {
        return MultibootBoot.prepare("k", image, MultibootHeader.find("k", image).orElseThrow(), cmdline, ram);
    }

    @Test
    void loadsAnElfKernelWithBssInfoAndCommandLine() {
        byte[] elf = MultibootImages.elf(MultibootHeader.MEMORY_INFO, 0x2000);
        var image = prepare(elf, "k.elf hello", RAM);
        assertEquals(LOAD + 0x100, image.entry());
        try (var ram = pcMemory(image)) {
            ram.write(LOAD + elf.length, new byte[] {1, 2, 3, 4}, 0, 4); // BSS must come out zeroed
            image.load(ram);
            byte[] back = new byte[elf.length];
            ram.read(LOAD, back, 0, back.length);
            assertArrayEquals(elf, back);
            assertEquals(0, ram.readU32(LOAD + elf.length));
            long info = MultibootBoot.INFO;
            assertEquals(MultibootInfo.FLAG_MEMORY | MultibootInfo.FLAG_CMDLINE | MultibootInfo.FLAG_MEMORY_MAP
                    | MultibootInfo.FLAG_LOADER_NAME, ram.readU32(info));
            assertEquals(639, ram.readU32(info + 4), "mem_lower: KiB from 0 to the EBDA");
            assertEquals((RAM - 0x100000) >> 10, ram.readU32(info + 8), "mem_upper: KiB from 1 MiB");
            assertEquals(MultibootBoot.CMDLINE, ram.readU32(info + 16));
            assertEquals("k.elf hello", cString(ram, MultibootBoot.CMDLINE));
            assertEquals("Tern", cString(ram, Integer.toUnsignedLong(ram.readU32(info + 64))));
        }
    }

    @Test
    void theMemoryMapListsThePcRanges() {
        var image = prepare(MultibootImages.elf(0, 0), "", RAM);
        try (var ram = pcMemory(image)) {
            image.load(ram);
            long info = MultibootBoot.INFO;
            int length = ram.readU32(info + 44);
            long at = Integer.toUnsignedLong(ram.readU32(info + 48));
            var e820 = BootParams.pcMemoryMap(RAM, BootStub.SIZE);
            assertEquals(e820.size() * 24, length);
            for (var e : e820) {
                assertEquals(20, ram.readU32(at), "size word excludes itself");
                assertEquals(e.address(), ram.readU32(at + 4) & 0xFFFFFFFFL);
                assertEquals(e.size(), ram.readU32(at + 12) & 0xFFFFFFFFL);
                assertEquals(e.type().code(), ram.readU32(at + 20));
                at += 24;
            }
        }
    }

    @Test
    void theStubEntersWithTheLoaderMagicInEaxAndTheInfoInEbx() {
        byte[] rom = prepare(MultibootImages.elf(0, 0), "", RAM).firmware();
        int eax = indexOf(rom, new byte[] {(byte) 0xB8, 0x02, (byte) 0xB0, (byte) 0xAD, 0x2B});
        int ebx = indexOf(rom, new byte[] {(byte) 0xBB, 0x00, 0x00, 0x01, 0x00});
        int jump = indexOf(rom, new byte[] {(byte) 0xEA, 0x00, 0x01, 0x10, 0x00, 0x10, 0x00});
        assertTrue(eax > 0 && ebx > eax && jump > ebx, "mov eax, magic; mov ebx, info; jmp 0x10:entry at "
                + eax + ", " + ebx + ", " + jump);
    }

    @Test
    void loadsAFlatImageByItsAddressFields() {
        byte[] flat = MultibootImages.flat(LOAD + 0x200, LOAD + 0x3000, LOAD + 0x100);
        var image = prepare(flat, "", RAM);
        assertEquals(LOAD + 0x100, image.entry());
        try (var ram = pcMemory(image)) {
            ram.write(LOAD + 0x2FFC, new byte[] {9, 9, 9, 9}, 0, 4);
            ram.write(LOAD + 0x3000, new byte[] {7}, 0, 1);
            image.load(ram);
            byte[] back = new byte[0x200];
            ram.read(LOAD, back, 0, back.length);
            assertArrayEquals(java.util.Arrays.copyOf(flat, 0x200), back, "bytes up to load_end_addr");
            assertEquals(0, ram.readU32(LOAD + 0x2FFC), "BSS up to bss_end_addr zeroed");
            assertEquals(7, ram.readU8(LOAD + 0x3000), "nothing written past bss_end_addr");
        }
    }

    @Test
    void loadEndZeroMeansTheRestOfTheFile() {
        byte[] flat = MultibootImages.flat(0, 0, LOAD + 0x100);
        var image = prepare(flat, "", RAM);
        var kernel = image.blobs().stream().filter(b -> b.name().equals("kernel segment 0")).findFirst().orElseThrow();
        assertEquals(LOAD, kernel.address());
        assertEquals(flat.length, kernel.data().length);
    }

    @Test
    void malformedAddressFieldsAreRefusedWithTheField() {
        refused("load_addr", () -> {
            byte[] f = MultibootImages.flat(0, 0, LOAD + 0x100);
            return setU32(f, MultibootImages.HEADER_OFFSET + 16, LOAD + 0x1000); // load_addr above header_addr
        });
        refused("before the file", () -> {
            byte[] f = MultibootImages.flat(0, 0, LOAD + 0x100);
            return setU32(f, MultibootImages.HEADER_OFFSET + 12, LOAD + 0x10000); // header_addr far above
        });
        refused("load_end_addr", () -> MultibootImages.flat(LOAD + 0x100000, 0, LOAD + 0x100));
        refused("load_end_addr", () -> MultibootImages.flat(LOAD - 1, 0, LOAD + 0x100));
        refused("bss_end_addr", () -> MultibootImages.flat(LOAD + 0x200, LOAD + 0x100, LOAD + 0x100));
        refused("entry_addr", () -> MultibootImages.flat(LOAD + 0x200, 0, LOAD + 0x200));
        refused("entry_addr", () -> MultibootImages.flat(0, 0, 0xFFFFFFF0L));
    }

    @Test
    void aKernelOutsideRamAboveOneMibIsRefused() {
        var low = assertThrows(InvalidImageException.class, () -> prepare(MultibootImages.flat(0, 0, LOAD + 0x100),
                "", 0x100100));
        assertTrue(low.getMessage().contains("outside RAM"), low.getMessage());
        byte[] below = setU32(setU32(MultibootImages.flat(0, 0, 0x8100), MultibootImages.HEADER_OFFSET + 12,
                0x8000 + MultibootImages.HEADER_OFFSET), MultibootImages.HEADER_OFFSET + 16, 0x8000);
        var e = assertThrows(InvalidImageException.class, () -> prepare(below, "", RAM));
        assertTrue(e.getMessage().contains("1 MiB"), e.getMessage());
        var huge = assertThrows(InvalidImageException.class,
                () -> prepare(MultibootImages.flat(0, 0xFFFFF000L, LOAD + 0x100), "", RAM));
        assertTrue(huge.getMessage().contains("outside RAM"), huge.getMessage());
    }

    @Test
    void aHeaderWithoutAddressFieldsInANonElfFileIsRefused() {
        byte[] flat = MultibootImages.flat(0, 0, LOAD + 0x100);
        MultibootImages.header(java.nio.ByteBuffer.wrap(flat).order(java.nio.ByteOrder.LITTLE_ENDIAN),
                MultibootImages.HEADER_OFFSET, 0);
        var e = assertThrows(InvalidImageException.class, () -> prepare(flat, "", RAM));
        assertTrue(e.getMessage().contains("not ELF"), e.getMessage());
    }

    @Test
    void aBrokenElfIsRefusedByTheElfParser() {
        byte[] elf = setU32(MultibootImages.elf(0, 0), 28, 0x7FFFFFF0L); // e_phoff past the end
        var e = assertThrows(InvalidImageException.class, () -> prepare(elf, "", RAM));
        assertTrue(e.getMessage().contains("program header table"), e.getMessage());
    }

    @Test
    void commandLinesMustBeAsciiWithoutNul() {
        byte[] elf = MultibootImages.elf(0, 0);
        assertThrows(InvalidImageException.class, () -> prepare(elf, "a\0b", RAM));
        assertThrows(InvalidImageException.class, () -> prepare(elf, "caf\u00e9", RAM));
        assertThrows(InvalidImageException.class, () -> prepare(elf, "x".repeat(0x80000), RAM));
    }

    private static void refused(String field, Supplier<byte[]> image) {
        var e = assertThrows(InvalidImageException.class, () -> prepare(image.get(), "", RAM));
        assertTrue(e.getMessage().contains(field), "'" + field + "' in: " + e.getMessage());
    }

    private static byte[] setU32(byte[] image, int off, long v) {
        return SyntheticKernel.setU32(image, off, v);
    }

    private static String cString(GuestRam ram, long at) {
        var sb = new StringBuilder();
        for (int c; (c = ram.readU8(at)) != 0; at++) {
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
