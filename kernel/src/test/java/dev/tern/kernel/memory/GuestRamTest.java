package dev.tern.kernel.memory;

import dev.tern.spi.Registration;
import dev.tern.spi.memory.RamRegion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuestRamTest {

    @Test
    void regionsAreSortedAndLookedUp() {
        try (GuestRam ram = GuestRam.builder()
                .rom("bios", 0xF0000, new byte[0x10000])
                .ram("low", 0, 0xA0000)
                .build()) {
            List<RamRegion> r = ram.regions();
            assertEquals(List.of("low", "bios"), r.stream().map(RamRegion::name).toList());
            assertEquals(0x100000, ram.ramEnd());
            assertSame(r.get(0), ram.regionAt(0x9FFFF));
            assertNull(ram.regionAt(0xA0000));
            assertSame(r.get(1), ram.regionAt(0xFFFFF));
            assertNull(ram.regionAt(0x100000));
            assertEquals(0x100000 / 4096, ram.dirtyLog().pageCount());
        }
    }

    @Test
    void anonymousRamStartsZeroAndRoundTripsAcrossRegionsAndHoles() {
        try (GuestRam ram = GuestRam.builder().ram("a", 0, 0x2000).ram("b", 0x3000, 0x1000).build()) {
            assertEquals(0, ram.readU32(0x1000));
            byte[] src = new byte[0x3000];
            for (int i = 0; i < src.length; i++) {
                src[i] = (byte) (i * 7 + 1);
            }
            ram.write(0x0800, src, 0, src.length); // a, then the hole 0x2000-0x2fff, then b
            byte[] back = new byte[src.length];
            ram.read(0x0800, back, 0, back.length);
            for (int i = 0; i < back.length; i++) {
                long gpa = 0x0800 + i;
                byte expected = gpa >= 0x2000 && gpa < 0x3000 ? (byte) 0xFF : src[i];
                assertEquals(expected, back[i], "byte at 0x" + Long.toHexString(gpa));
            }
            assertEquals(0xFFFFFFFFL, ram.readU32(0x10000) & 0xFFFFFFFFL, "beyond RAM reads all-ones");
            ram.writeU64(0x1FFC, 0x1122334455667788L); // straddles a's end into the hole
            assertEquals(0x55667788, ram.readU32(0x1FFC));
        }
    }

    @Test
    void romIsReadOnlyAndPaddedWithOnes() {
        byte[] image = {0x11, 0x22, 0x33};
        try (GuestRam ram = GuestRam.builder().rom("bios", 0x1000, image).build()) {
            RamRegion r = ram.regionAt(0x1000);
            assertTrue(r.readOnly());
            assertEquals(4096, r.length());
            ram.dirtyLog().enable();
            List<long[]> observed = new ArrayList<>();
            ram.observeWrites((gpa, len) -> observed.add(new long[] {gpa, len}));
            ram.writeU8(0x1000, 0x99);
            assertEquals(0x11, ram.readU8(0x1000));
            assertEquals(0xFF, ram.readU8(0x1003));
            assertEquals(0, ram.dirtyLog().syncAndClear().count());
            assertTrue(observed.isEmpty());
        }
    }

    @Test
    void writesMarkDirtyAndNotifyObserversUntilClosed() {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 0x10000).build()) {
            ram.dirtyLog().enable();
            List<long[]> observed = new ArrayList<>();
            Registration reg = ram.observeWrites((gpa, len) -> observed.add(new long[] {gpa, len}));
            ram.write(0x1FFE, new byte[4], 0, 4);
            DirtyPages pages = ram.dirtyLog().syncAndClear();
            assertEquals(2, pages.count());
            assertTrue(pages.isDirty(1) && pages.isDirty(2));
            assertEquals(1, observed.size());
            assertArrayEquals(new long[] {0x1FFE, 4}, observed.getFirst());
            reg.close();
            reg.close();
            ram.writeU8(0, 1);
            assertEquals(1, observed.size());
            ram.markDirty(0x5000, 1);
            assertTrue(ram.dirtyLog().syncAndClear().isDirty(5));
        }
    }

    @Test
    void fileBackedRamIsSharedWithOtherMappings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("guest.ram");
        try (GuestRam ram = GuestRam.builder().ramFile("ram", 0, 0x4000, file).build()) {
            ram.writeU32(0x2000, 0xCAFEBABE);
            assertEquals(0x4000, Files.size(file));
            try (Arena arena = Arena.ofConfined();
                 FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                var other = ch.map(FileChannel.MapMode.READ_WRITE, 0, 0x4000, arena);
                assertEquals(0xCAFEBABE, other.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0x2000));
                other.set(ValueLayout.JAVA_BYTE, 0x10, (byte) 0x5A);
                assertEquals(0x5A, ram.readU8(0x10));
            }
        }
    }

    @Test
    void overlappingRegionsAreRefusedNamingBoth() {
        var b = GuestRam.builder().ram("low", 0, 0x10000).ram("vga", 0xF000, 0x2000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains("'low'") && e.getMessage().contains("'vga'"), e.getMessage());
    }

    @Test
    void misalignedOrEmptyRegionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().ram("x", 0x100, 0x1000));
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().ram("x", 0, 0x1001));
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().ram("x", 0, 0));
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().ram("x", -4096, 4096));
        assertThrows(IllegalArgumentException.class, () -> GuestRam.builder().rom("x", 0, new byte[0]));
    }

    @Test
    void badAccessesNameTheAddress() {
        try (GuestRam ram = GuestRam.builder().ram("ram", 0, 0x1000).build()) {
            byte[] buf = new byte[8];
            IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                    () -> ram.read(0x123, buf, 0, -1));
            assertTrue(neg.getMessage().contains("0x123"), neg.getMessage());
            IllegalArgumentException ovf = assertThrows(IllegalArgumentException.class,
                    () -> ram.write(Long.MAX_VALUE - 3, buf, 0, 8));
            assertTrue(ovf.getMessage().contains(Long.toHexString(Long.MAX_VALUE - 3)), ovf.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ram.read(-8, buf, 0, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> ram.read(0, buf, 4, 8));
            Arrays.fill(buf, (byte) 1);
            ram.write(0, buf, 0, 0);
            assertEquals(0, ram.readU8(0));
        }
    }

    @Test
    void closedRamRefusesAccess() {
        GuestRam ram = GuestRam.builder().ram("ram", 0, 0x1000).build();
        ram.close();
        assertThrows(IllegalStateException.class, () -> ram.readU8(0));
    }

    @Test
    void typedAccessorsAreLittleEndianMarkDirtyAndFallBackAtEdges() {
        try (GuestRam ram = GuestRam.builder().ram("a", 0, 0x1000).rom("rom", 0x2000, new byte[] {1, 2, 3, 4}).build()) {
            ram.dirtyLog().enable();
            List<long[]> observed = new ArrayList<>();
            ram.observeWrites((gpa, len) -> observed.add(new long[] {gpa, len}));
            ram.writeU64(0x10, 0x0807060504030201L);
            byte[] raw = new byte[8];
            ram.read(0x10, raw, 0, 8);
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, raw);
            assertEquals(0x0201, ram.readU16(0x10));
            assertEquals(0x05040302, ram.readU32(0x11));
            assertEquals(0x08, ram.readU8(0x17));
            ram.writeU16(0x20, 0xBEEF);
            ram.writeU32(0x24, 0xDEADBEEF);
            ram.writeU8(0x28, 0x1FF);
            assertEquals(0xDEADBEEF0000BEEFL, ram.readU64(0x20));
            assertEquals(0xFF, ram.readU8(0x28));
            assertEquals(4, observed.size());
            assertArrayEquals(new long[] {0x24, 4}, observed.get(2));
            assertTrue(ram.dirtyLog().syncAndClear().isDirty(0));

            ram.writeU32(0xFFE, 0x44332211); // straddles into the hole: only two bytes land
            assertEquals(0x2211, ram.readU16(0xFFE));
            assertEquals(0xFFFF2211, ram.readU32(0xFFE));
            ram.writeU32(0x2000, 0);
            assertEquals(0x04030201, ram.readU32(0x2000), "ROM ignores typed writes too");
            assertEquals(-1L, ram.readU64(0x5000));
            assertThrows(IllegalArgumentException.class, () -> ram.readU32(-4));
            assertThrows(IllegalArgumentException.class, () -> ram.writeU16(-2, 0));
        }
    }
}
