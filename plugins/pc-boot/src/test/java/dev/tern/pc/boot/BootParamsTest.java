package dev.tern.pc.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BootParamsTest {

    private static final long RAM = 256L << 20;

    private static ByteBuffer page(Optional<SetupHeader> header) {
        var params = new BootParams(header, 0x20000, 0x0FF00000, 0x12345, BootParams.pcMemoryMap(RAM, 0x10000));
        byte[] bytes = params.encode();
        assertEquals(4096, bytes.length);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void loaderFieldsSitAtTheirBootProtocolOffsets() {
        var image = SyntheticKernel.bzImage(SyntheticKernel.xz(SyntheticKernel.vmlinux(SyntheticKernel.LOAD)));
        var b = page(Optional.of(SetupHeader.parse(image)));
        assertEquals(0x53726448, b.getInt(0x202), "HdrS copied");
        assertEquals(0x020F, b.getShort(0x206));
        assertEquals((short) 0xAA55, b.getShort(0x1FE));
        assertEquals(4, b.get(0x1F1), "setup_sects copied");
        assertEquals((byte) 0xFF, b.get(0x210), "type_of_loader");
        assertEquals((byte) 0x81, b.get(0x211), "loadflags LOADED_HIGH | CAN_USE_HEAP");
        assertEquals(0xFE00 - 0x200, Short.toUnsignedInt(b.getShort(0x224)), "heap_end_ptr");
        assertEquals(0x20000, b.getInt(0x228), "cmd_line_ptr");
        assertEquals(0x0FF00000, b.getInt(0x218), "ramdisk_image");
        assertEquals(0x12345, b.getInt(0x21C), "ramdisk_size");
        assertEquals(0x7FFFFFFF, b.getInt(0x22C), "initrd_addr_max copied");
        assertEquals(0, b.getInt(0x23C), "hardware_subarch = PC");
        assertEquals(0, b.getLong(0x250), "setup_data");
        assertEquals(0, b.get(0x0F), "orig_video_isVGA: no VGA");
        assertEquals(0, b.get(0x1EF), "sentinel");
        assertEquals((int) ((RAM - 0x100000) >> 10), b.getInt(0x1E0), "alt_mem_k");
    }

    @Test
    void e820TableMatchesThePcLayout() {
        var b = page(Optional.empty());
        assertEquals(5, b.get(0x1E8));
        long[][] expected = {
            {0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2}, {0x100000, RAM - 0x100000, 1},
            {0xFFFF0000L, 0x10000, 2}};
        for (int i = 0; i < expected.length; i++) {
            int at = 0x2D0 + 20 * i;
            assertEquals(expected[i][0], b.getLong(at), "e820[" + i + "].addr");
            assertEquals(expected[i][1], b.getLong(at + 8), "e820[" + i + "].size");
            assertEquals(expected[i][2], b.getInt(at + 16), "e820[" + i + "].type");
        }
        assertEquals(0, b.getLong(0x2D0 + 20 * 5), "nothing after the last entry");
    }

    @Test
    void bareVmlinuxGetsASynthesisedHeader() {
        var b = page(Optional.empty());
        assertEquals(0x53726448, b.getInt(0x202));
        assertEquals(0x020F, b.getShort(0x206));
        assertEquals((short) 0xAA55, b.getShort(0x1FE));
        assertEquals((byte) 0xFF, b.get(0x210));
        assertEquals(2047, b.getInt(0x238));
    }

    @Test
    void keepSegmentsIsCleared() {
        var image = SyntheticKernel.bzImage(SyntheticKernel.xz(SyntheticKernel.vmlinux(SyntheticKernel.LOAD)));
        var b = page(Optional.of(SetupHeader.parse(SyntheticKernel.setU8(image, 0x211, 0x41))));
        assertEquals((byte) 0x81, b.get(0x211));
    }

    @Test
    void invalidMapsAndFieldsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> BootParams.pcMemoryMap(0x80000, 0x10000));
        assertThrows(IllegalArgumentException.class, () -> BootParams.pcMemoryMap(0xFFFF8000L, 0x10000));
        var map = BootParams.pcMemoryMap(RAM, 0x10000);
        assertThrows(IllegalArgumentException.class, () -> new BootParams(Optional.empty(), 1L << 32, 0, 0, map));
        assertThrows(IllegalArgumentException.class, () -> new BootParams(Optional.empty(), 0, 0, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new E820Entry(0, 0, E820Entry.Type.RAM));
    }
}
